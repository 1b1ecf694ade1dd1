import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import { type PaymentRecord, revisionOf } from '../../src/core/payments/record';
import { BASE, createShopWithToken, worker } from './helpers';
import { banskyPaidPostback, failNext, paymentBody, recorded, recorderUrl, shopApi, shopHookPath, waitFor } from './payments.support';
import { servicesWith } from './time.support';

function paymentStub(id: string): DurableObjectStub<PaymentObject> {
  const ns = env.PAYMENTS as unknown as DurableObjectNamespace<PaymentObject>;
  return ns.get(ns.idFromName(id));
}

const stateOf = (id: string) =>
  runInDurableObject(paymentStub(id), async (_o, st) => ({
    record: (await st.storage.get<PaymentRecord>('payment'))!,
    index: (await st.storage.get<{ version: number }>('payments-index'))!,
    alarm: await st.storage.getAlarm(),
  }));

describe('the payment object writes the index only when what it shows changes', { timeout: 30_000 }, () => {
  it('a status check on the return that finds nothing new leaves the index as it is and the alarm on the expiry; a payment then still shows paid', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const init = (await shopApi(shop.token).init(paymentBody({ id: 'return-no-index-write' }))).data!;
    const synced = await waitFor('the index write', async () => {
      const s = await stateOf(init.id);
      return s.index?.version === revisionOf(s.record) ? s : null;
    });

    // The customer is back before paying: the check finds Bansky still waiting (booked, then cleared by its alarm without asking Bansky again).
    const back = await worker.fetch(`${BASE}/integration/success?id=${init.id}`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const after = await waitFor('the status check cleared', async () => {
      const s = await stateOf(init.id);
      return s.record.statusCheck === null && revisionOf(s.record) > revisionOf(synced.record) ? s : null;
    });
    expect(after.index.version).toBe(synced.index.version); // no index write for it
    expect(after.alarm).toBe(Date.parse(after.record.expiresAt)); // no catch-up alarm armed for it

    // A change the index does show is still written.
    const postback = await banskyPaidPostback(init.id);
    expect(postback.status).toBe(200);
    const paid = await waitFor('paid in the index', async () => {
      const s = await stateOf(init.id);
      return s.record.status === 'paid' && s.index.version === revisionOf(s.record) ? s : null;
    });
    expect(paid.record.status).toBe('paid');
  });
});

type Write = { to: 'index' | 'events'; status: string; postback: string };

/** The payment's object from now on, with its index and events log writes listed in `writes`. */
async function watchIndexWrites(id: string, writes: Write[]): Promise<void> {
  const s = servicesWith({});
  const note = (to: Write['to'], r: PaymentRecord) => {
    writes.push({ to, status: r.status, postback: r.postback.status });
    return r;
  };
  const paymentsIndex = new Proxy(s.paymentsIndex, {
    get: (t, k) => (k === 'record' ? (r: PaymentRecord) => t.record(note('index', r)) : Reflect.get(t, k, t)),
  });
  const events = new Proxy(s.events, {
    get: (t, k) => (k === 'record' ? (r: PaymentRecord) => t.record(note('events', r)) : Reflect.get(t, k, t)),
  });
  await runInDurableObject(paymentStub(id), async (instance: PaymentObject, state) => {
    (instance.constructor as typeof PaymentObject).withServices(state.id, { ...s, paymentsIndex, events });
  });
}

describe('a final state and the postback attempt it starts reach the payments index in one write', { timeout: 30_000 }, () => {
  async function paymentWithHook(order: string) {
    const shop = await createShopWithToken();
    const hook = shopHookPath();
    const { id } = (await shopApi(shop.token).init(paymentBody({ id: order, postbackUrl: recorderUrl() + hook }))).data!;
    await waitFor('the init in the index', async () => {
      const s = await stateOf(id);
      return s.index?.version === revisionOf(s.record) ? s : null;
    });
    const writes: Write[] = [];
    await watchIndexWrites(id, writes);
    return { id, hook, writes };
  }

  it('the shop answers at once: the events log is written straight away, the index row once, with paid and delivered', async () => {
    const { id, writes } = await paymentWithHook('index-waits-fast-shop');
    expect((await banskyPaidPostback(id)).status).toBe(200);
    const done = await waitFor('the index caught up', async () => {
      const s = await stateOf(id);
      return s.record.postback.status === 'delivered' && s.index.version === revisionOf(s.record) ? s : null;
    });
    expect(done.alarm).toBeNull(); // nothing left to catch up
    expect(writes.filter((w) => w.to === 'index').map((w) => [w.status, w.postback])).toEqual([['paid', 'delivered']]);
    expect(writes[0]).toMatchObject({ to: 'events', status: 'paid', postback: 'pending' }); // before the shop's answer
  });

  it('a shop slower than the wait: the index shows paid before the shop answers, then the delivery', async () => {
    const { id, hook, writes } = await paymentWithHook('index-waits-slow-shop');
    await failNext(hook, 1, 200, 2_200); // answers 200 after 2.2 s (within the tests' 3 s postback timeout)
    expect((await banskyPaidPostback(id)).status).toBe(200);
    const first = await waitFor('the index write of paid', async () => writes.find((w) => w.to === 'index'));
    expect([first.status, first.postback]).toEqual(['paid', 'pending']); // written before the shop's answer
    await waitFor('the delivery in the index', async () => {
      const s = await stateOf(id);
      return s.record.postback.status === 'delivered' && s.index.version === revisionOf(s.record) ? s : null;
    });
    expect(writes.filter((w) => w.to === 'index').map((w) => [w.status, w.postback])).toEqual([
      ['paid', 'pending'],
      ['paid', 'delivered'],
    ]);
    expect((await recorded(hook)).length).toBe(1);
  });
});
