import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { AdminPayment } from '../../generated/api/types.gen';
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

/** A paid payment whose shop postback goes to a fresh recorder path. */
async function paidPayment(shop: Awaited<ReturnType<typeof createShopWithToken>>, hook: string) {
  const api = shopApi(shop.token);
  const init = await api.init(paymentBody({ id: `order-${crypto.randomUUID()}`, postbackUrl: recorderUrl() + hook }));
  const id = init.data!.id;
  await checkout((await visit(init.data!.url)).headers.get('location')!, 'pay');
  await relayBanskyPostbacks(id);
  return { api, id };
}

async function adminPayment(id: string): Promise<AdminPayment> {
  return (await adminCall('GET', `/admin/v1/payments/${id}`)).json();
}

describe('shop postbacks (Standard Webhooks, through the queue)', { timeout: 30_000 }, () => {
  it('the shop endpoint fails twice, then recovers: delivered, one webhook-id, every attempt recorded', async () => {
    const shop = await createShopWithToken();
    const hook = shopHookPath();
    await failNext(hook, 2, 500);
    const { api, id } = await paidPayment(shop, hook);

    const payment = await waitFor('delivery after retries', async () => {
      const p = (await api.get(id)).data!;
      return p.postback.status === 'delivered' ? p : null;
    });
    expect(payment.postback).toMatchObject({ status: 'delivered', attempts: 3, lastHttpStatus: 200 });

    const requests = await recorded(hook);
    expect(requests.map((r) => r.answeredStatus)).toEqual([500, 500, 200]);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([`msg_${id}_paid`]));
    // Same bytes on every attempt; each attempt signed afresh and verifiable.
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    for (const r of requests) expect(() => new Webhook(shop.webhookSecret).verify(r.body, r.headers)).not.toThrow();

    const admin = await adminPayment(id);
    expect(admin.webhookId).toBe(`msg_${id}_paid`);
    expect(admin.postbackAttempts.map((a) => [a.attempt, a.ok, a.httpStatus])).toEqual([
      [1, false, 500],
      [2, false, 500],
      [3, true, 200],
    ]);
    for (const a of admin.postbackAttempts) {
      expect(a.latencyMs).toBeTypeOf('number');
      expect(Date.parse(a.at)).not.toBeNaN();
    }
    expect(admin.postbackAttempts[0]!.error).toBe('HTTP 500');
  });

  it('during a secret rotation both secrets sign: the shop verifies with either', async () => {
    const shop = await createShopWithToken();
    const rotated = await (await adminCall('POST', `/admin/v1/shops/${shop.shopId}/webhook-secret`, { overlapSeconds: 3600 })).json<{
      webhookSecret: string;
    }>();
    const hook = shopHookPath();
    await paidPayment(shop, hook);
    const [delivery] = await waitFor('delivery', async () => {
      const got = await recorded(hook);
      return got.length ? got : null;
    });
    expect(delivery!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(shop.webhookSecret).verify(delivery!.body, delivery!.headers)).not.toThrow();
    expect(() => new Webhook(rotated.webhookSecret).verify(delivery!.body, delivery!.headers)).not.toThrow();
  });

  it('an operator redelivers a delivered postback: same webhook-id and body, new attempt recorded', async () => {
    const shop = await createShopWithToken();
    const hook = shopHookPath();
    const { api, id } = await paidPayment(shop, hook);
    await waitFor('first delivery', async () => (await api.get(id)).data!.postback.status === 'delivered');

    const res = await adminCall('POST', `/admin/v1/payments/${id}/redeliver`);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ paymentId: id, webhookId: `msg_${id}_paid`, status: 'queued' });
    const requests = await waitFor('redelivery', async () => {
      const got = await recorded(hook);
      return got.length >= 2 ? got : null;
    });
    expect(requests[1]!.headers['webhook-id']).toBe(requests[0]!.headers['webhook-id']);
    expect(requests[1]!.body).toBe(requests[0]!.body);
    await waitFor('second attempt recorded', async () => (await adminPayment(id)).postbackAttempts.length === 2);
  });
});
