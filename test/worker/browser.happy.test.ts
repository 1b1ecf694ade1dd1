import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import { BASE, createShopWithToken, worker } from './helpers';
import {
  checkout,
  paymentBody,
  postToVerify,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  signAsBansky,
  visit,
  waitFor,
} from './payments.support';
import { DAY, FakeClock, paymentStub, useInPaymentObject } from './time.support';

/** The pay link's 24 hours pass, as far as this payment's object can tell. */
async function expireLinkNow(id: string) {
  await useInPaymentObject(id, { clock: new FakeClock().advance(DAY + 1_000) });
}

/**
 * The shop's signature check, at the moment the postback was signed: these payments' objects run
 * a day ahead, so a check against the real clock would refuse the timestamp (rightly).
 */
function verifiedAt(secret: string, d: { body: string; headers: Record<string, string> }): unknown {
  const signedAt = new Date(Number(d.headers['webhook-timestamp']) * 1000);
  const expected = new Webhook(secret).sign(d.headers['webhook-id']!, signedAt, d.body);
  expect(d.headers['webhook-signature']!.split(' ')).toContain(expected);
  return JSON.parse(d.body);
}

describe("the customer's browser", { timeout: 30_000 }, () => {
  it('returns redirect to the shop but never change the status', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const { id } = (await api.init(paymentBody())).data!;
    for (const via of ['success', 'error', 'success']) {
      const res = await worker.fetch(`${BASE}/integration/${via}?id=${id}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(via === 'success' ? 'https://shop.example/thanks' : 'https://shop.example/failed');
    }
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
  });

  it.each([
    ['pay', 'paid', 'already been paid'],
    ['decline', 'failed', 'declined or cancelled'],
  ] as const)('after %s the pay link answers 409 and says the payment is %s', async (action, status, says) => {
    const api = shopApi((await createShopWithToken()).token);
    const { id, url } = (await api.init(paymentBody())).data!;
    await checkout((await visit(url)).headers.get('location')!, action);
    await relayBanskyPostbacks(id);
    expect((await api.get(id)).data!.status).toBe(status);
    const page = await visit(url);
    expect(page.status).toBe(409);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain(says);
  });

  it('at expiry the alarm moves the payment to expired, sends the postback, and the link answers 410', async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const hook = shopHookPath();
    const { id, url } = (await api.init(paymentBody({ id: 'order-expiry', postbackUrl: recorderUrl() + hook }))).data!;
    expect((await api.get(id)).data!.expiresAt).toBe(new Date(Date.parse((await api.get(id)).data!.createdAt) + 86_400_000).toISOString());
    await expireLinkNow(id);
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true); // the alarm init scheduled

    expect((await api.get(id)).data!.status).toBe('expired');
    const page = await visit(url);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('expired');
    const [delivery] = await waitFor('expired postback', async () => {
      const got = await recorded(hook);
      return got.length ? got : null;
    });
    expect(verifiedAt(shop.webhookSecret, delivery!)).toMatchObject({ type: 'payment.expired', data: { id, status: 'expired' } });
  });

  it('a link opened after its expiry answers 410 even before the alarm ran, and the payment is expired', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const { id, url } = (await api.init(paymentBody())).data!;
    await expireLinkNow(id);
    expect((await visit(url)).status).toBe(410);
    expect((await api.get(id)).data!.status).toBe('expired');
    // A late decline changes nothing: the payment stays expired.
    const declined = JSON.stringify({ id, status: 'failed', amount: '49.90', currency: 'EUR' });
    const ack = await postToVerify(declined, await signAsBansky(declined));
    expect(await ack.json()).toEqual({ status: 'ignored', paymentStatus: 'expired' });
  });

  it("Bansky's late confirmation of an expired payment wins: money moved, so it is paid and the shop hears so", async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const hook = shopHookPath();
    const { id } = (await api.init(paymentBody({ id: 'order-late-paid', postbackUrl: recorderUrl() + hook }))).data!;
    await expireLinkNow(id);
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    await waitFor('expired postback', async () => ((await recorded(hook)).length >= 1 ? true : null));

    const late = JSON.stringify({ id, status: 'paid', amount: '49.90', currency: 'EUR' });
    const ack = await postToVerify(late, await signAsBansky(late));
    expect(await ack.json()).toEqual({ status: 'accepted', paymentStatus: 'paid' });
    expect((await api.get(id)).data!.status).toBe('paid');
    const deliveries = await waitFor('paid postback', async () => {
      const got = await recorded(hook);
      return got.length >= 2 ? got : null;
    });
    const events = deliveries.map((d) => verifiedAt(shop.webhookSecret, d) as { type: string });
    expect(events.map((e) => e.type)).toEqual(['payment.expired', 'payment.paid']);
    expect(new Set(deliveries.map((d) => d.headers['webhook-id'])).size).toBe(2);
    // Replaying the same confirmation is acknowledged and ignored.
    const again = await postToVerify(late, await signAsBansky(late));
    expect(await again.json()).toEqual({ status: 'ignored', paymentStatus: 'paid' });
  });
});

describe('a final payment never sends its customer to Bansky', () => {
  it('opened, then paid where this isolate did not see it: the next open shows the result', async () => {
    const { id } = (await shopApi((await createShopWithToken()).token).init(paymentBody())).data!;
    expect((await worker.fetch(`${BASE}/integration/pay?id=${id}`, { redirect: 'manual' })).status).toBe(302);
    // Bansky's postback lands in another isolate: only the payment's object sees it.
    const applied = await runInDurableObject(env.PAYMENTS.get(env.PAYMENTS.idFromName(id)), (o: PaymentObject) =>
      o.applyBanskyPostback({ id, status: 'paid', amount: '49.90', currency: 'EUR' }, 'elsewhere'),
    );
    expect(applied).toEqual({ kind: 'accepted', status: 'paid' });
    const again = await worker.fetch(`${BASE}/integration/pay?id=${id}`, { redirect: 'manual' });
    expect(again.status).toBe(409);
    expect(again.headers.get('location')).toBeNull();
    expect(await again.text()).toContain('paid');
  });
});
