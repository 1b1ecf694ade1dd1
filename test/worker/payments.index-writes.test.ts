import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import { type PaymentRecord, revisionOf } from '../../src/core/payments/record';
import { CANARY } from '../support/test-bindings';
import { BASE, createShopWithToken, worker } from './helpers';
import { paymentBody, shopApi, signAsBansky, waitFor } from './payments.support';

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

    // The customer is back before paying: the check finds Bansky still waiting (two record writes: booked, cleared).
    const back = await worker.fetch(`${BASE}/integration/success?id=${init.id}`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const after = await waitFor('the status check cleared', async () => {
      const s = await stateOf(init.id);
      return s.record.statusCheck === null && revisionOf(s.record) > revisionOf(synced.record) ? s : null;
    });
    expect(after.index.version).toBe(synced.index.version); // no index write for it
    expect(after.alarm).toBe(Date.parse(after.record.expiresAt)); // no catch-up alarm armed for it

    // A change the index does show is still written.
    const body = JSON.stringify({
      id: init.id,
      transactionId: `bx_${init.id.slice(4, 14)}`,
      status: 'paid',
      amount: '49.90',
      currency: 'EUR',
    });
    const postback = await worker.fetch(`${BASE}/api/payment-verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bansky-signature': await signAsBansky(body, CANARY.BANSKY_POSTBACK_SECRET) },
      body,
    });
    expect(postback.status).toBe(200);
    const paid = await waitFor('paid in the index', async () => {
      const s = await stateOf(init.id);
      return s.record.status === 'paid' && s.index.version === revisionOf(s.record) ? s : null;
    });
    expect(paid.record.status).toBe('paid');
  });
});
