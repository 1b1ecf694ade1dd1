import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AdminPayment, DeadLetter, DeadLetterList, Problem } from '../../generated/api/types.gen';
import { handlePostbackBatch } from '../../src/core/postbacks/consumer';
import type { PostbackJob } from '../../src/core/postbacks/payload';
import entry from '../../src/index';
import type { Services } from '../../src/services';
import { adminCall, createShopWithToken } from './helpers';
import {
  checkout,
  failNext,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';
import { DAY, FakeClock, HOUR, servicesWith, useInPaymentObject } from './time.support';

async function allDeadLetters(): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  let cursor: string | null = null;
  do {
    const page: DeadLetterList = await (
      await adminCall('GET', `/admin/v1/postbacks/dead-letters?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    ).json();
    expect(page.items.length).toBeLessThanOrEqual(1);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Runs the postback consumer on one job, as the queue would, with the given services (e.g. a later clock). */
async function consumeJob(job: PostbackJob, services: Services, attempts = 2) {
  const batch = createMessageBatch('aimbrellapay-postbacks', [
    { id: `job-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body: job },
  ]);
  await handlePostbackBatch(batch, services);
  return getQueueResult(batch, createExecutionContext());
}

describe('shop postbacks that keep failing', { timeout: 60_000 }, () => {
  it('are retried with backoff, dead-lettered once the retry window has passed, listed, and redelivered once the shop recovers', async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const hook = shopHookPath();
    await failNext(hook, 1_000, 503);
    const init = await api.init(paymentBody({ id: 'order-dead', postbackUrl: recorderUrl() + hook }));
    const id = init.data!.id;
    await checkout((await visit(init.data!.url)).headers.get('location')!, 'decline');
    await relayBanskyPostbacks(id);

    // The queue retries on the (shortened) schedule: at least two attempts, spaced out.
    const failing = await waitFor('two failed attempts', async () => {
      const a: AdminPayment = await (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
      return a.postbackAttempts.length >= 2 ? a : null;
    });
    const attempts = await recorded(hook);
    const gaps = attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(attempts[i]!.at));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);

    // A day later (the retry window), the next attempt fails for good: dead-lettered.
    await useInPaymentObject(id, { clock: new FakeClock().advance(DAY + HOUR) });
    const job = { paymentId: id, webhookId: failing.webhookId!, queuedAt: failing.payment.updatedAt };
    expect((await consumeJob(job, servicesWith({}))).explicitAcks).toHaveLength(1);
    // The job nudges the payment's object, which makes the attempt after answering.
    const dead = await waitFor('dead-lettering', async () => {
      const p = (await api.get(id)).data!;
      return p.postback.status === 'dead_lettered' ? p : null;
    });
    expect(dead.status).toBe('failed');
    expect(dead.postback.status).toBe('dead_lettered');
    expect(dead.postback.lastHttpStatus).toBe(503);
    expect(dead.postback.deliveredAt).toBeNull();
    expect(await recorded(hook)).toHaveLength(dead.postback.attempts); // every attempt reached the shop

    const listed = (await allDeadLetters()).find((d) => d.paymentId === id);
    expect(listed).toMatchObject({
      shopId: shop.shopId,
      webhookId: `msg_${id}_failed`,
      attempts: dead.postback.attempts,
      lastError: 'HTTP 503',
    });

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
      {
        id: 'dlq-1',
        timestamp: new Date(),
        attempts: 101,
        body: { paymentId: id, webhookId: admin.webhookId, queuedAt: admin.payment.updatedAt },
      },
    ]);
    const ctx = createExecutionContext();
    await entry.queue(batch, env, ctx); // the Worker's own queue entry point, dispatching by queue name
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['dlq-1']);

    const after: AdminPayment = await (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
    expect(after.payment.postback.status).toBe('dead_lettered');
    const attemptsThen = after.postbackAttempts.length;
    expect((await allDeadLetters()).find((d) => d.paymentId === id)).toMatchObject({ attempts: attemptsThen, lastError: 'HTTP 500' });
    // A retry still on the queue finds the postback dead-lettered: acknowledged, nothing sent.
    const pending = { paymentId: id, webhookId: admin.webhookId!, queuedAt: admin.payment.updatedAt };
    expect((await consumeJob(pending, servicesWith({}))).explicitAcks).toHaveLength(1);
    const final: AdminPayment = await (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
    expect(final.payment.postback.status).toBe('dead_lettered');
    expect(final.postbackAttempts.length).toBeLessThanOrEqual(attemptsThen + 1); // at most one the queue had already started
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
