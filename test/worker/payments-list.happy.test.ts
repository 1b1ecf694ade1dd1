import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../generated/api/client';
import { listPayments, resendPostback } from '../../generated/api/sdk.gen';
import type { PaymentList } from '../../generated/api/types.gen';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import { type PaymentRecord, revisionOf } from '../../src/core/payments/record';
import type { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { appGet, signedInMember } from './app.support';
import { BASE, createShopWithToken, worker } from './helpers';
import {
  checkout,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';

/** The stated consistency of the list (docs/internal/payments-index.md): a payment shows within seconds. */
const LIST_WITHIN_MS = 5_000;

function listApi(token: string) {
  const client = createClient({ baseUrl: BASE, fetch: (input, init) => worker.fetch(input as Request, init) });
  return {
    list: (query: NonNullable<Parameters<typeof listPayments>[0]>['query'] = {}) => listPayments({ client, query, auth: token }),
    resend: (id: string) => resendPostback({ client, path: { id }, auth: token }),
  };
}

async function payWith(token: string, action: 'pay' | 'decline', body: Parameters<ReturnType<typeof shopApi>['init']>[0]): Promise<string> {
  const init = await shopApi(token).init(body);
  if (init.response.status !== 201) throw new Error(`init ${init.response.status}`);
  const id = init.data!.id;
  const banskyUrl = (await visit(init.data!.url)).headers.get('location')!;
  await checkout(banskyUrl, action);
  await relayBanskyPostbacks(id);
  return id;
}

/** The app's Payments page, in the order it shows the payments. */
async function appOrder(cookie: string, query = ''): Promise<string[]> {
  const html = await (await appGet(`/app/payments${query}`, cookie)).text();
  return [...html.matchAll(/href="\/app\/payments\/(pay_[A-Za-z0-9]{22})"/g)].map((m) => m[1]!);
}

describe('the payments list (API and app share one index)', { timeout: 60_000 }, () => {
  it('lists newest first with filters, cursor pages and exact totals per currency; the app shows the same', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const api = listApi(shop.token);
    const paidEur = await payWith(shop.token, 'pay', paymentBody({ id: 'order-1', amount: '10.00', currency: 'EUR' }));
    const failedEur = await payWith(shop.token, 'decline', paymentBody({ id: 'order-2', amount: '5.50', currency: 'EUR' }));
    const paidEth1 = await payWith(shop.token, 'pay', paymentBody({ id: 'order-3', amount: '0.1', currency: 'ETH' }));
    const paidEth2 = await payWith(shop.token, 'pay', paymentBody({ id: 'order-4', amount: '0.2', currency: 'ETH' }));
    const awaiting = (await shopApi(shop.token).init(paymentBody({ id: 'order-5', amount: '7.25', currency: 'USD' }))).data!.id;
    const newestFirst = [awaiting, paidEth2, paidEth1, failedEur, paidEur];

    const all = await waitFor(
      'all five payments in their final state',
      async () => {
        const { data } = await api.list();
        const statuses = data?.items.map((i) => i.status).join(',');
        return statuses === 'awaiting_payment,paid,paid,failed,paid' ? data : null;
      },
      LIST_WITHIN_MS * 2,
    );
    expect(all.items.map((i) => i.id)).toEqual(newestFirst);
    expect(all.items[0]).toMatchObject({
      shopTransactionId: 'order-5',
      amount: '7.25',
      currency: 'USD',
      mode: 'test',
      email: 'jane@example.com',
    });
    // Per currency: what the filter admits, the paid part (exact: never 0.30000000000000004), per status.
    expect(all.totals).toEqual([
      { currency: 'ETH', count: 2, amount: '0.3', paidCount: 2, paidAmount: '0.3', statusCounts: { paid: 2 } },
      { currency: 'EUR', count: 2, amount: '15.50', paidCount: 1, paidAmount: '10.00', statusCounts: { paid: 1, failed: 1 } },
      { currency: 'USD', count: 1, amount: '7.25', paidCount: 0, paidAmount: '0.00', statusCounts: { awaiting_payment: 1 } },
    ]);

    const paid = (await api.list({ status: 'paid' })).data!;
    expect(paid.items.map((i) => i.id)).toEqual([paidEth2, paidEth1, paidEur]);
    expect(paid.totals).toEqual([
      { currency: 'ETH', count: 2, amount: '0.3', paidCount: 2, paidAmount: '0.3', statusCounts: { paid: 2 } },
      { currency: 'EUR', count: 1, amount: '10.00', paidCount: 1, paidAmount: '10.00', statusCounts: { paid: 1 } },
    ]);
    const eur = (await api.list({ currency: 'EUR' })).data!;
    expect(eur.items.map((i) => i.id)).toEqual([failedEur, paidEur]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await api.list({ from: today, to: today })).data!.items).toHaveLength(5);
    expect((await api.list({ to: '2020-01-31' })).data).toEqual({ items: [], nextCursor: null, totals: [] });

    // Cursor pages: same order, nothing twice, totals of the whole range on every page.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: PaymentList = (await api.list({ limit: 2, cursor })).data!;
      expect(page.totals).toEqual(all.totals);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(newestFirst);
    expect((await api.list({ cursor: 'not-a-cursor' })).response.status).toBe(400);

    // Search: exact, by our id or by the shop's own id.
    expect((await api.list({ q: failedEur })).data!.items.map((i) => i.id)).toEqual([failedEur]);
    expect((await api.list({ q: 'order-3' })).data!.items.map((i) => i.id)).toEqual([paidEth1]);
    expect((await api.list({ q: 'order' })).data!.items).toEqual([]);
    expect((await api.list({ q: 'order-3', status: 'failed' })).data!.items).toEqual([]);

    // The app lists the same payments in the same order, with the same filters.
    const member = await signedInMember(shop.shopId);
    expect(await appOrder(member.cookie)).toEqual(newestFirst);
    expect(await appOrder(member.cookie, '?status=paid')).toEqual([paidEth2, paidEth1, paidEur]);
    expect(await appOrder(member.cookie, '?currency=eur')).toEqual([failedEur, paidEur]);
    expect(await appOrder(member.cookie, '?q=order-3')).toEqual([paidEth1]);
    const html = await (await appGet('/app/payments?status=paid', member.cookie)).text();
    expect(html).toContain('0.3 <span class="currency">ETH</span>');
    expect(html).toContain('10.00 <span class="currency">EUR</span>');
    // Without a status filter the app's totals are the paid volume, with the count per status beside it.
    const anyStatus = await (await appGet('/app/payments?currency=EUR', member.cookie)).text();
    expect(anyStatus).toContain('10.00 <span class="currency">EUR</span>');
    expect(anyStatus).not.toContain('15.50');
    expect(anyStatus).toMatch(/1 paid<\/span>.*1 failed<\/span>/s);
  });

  it('another shop, and the other mode of the same shop, see none of it', async () => {
    const a = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const b = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const id = (await shopApi(a.token).init(paymentBody({ id: 'mine' }))).data!.id;
    await waitFor(
      'the payment in shop A’s list',
      async () => ((await listApi(a.token).list()).data?.items.length === 1 ? true : null),
      LIST_WITHIN_MS,
    );
    expect((await listApi(b.token).list()).data!.items).toEqual([]);
    expect((await listApi(b.token).list({ q: id })).data!.items).toEqual([]);
    expect((await listApi(b.token).list({ q: 'mine' })).data!.items).toEqual([]);
    const live = (await (
      await worker.fetch(`${BASE}/admin/v1/shops/${a.shopId}/tokens`, {
        method: 'POST',
        headers: { authorization: 'Bearer canary_admin_token_8b2f6d4e1a9c', 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'live' }),
      })
    ).json()) as { token: string };
    expect((await listApi(live.token).list()).data!.items).toEqual([]);
    expect((await listApi(live.token).list({ q: id })).data!.items).toEqual([]);
  });

  it(`shows a new payment within ${LIST_WITHIN_MS / 1000} s of init`, async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const started = Date.now();
    const id = (await shopApi(shop.token).init(paymentBody())).data!.id;
    await waitFor(
      'the payment in the list',
      async () => ((await listApi(shop.token).list()).data?.items[0]?.id === id ? true : null),
      LIST_WITHIN_MS,
    );
    expect(Date.now() - started).toBeLessThan(LIST_WITHIN_MS);
  });
});

