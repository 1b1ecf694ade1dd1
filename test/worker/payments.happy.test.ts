import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import { zPayment, zShopPostback } from '../../generated/api/zod.gen';
import { createShopWithToken } from './helpers';
import {
  checkout,
  paymentBody,
  publicBase,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  sandboxStats,
  shopApi,
  shopHookPath,
  txlogWhen,
  visit,
  waitFor,
} from './payments.support';

// The whole flow a shop and its customer go through, against the real Bansky sandbox.
describe('a payment end to end', { timeout: 30_000 }, () => {
  it.each([
    ['pay', 'paid', 'https://shop.example/thanks', 'success'],
    ['decline', 'failed', 'https://shop.example/failed', 'error'],
  ] as const)('customer chooses %s → %s, the shop is sent back and gets a verified postback', async (action, final, shopUrl, via) => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const api = shopApi(shop.token);
    const hook = shopHookPath();
    const init = await api.init(paymentBody({ id: `order-${action}`, postbackUrl: recorderUrl() + hook }));
    expect(init.response.status).toBe(201);
    const { id, url } = init.data!;
    expect(url).toBe(`${publicBase()}/integration/pay?id=${id}`);

    // Pay link → Bansky's checkout (right after init, read from the payment's Durable Object).
    const pay = await visit(url);
    expect(pay.status).toBe(302);
    const banskyUrl = pay.headers.get('location')!;
    expect(banskyUrl.startsWith(`${inject('banskyTestUrl')}/checkout/`)).toBe(true);

    // The customer submits the sandbox's form; Bansky sends them back through us to the shop.
    const done = await checkout(banskyUrl, action);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${publicBase()}/integration/${via}?id=${id}`);
    const back = await visit(done.headers.get('location')!);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(shopUrl);

    // A return is not proof of payment: the status moves only on Bansky's word — its postback, or
    // (on the success path) the status check with Bansky that the return triggers, whichever lands first.
    const [ack] = await relayBanskyPostbacks(id);
    expect(ack!.status).toBe(200);
    const answer = (await ack!.json()) as { status: string; paymentStatus: string };
    expect(answer).toEqual({ status: via === 'success' ? answer.status : 'accepted', paymentStatus: final });

    // The shop's postback: Standard Webhooks, verified with the shop's own secret.
    const [delivery] = await waitFor('the shop postback', async () => {
      const got = await recorded(hook);
      return got.length > 0 ? got : null;
    });
    const verified = new Webhook(shop.webhookSecret).verify(delivery!.body, delivery!.headers);
    const postback = zShopPostback.parse(verified);
    expect(delivery!.headers['webhook-id']).toBe(`msg_${id}_${final}`);
    expect(postback).toMatchObject({
      type: `payment.${final}`,
      data: { id, shopTransactionId: `order-${action}`, status: final, amount: '49.90', currency: 'EUR', type: 'fiat', mode: 'test' },
    });

    const payment = await waitFor('delivery recorded', async () => {
      const p = (await api.get(id)).data!;
      return p.postback.status === 'delivered' ? p : null;
    });
    expect(zPayment.parse(payment)).toMatchObject({ status: final, postback: { status: 'delivered', attempts: 1, lastHttpStatus: 200 } });

    // The transaction log in KV: one record, every transition.
    const txlog = await txlogWhen(id, final);
    expect(txlog.transitions.map((t) => t.status)).toEqual(['created', 'awaiting_payment', final]);
  });

  it('without a shop id: a fresh payment each time and no postback, even with a postbackUrl', async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const hook = shopHookPath();
    const body = paymentBody({ amount: '0.00125', currency: 'BTC', postbackUrl: recorderUrl() + hook });
    const first = await api.init(body);
    const second = await api.init(body);
    expect(first.response.status).toBe(201);
    expect(second.response.status).toBe(201);
    expect(first.data!.id).not.toBe(second.data!.id);
    const id = first.data!.id;
    expect((await api.get(id)).data).toMatchObject({ type: 'crypto', shopTransactionId: null, postback: { status: 'none' } });

    const banskyUrl = (await visit(first.data!.url)).headers.get('location')!;
    await checkout(banskyUrl, 'pay');
    await relayBanskyPostbacks(id);
    expect((await api.get(id)).data).toMatchObject({ status: 'paid', postback: { status: 'none', attempts: 0 } });
    // `none` means the state machine never queues one (no shop id, no postback: the product's rule).
    expect(await recorded(hook)).toEqual([]);
  });

  it('the same shop id and body again → 200 replay of the same payment; Bansky was called once', async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const body = paymentBody({ id: 'order-replay' });
    const first = await api.init(body);
    // Same fields in another order: still the same body.
    const second = await api.init(Object.fromEntries(Object.entries(body).reverse()) as typeof body);
    expect(first.response.status).toBe(201);
    expect(second.response.status).toBe(200);
    expect(second.response.headers.get('idempotent-replayed')).toBe('true');
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    expect(second.data).toEqual(first.data);
    expect((await sandboxStats('test', first.data!.id)).initCalls).toBe(1);
  });

  it('10 concurrent identical inits → one payment, one Bansky call, one 201', async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const body = paymentBody({ id: 'order-race' });
    const results = await Promise.all(Array.from({ length: 10 }, () => api.init(body)));
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(results.map((r) => r.data!.id));
    expect(ids.size).toBe(1);
    expect((await sandboxStats('test', [...ids][0]!)).initCalls).toBe(1);
  });

  it('the same shop id in test and live mode are two different payments', async () => {
    const testShop = await createShopWithToken({ mode: 'test' });
    const live = await createShopWithToken({ mode: 'live' });
    const a = await shopApi(testShop.token).init(paymentBody({ id: 'order-modes' }));
    const b = await shopApi(live.token).init(paymentBody({ id: 'order-modes' }));
    expect(a.response.status).toBe(201);
    expect(b.response.status).toBe(201);
    expect(a.data!.id).not.toBe(b.data!.id);
    // Live payments go to the live Bansky base URL.
    expect((await sandboxStats('live', b.data!.id)).initCalls).toBe(1);
    expect((await sandboxStats('test', b.data!.id)).initCalls).toBe(0);
  });
});
