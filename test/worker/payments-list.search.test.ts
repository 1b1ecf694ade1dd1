/**
 * Search on the payments list: customer email (ignoring case; exact and prefix), amount (exact and
 * range, compared exactly), our id and the shop's transaction id by prefix — the same in
 * `GET /api/v1/payments` and on the app's Payments page, with totals of exactly what matches.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PaymentList } from '../../generated/api/types.gen';
import type { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { appGet, signedInMember } from './app.support';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import { paymentBody, shopApi, waitFor } from './payments.support';

let shop: { shopId: string; token: string };
const ids: Record<string, string> = {};
let cookie: string;

const PAYMENTS = [
  { id: 'inv-2026-001', email: 'Jane.Doe@Example.com', amount: '49.90', currency: 'EUR' },
  { id: 'inv-2026-002', email: 'jane.doe@example.com', amount: '5.00', currency: 'EUR' },
  { id: 'inv-2026-013', email: 'janet@example.org', amount: '100', currency: 'EUR' },
  { id: 'ref-77', email: 'bob@example.com', amount: '49.9', currency: 'USD' },
  { id: 'ref-78', email: 'bob@example.com', amount: '0.000000000000000001', currency: 'ETH' },
];

async function list(query: Record<string, string>): Promise<{ status: number; body: PaymentList & { code?: string } }> {
  const res = await worker.fetch(`${BASE}/api/v1/payments?${new URLSearchParams(query)}`, { headers: shopHeaders(shop.token) });
  return { status: res.status, body: (await res.json()) as PaymentList & { code?: string } };
}
const idsOf = (l: PaymentList) => l.items.map((i) => i.shopTransactionId).sort();
async function appIds(query: Record<string, string>): Promise<string[]> {
  const html = await (await appGet(`/app/payments?${new URLSearchParams(query)}`, cookie)).text();
  const found = [...html.matchAll(/href="\/app\/payments\/(pay_[A-Za-z0-9]{22})"/g)].map((m) => m[1]!);
  return [...new Set(found)].map((id) => Object.entries(ids).find(([, v]) => v === id)![0]).sort();
}

beforeAll(async () => {
  shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
  for (const p of PAYMENTS) {
    const res = await shopApi(shop.token).init(paymentBody({ id: p.id, email: p.email, amount: p.amount, currency: p.currency }));
    ids[p.id] = res.data!.id;
  }
  await waitFor('all five in the index', async () => ((await list({})).body.items.length === PAYMENTS.length ? true : null), 10_000);
  cookie = (await signedInMember(shop.shopId)).cookie;
});

describe('search on the payments list', () => {
  it.each([
    [{ email: 'JANE.DOE@example.COM' }, ['inv-2026-001', 'inv-2026-002']],
    [{ email: 'jane@example.com' }, []],
    [{ emailPrefix: 'JANE' }, ['inv-2026-001', 'inv-2026-002', 'inv-2026-013']],
    [{ emailPrefix: 'jane.' }, ['inv-2026-001', 'inv-2026-002']],
    [{ amount: '49.9' }, ['inv-2026-001', 'ref-77']],
    [{ amount: '49.900' }, ['inv-2026-001', 'ref-77']],
    [{ amount: '49.9', currency: 'EUR' }, ['inv-2026-001']],
    [{ amountMin: '5', amountMax: '49.90' }, ['inv-2026-001', 'inv-2026-002', 'ref-77']],
    [{ amountMin: '50' }, ['inv-2026-013']],
    [{ amountMax: '0.000000000000000001' }, ['ref-78']],
    [{ amountMin: '0.000000000000000002', amountMax: '4.99' }, []],
    [{ transactionIdPrefix: 'inv-2026-00' }, ['inv-2026-001', 'inv-2026-002']],
    [{ transactionIdPrefix: 'INV' }, []],
    [{ transactionIdPrefix: 'ref-', emailPrefix: 'bob@', amountMin: '1' }, ['ref-77']],
  ] as Array<[Record<string, string>, string[]]>)('%o → %o (API)', async (query, expected) => {
    const { status, body } = await list(query);
    expect(status).toBe(200);
    expect(idsOf(body)).toEqual(expected);
    // The totals are of exactly what matched.
    expect(body.totals.reduce((n, t) => n + t.count, 0)).toBe(expected.length);
  });

  it('by the start of our id', async () => {
    const id = ids['ref-77']!;
    const { body } = await list({ idPrefix: id.slice(0, 12) });
    expect(body.items.map((i) => i.id)).toContain(id);
    expect(body.items.every((i) => i.id.startsWith(id.slice(0, 12)))).toBe(true);
    expect((await list({ idPrefix: id })).body.items.map((i) => i.id)).toEqual([id]);
  });

  it('totals add up exactly over a range', async () => {
    const { body } = await list({ amountMin: '5', currency: 'EUR' });
    expect(body.totals).toEqual([expect.objectContaining({ currency: 'EUR', count: 3, amount: '154.90' })]);
  });

  it('refuses a malformed filter with 400 validation_failed naming it', async () => {
    const bad: Record<string, string>[] = [
      { amount: '1e3' },
      { amountMin: '-1' },
      { amount: '1,50' },
      { idPrefix: 'tok_1' },
      { amountMax: '1234567890123' },
    ];
    for (const query of bad) {
      const { status, body } = await list(query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(body.code).toBe('validation_failed');
    }
  });

  it('the app finds the same: one search box for ids, email start, amount range', async () => {
    expect(await appIds({ q: 'inv-2026-0' })).toEqual(['inv-2026-001', 'inv-2026-002', 'inv-2026-013']);
    expect(await appIds({ q: ids['ref-78']!.slice(0, 10) })).toContain('ref-78');
    expect(await appIds({ emailPrefix: 'Jane.Doe' })).toEqual(['inv-2026-001', 'inv-2026-002']);
    expect(await appIds({ amountMin: '49.9', amountMax: '49.90' })).toEqual(['inv-2026-001', 'ref-77']);
    const bad = await appGet('/app/payments?amountMin=abc', cookie);
    expect(bad.status).toBe(200);
    expect(await bad.text()).toContain('Check the filter: amountMin.');
  });

  it('the shard has an index for each search, and the query plans use them', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const ns = env.PAYMENTS_INDEX as unknown as DurableObjectNamespace<PaymentsIndexObject>;
    const names = [`pidx:${shop.shopId}:test:${month}`];
    await runInDurableObject(ns.get(ns.idFromName(names[0]!)), async (_o, state) => {
      const indexes = state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'payments'")
        .toArray()
        .map((r) => String(r.name));
      expect(indexes).toEqual(expect.arrayContaining(['payments_email', 'payments_tx', 'payments_amount']));
      const plan = (sql: string, ...args: string[]) =>
        state.storage.sql
          .exec(`EXPLAIN QUERY PLAN ${sql}`, ...args)
          .toArray()
          .map((r) => String(r.detail))
          .join(' | ');
      expect(plan('SELECT entry FROM payments WHERE email_lc = ? ORDER BY created_at DESC, id DESC LIMIT 26', 'x')).toContain(
        'payments_email',
      );
      expect(plan('SELECT entry FROM payments WHERE tx_id >= ? AND tx_id < ?', 'a', 'b')).toContain('payments_tx');
      expect(plan('SELECT entry FROM payments WHERE amount_key >= ? AND amount_key <= ?', 'a', 'b')).toContain('payments_amount');
    });
  });
});