describe('the index shard itself', () => {
  const stub = () => {
    const ns = env.PAYMENTS_INDEX as unknown as DurableObjectNamespace<PaymentsIndexObject>;
    return ns.get(ns.idFromName(`pidx:shop_TEST${crypto.randomUUID().slice(0, 8)}:test:2026-12`));
  };
  const entry = (version: number, status: 'awaiting_payment' | 'paid') => ({
    shopId: 'shop_X',
    version,
    id: 'pay_AAAAAAAAAAAAAAAAAAAAAA',
    shopTransactionId: 'o-1',
    status,
    mode: 'test' as const,
    amount: '12.34',
    currency: 'EUR',
    type: 'fiat' as const,
    email: 'j@example.com',
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
  });

  it('never goes back to an older version, and moves totals between statuses', async () => {
    const s = stub();
    expect(await s.upsert(entry(2, 'awaiting_payment'))).toEqual({ applied: true });
    expect(await s.upsert(entry(3, 'paid'))).toEqual({ applied: true });
    expect(await s.upsert(entry(2, 'awaiting_payment'))).toEqual({ applied: false }); // a late retry
    expect((await s.query({ limit: 10 })).map((e) => e.status)).toEqual(['paid']);
    expect(await s.totals({ status: 'paid' })).toEqual([{ currency: 'EUR', status: 'paid', count: 1, minor: '1234' }]);
    expect(await s.totals({ status: 'awaiting_payment' })).toEqual([]);
  });
});

