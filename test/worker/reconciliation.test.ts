import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import type { Problem } from '../../generated/api/types.gen';
import { BanskyFailure, type BanskyGateway } from '../../src/core/bansky/gateway';
import { derivePaymentId, paymentIdKey } from '../../src/core/payments/ids';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import type { AnalyticsSink } from '../../src/insight/analytics/emitter';
import type { AnalyticsEventInput } from '../../src/insight/analytics/events';
import { createShopWithToken } from './helpers';
import {
  checkout,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  sandboxStats,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';
import { DAY, FakeClock, paymentStub, servicesWith, useInPaymentObject } from './time.support';

/**
 * Money that moved is never left unrecorded: we ask Bansky before we
 * give up on a payment and when the customer comes back, and Bansky's confirmation of a payment
 * whose init timed out makes it paid.
 */
async function paidAtBanskyWithoutPostback(tags: string) {
  const shop = await createShopWithToken();
  const api = shopApi(shop.token);
  const hook = shopHookPath();
  const init = await api.init(
    paymentBody({ id: `order-${crypto.randomUUID().slice(0, 8)}`, email: `jane+${tags}@example.com`, postbackUrl: recorderUrl() + hook }),
  );
  const { id, url } = init.data!;
  const customer = await checkout((await visit(url)).headers.get('location')!, 'pay');
  return { shop, api, hook, id, customer };
}

const postbackTypes = async (hook: string, secret: string) =>
  (await recorded(hook)).map((d) => {
    // Signed by an object running a day ahead: check the signature at its own timestamp.
    const signedAt = new Date(Number(d.headers['webhook-timestamp']) * 1000);
    expect(d.headers['webhook-signature']!.split(' ')).toContain(new Webhook(secret).sign(d.headers['webhook-id']!, signedAt, d.body));
    return (JSON.parse(d.body) as { type: string }).type;
  });

describe('a lost Bansky postback is recovered by asking Bansky', { timeout: 30_000 }, () => {
  it('at the pay link’s expiry: the payment is paid, not expired, and the shop hears payment.paid', async () => {
    const { shop, api, hook, id } = await paidAtBanskyWithoutPostback('postback_none');
    expect((await api.get(id)).data!.status).toBe('awaiting_payment'); // Bansky never told us
    await useInPaymentObject(id, { clock: new FakeClock().advance(DAY + 1_000) });
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await api.get(id)).data!.status).toBe('paid');
    expect((await sandboxStats('test', id)).statusLookups).toBeGreaterThanOrEqual(1);
    await waitFor('the paid postback', async () => ((await recorded(hook)).length >= 1 ? true : null));
    expect(await postbackTypes(hook, shop.webhookSecret)).toEqual(['payment.paid']);
  });

  it('when the customer returns through our success wrapper', async () => {
    const { api, id, customer } = await paidAtBanskyWithoutPostback('postback_none');
    const back = await visit(customer.headers.get('location')!); // Bansky sends the customer to our /integration/success
    expect(back.status).toBe(302);
    await waitFor('paid by the status check', async () => (await api.get(id)).data!.status === 'paid');
  });

  it('Bansky unreachable at expiry: the payment expires as before (and a late confirmation still wins)', async () => {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const { id } = (await api.init(paymentBody({ email: 'jane+status_unavailable@example.com' }))).data!;
    await useInPaymentObject(id, { clock: new FakeClock().advance(DAY + 1_000) });
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await api.get(id)).data!.status).toBe('expired');
  });
});

