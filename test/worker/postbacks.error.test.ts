import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AdminPayment, DeadLetter, DeadLetterList, Problem } from '../../generated/api/types.gen';
import entry from '../../src/index';
import { adminCall, createShopWithToken } from './helpers';
import { checkout, failNext, paymentBody, recorded, recorderUrl, relayBanskyPostbacks, shopApi, shopHookPath, visit, waitFor } from './payments.support';

async function allDeadLetters(): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  let cursor: string | null = null;
  do {
    const page: DeadLetterList = await (await adminCall('GET', `/admin/v1/postbacks/dead-letters?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
    expect(page.items.length).toBeLessThanOrEqual(1);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe('shop postbacks that keep failing', { timeout: 60_000 }, () => {
  it('are dead-lettered after the (shortened) retry window, listed, and redelivered once the shop recovers', async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const hook = shopHookPath();
    await failNext(hook, 1_000, 503);
    const init = await api.init(paymentBody({ id: 'order-dead', postbackUrl: recorderUrl() + hook }));
    const id = init.data!.id;
    await checkout((await visit(init.data!.url)).headers.get('location')!, 'decline');
    await relayBanskyPostbacks(id);

    const dead = await waitFor('dead-lettering', async () => {
      const p = (await api.get(id)).data!;
      return p.postback.status === 'dead_lettered' ? p : null;
    }, 50_000);
    expect(dead.status).toBe('failed');
    expect(dead.postback.attempts).toBeGreaterThanOrEqual(2);
    expect(dead.postback.lastHttpStatus).toBe(503);
    expect(dead.postback.deliveredAt).toBeNull();

    // Retries were spaced out (backoff), and every one reached the shop.
    const attempts = await recorded(hook);
    expect(attempts.length).toBe(dead.postback.attempts);
    const gaps = attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(attempts[i]!.at));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);

    const listed = (await allDeadLetters()).find((d) => d.paymentId === id);
    expect(listed).toMatchObject({ shopId: shop.shopId, webhookId: `msg_${id}_failed`, attempts: dead.postback.attempts, lastError: 'HTTP 503' });

    // The shop is fixed; the operator redelivers.
    await failNext(hook, 0);
    const res = await adminCall('POST', `/admin/v1/payments/${id}/redeliver`);
    expect(res.status).toBe(202);
    await waitFor('redelivery', async () => (await api.get(id)).data!.postback.status === 'delivered', 20_000);
    expect((await allDeadLetters()).some((d) => d.paymentId === id)).toBe(false);
    const admin: AdminPayment = await (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
    expect(admin.postbackAttempts.at(-1)).toMatchObject({ ok: true, httpStatus: 200 });
  });
});

describe('jobs the queue itself gave up on (its dead-letter queue)', { timeout: 30_000 }, () => {
  it('are dead-lettered without inventing an attempt, and later queue retries stop', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const hook = shopHookPath();
    await failNext(hook, 1_000, 500);
    const init = await api.init(paymentBody({ id: 'order-dlq', postbackUrl: recorderUrl() + hook }));
    const id = init.data!.id;
    await checkout((await visit(init.data!.url)).headers.get('location')!, 'pay');
    await relayBanskyPostbacks(id);
    const admin: AdminPayment = await waitFor('a first failed attempt', async () => {
      const a: AdminPayment = await (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
      return a.postbackAttempts.length > 0 ? a : null;
    });

    const batch = createMessageBatch('aimbrellapay-postbacks-dlq', [
      { id: 'dlq-1', timestamp: new Date(), attempts: 101, body: { paymentId: id, webhookId: admin.webhookId, queuedAt: admin.payment.updatedAt } },
    ]);
    const ctx = createExecutionContext();
    await entry.queue(batch, env, ctx); // the Worker's own queue entry point, dispatching by queue name
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['dlq-1']);

    const after: AdminPayment = await (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
    expect(after.payment.postback.status).toBe('dead_lettered');
    const attemptsThen = after.postbackAttempts.length;
    expect((await allDeadLetters()).find((d) => d.paymentId === id)).toMatchObject({ attempts: attemptsThen, lastError: 'HTTP 500' });
    await new Promise((r) => setTimeout(r, 3_000)); // a pending retry finds the postback dead-lettered and stops
    expect((await (await adminCall('GET', `/admin/v1/payments/${id}`)).json<AdminPayment>()).postbackAttempts.length).toBeLessThanOrEqual(attemptsThen + 1);
  });
});

describe('redelivery that cannot happen', () => {
  it('a payment that is not final yet → 409 not_redeliverable', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const init = await api.init(paymentBody({ id: 'order-open', postbackUrl: `${recorderUrl()}/shop/never` }));
    const res = await adminCall('POST', `/admin/v1/payments/${init.data!.id}/redeliver`);
    expect(res.status).toBe(409);
    expect(((await res.json()) as Problem).code).toBe('not_redeliverable');
  });

  it('a payment without a shop id (no postback at all) → 409; an unknown payment → 404', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const init = await api.init(paymentBody());
    expect((await adminCall('POST', `/admin/v1/payments/${init.data!.id}/redeliver`)).status).toBe(409);
    const unknown = await adminCall('POST', '/admin/v1/payments/pay_AAAAAAAAAAAAAAAAAAAAAA/redeliver');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Problem).code).toBe('payment_not_found');
  });
});