describe('the shop resends its postback', { timeout: 60_000 }, () => {
  it('same webhook-id, at most once a minute per payment', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const hook = shopHookPath();
    const id = await payWith(shop.token, 'pay', paymentBody({ id: 'resend-1', postbackUrl: recorderUrl() + hook }));
    const [first] = await waitFor('the first delivery', async () => ((await recorded(hook)).length >= 1 ? recorded(hook) : null));
    // The first delivery was queued moments ago: the resend waits its minute.
    const early = await listApi(shop.token).resend(id);
    expect(early.response.status).toBe(429);
    expect(Number(early.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(early.response.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await listApi(shop.token).resend('pay_AAAAAAAAAAAAAAAAAAAAAA')).response.status).toBe(404);
    const other = await createShopWithToken();
    expect((await listApi(other.token).resend(id)).response.status).toBe(404);
    expect(first!.headers['webhook-id']).toBe(`msg_${id}_paid`);

    // A minute later (the record's clock moved back instead of the test sleeping) the resend is accepted.
    await runInDurableObject(paymentStub(id), async (_o, state) => {
      const r = (await state.storage.get<PaymentRecord>('payment'))!;
      await state.storage.put('payment', { ...r, postback: { ...r.postback, queuedAt: new Date(Date.now() - 61_000).toISOString() } });
    });
    const resent = await listApi(shop.token).resend(id);
    expect(resent.response.status).toBe(202);
    expect(resent.data).toEqual({ paymentId: id, webhookId: `msg_${id}_paid`, status: 'queued' });
    const both = await waitFor('the resent delivery', async () => ((await recorded(hook)).length >= 2 ? recorded(hook) : null));
    expect(both[1]!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(both[1]!.body).toBe(first!.body);
    expect((await listApi(shop.token).resend(id)).response.status).toBe(429);
  });
});

function paymentStub(id: string): DurableObjectStub<PaymentObject> {
  const ns = env.PAYMENTS as unknown as DurableObjectNamespace<PaymentObject>;
  return ns.get(ns.idFromName(id));
}

describe('the payment object keeps the index in step', { timeout: 30_000 }, () => {
  it('once the index has the version, the alarm is back on the pay link expiry (no catch-up wake-up)', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const id = (await shopApi(shop.token).init(paymentBody({ id: 'alarm-after-index' }))).data!.id;
    const state = await waitFor('the index write', () =>
      runInDurableObject(paymentStub(id), async (_o, st) => {
        const record = (await st.storage.get<PaymentRecord>('payment'))!;
        const index = await st.storage.get<{ version: number }>('payments-index');
        return index?.version === revisionOf(record) ? { record, alarm: await st.storage.getAlarm() } : null;
      }),
    );
    expect(state.alarm).toBe(Date.parse(state.record.expiresAt));
  });

  it('an update whose index write did not happen is written by the alarm', async () => {
    const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
    const api = listApi(shop.token);
    const id = (await shopApi(shop.token).init(paymentBody({ id: 'lost-update' }))).data!.id;
    await waitFor('the payment in the list', async () => ((await api.list()).data?.items[0]?.id === id ? true : null), LIST_WITHIN_MS);
    // As if the object committed `failed` and was evicted before the index call: the record says
    // its index row is behind (the index state's version), and the alarm that write armed is pending.
    await runInDurableObject(paymentStub(id), async (_o, state) => {
      const r = (await state.storage.get<PaymentRecord>('payment'))!;
      const at = new Date().toISOString();
      const next = {
        ...r,
        status: 'failed' as const,
        updatedAt: at,
        transitions: [...r.transitions, { status: 'failed' as const, at, reason: 'test' }],
        rev: revisionOf(r) + 1, // as the object's storage stamps every write
      };
      await state.storage.put('payment', next);
      await state.storage.setAlarm(Date.now() + 5_000);
    });
    expect((await api.list()).data!.items[0]!.status).toBe('awaiting_payment');
    expect(await runDurableObjectAlarm(paymentStub(id))).toBe(true);
    expect((await api.list()).data!.items[0]!.status).toBe('failed');
    const leftover = await runInDurableObject(paymentStub(id), async (_o, state) => ({
      record: (await state.storage.get<PaymentRecord>('payment'))!,
      index: (await state.storage.get<{ version: number }>('payments-index'))!,
      alarm: await state.storage.getAlarm(),
    }));
    expect(leftover.index.version).toBe(revisionOf(leftover.record));
    expect(leftover.alarm).toBeNull(); // final: no expiry alarm to restore
  });
});