describe('Bansky confirms a payment whose init timed out', { timeout: 30_000 }, () => {
  async function timedOutButPaid(tags: string) {
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const hook = shopHookPath();
    const body = paymentBody({
      id: `order-${crypto.randomUUID().slice(0, 8)}`,
      email: `jane+${tags}@example.com`,
      postbackUrl: recorderUrl() + hook,
    });
    const init = await api.init(body);
    expect(init.response.status).toBe(504);
    expect((init.error as Problem).code).toBe('bansky_timeout');
    // The shop knows its own id; ours is derived from it (src/core/payments/ids.ts).
    const id = await derivePaymentId(paymentIdKey(servicesWith({}).config), shop.shopId, 'test', body.id!);
    const [session] = (await sandboxStats('test', id)).sessions;
    await checkout(`${inject('banskyTestUrl')}/checkout/${session!.session}`, 'pay'); // the customer still paid Bansky's checkout
    return { shop, api, hook, id };
  }

  it('through its postback: init_failed becomes paid and the shop gets payment.paid', async () => {
    const { shop, api, hook, id } = await timedOutButPaid('init_timeout');
    const [ack] = await relayBanskyPostbacks(id);
    expect(await ack!.json()).toEqual({ status: 'accepted', paymentStatus: 'paid' });
    expect((await api.get(id)).data!.status).toBe('paid');
    await waitFor('the paid postback', async () => ((await recorded(hook)).length >= 1 ? true : null));
    expect((await recorded(hook)).map((d) => d.headers['webhook-id'])).toEqual([`msg_${id}_paid`]);
    expect(shop.webhookSecret).toMatch(/^whsec_/);
  });

  it('its postback lost too: the late check at the link’s expiry finds it paid', async () => {
    const { api, id } = await timedOutButPaid('init_timeout+postback_none');
    expect((await api.get(id)).data!.status).toBe('init_failed');
    await useInPaymentObject(id, { clock: new FakeClock().advance(DAY + 1_000) });
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await api.get(id)).data!.status).toBe('paid');
  });
});

/**
 * Bansky's real gateway (the sandbox over HTTP) whose first `failures` status lookups fail as a
 * connection refused does, before any request reaches Bansky: a lookup cut off or unanswered.
 */
function banskyDownFor(failures: number, clock: FakeClock): BanskyGateway {
  const real = servicesWith({ clock }).bansky;
  let left = failures;
  return {
    startCheckout: (p) => real.startCheckout(p),
    verifyPostback: (...a) => real.verifyPostback(...a),
    lookupPayment: (mode, id) => {
      if (left-- > 0) return Promise.reject(new BanskyFailure('bansky_error', 'connection refused', null));
      return real.lookupPayment(mode, id);
    },
  };
}

describe('the status check booked when the customer returns survives its run being lost', { timeout: 30_000 }, () => {
  /** Paid at Bansky, no postback; the customer returns while the check after the answer cannot complete. */
  async function returnedWithCheckLost(tags: string, clock: FakeClock, failures: number) {
    const paid = await paidAtBanskyWithoutPostback(tags);
    await useInPaymentObject(paid.id, { clock, bansky: banskyDownFor(failures, clock) });
    expect((await visit(paid.customer.headers.get('location')!)).status).toBe(302);
    const booked = await waitFor('the booked check', async () => (await paymentStub(paid.id).get())?.statusCheck);
    expect(Date.parse(booked.dueAt)).toBe(clock.now().getTime() + 5_000); // recorded before the answer, due in a few seconds
    return paid;
  }

  it('the alarm runs the check that was lost and settles the payment as paid from Bansky', async () => {
    const clock = new FakeClock();
    const { api, id } = await returnedWithCheckLost('postback_none', clock, 1);
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
    expect((await sandboxStats('test', id)).statusLookups).toBe(0); // the check never reached Bansky
    const alarmAt = await runInDurableObject(paymentStub(id), (_: PaymentObject, state) => state.storage.getAlarm());
    expect(alarmAt).toBe(clock.now().getTime() + 5_000); // the earliest due wins over the pay link's expiry a day later
    clock.advance(5_000);
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await api.get(id)).data!.status).toBe('paid');
    expect((await sandboxStats('test', id)).statusLookups).toBe(1);
    expect((await paymentStub(id).get())?.statusCheck).toBeNull();
  });

  it('Bansky unavailable at the first alarm: tried again later with backoff, then paid', async () => {
    const clock = new FakeClock();
    const { api, id } = await returnedWithCheckLost('postback_none', clock, 2);
    clock.advance(5_000);
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
    const retry = (await paymentStub(id).get())?.statusCheck;
    expect(retry).toEqual({ attempts: 1, dueAt: new Date(clock.now().getTime() + 30_000).toISOString() });
    clock.advance(30_000);
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await api.get(id)).data!.status).toBe('paid');
    expect((await paymentStub(id).get())?.statusCheck).toBeNull();
  });

  it('Bansky answers the check with pending: the booking stays until its alarm, which clears it without asking again', async () => {
    const clock = new FakeClock();
    const shop = await createShopWithToken();
    const api = shopApi(shop.token);
    const { id, url } = (await api.init(paymentBody({ email: 'jane+postback_none@example.com' }))).data!;
    await useInPaymentObject(id, { clock });
    // Back on our success wrapper without paying at Bansky: the check finds the payment pending there.
    expect((await visit(url.replace('/integration/pay?', '/integration/success?'))).status).toBe(302);
    await waitFor('the check answered', async () => (await sandboxStats('test', id)).statusLookups === 1);
    const booked = (await paymentStub(id).get())?.statusCheck;
    expect(booked?.dueAt).toBe(new Date(clock.now().getTime() + 5_000).toISOString()); // not cleared by a write of its own
    clock.advance(5_000);
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await paymentStub(id).get())?.statusCheck).toBeNull();
    expect((await sandboxStats('test', id)).statusLookups).toBe(1); // answered once: not asked again
    expect((await api.get(id)).data!.status).toBe('awaiting_payment');
  });

  it('a payment already final by the alarm: the booked check is dropped without asking Bansky', async () => {
    const clock = new FakeClock();
    const { api, id } = await returnedWithCheckLost('postback_delay', clock, 1);
    const [ack] = await relayBanskyPostbacks(id); // Bansky's own postback settles it first
    expect(await ack!.json()).toEqual({ status: 'accepted', paymentStatus: 'paid' });
    expect((await paymentStub(id).get())?.statusCheck).toBeNull(); // cleared by the write that made it paid
    clock.advance(5_000);
    await runDurableObjectAlarm(paymentStub(id));
    expect((await paymentStub(id).get())?.statusCheck).toBeNull();
    expect((await api.get(id)).data!.status).toBe('paid');
    expect((await sandboxStats('test', id)).statusLookups).toBe(0);
  });
});

describe('Bansky’s postback lands while the return’s status check is asking Bansky', { timeout: 30_000 }, () => {
  it('the check’s analytics event carries the final status, so the reports see the payment paid', async () => {
    const { id, customer } = await paidAtBanskyWithoutPostback('postback_delay');
    const real = servicesWith({}).bansky;
    let asked = false;
    let released = false;
    // The status lookup is held until the test has delivered Bansky's postback: the race, made certain.
    const slowLookup: BanskyGateway = {
      startCheckout: (p) => real.startCheckout(p),
      verifyPostback: (...a) => real.verifyPostback(...a),
      lookupPayment: async (mode, paymentId) => {
        asked = true;
        while (!released) await new Promise((r) => setTimeout(r, 20));
        return real.lookupPayment(mode, paymentId);
      },
    };
    // Stamped as the emitter stamps them: an event's own time, else the time it is sent.
    const sent: Array<AnalyticsEventInput & { occurred_at: string }> = [];
    const recording: AnalyticsSink = {
      emit: async (...inputs) => void sent.push(...inputs.map((e) => ({ ...e, occurred_at: e.occurred_at ?? new Date().toISOString() }))),
      withLogger: () => recording,
    };
    await runInDurableObject(paymentStub(id), async (instance: PaymentObject, state) => {
      (instance.constructor as typeof PaymentObject).withServices(state.id, {
        ...servicesWith({ bansky: slowLookup }),
        analytics: recording,
      });
    });

    expect((await visit(customer.headers.get('location')!)).status).toBe(302); // the success return books and starts the check
    await waitFor('the status check asking Bansky', async () => asked);
    const [ack] = await relayBanskyPostbacks(id);
    expect(await ack!.json()).toEqual({ status: 'accepted', paymentStatus: 'paid' });
    released = true;

    const checked = await waitFor('the status check’s event', async () => sent.find((e) => e.event_type === 'bansky_status_checked'));
    expect(checked.status).toBe('paid');
    // The reports' state view (bigquery/views/payment_state.sql): the latest event by time wins, a
    // tie going to the later status in the lifecycle. It must be the paid one.
    const rank = (status: string | null | undefined) => (status === 'created' ? 0 : status === 'awaiting_payment' ? 1 : 2);
    const latest = [...sent]
      .filter((e) => e.status)
      .sort((a, b) => b.occurred_at.localeCompare(a.occurred_at) || rank(b.status) - rank(a.status))[0];
    expect(latest?.status).toBe('paid');
  });
});
