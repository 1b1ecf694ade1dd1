import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, cardSql, FILTERS, LOCKED } from '../../bigquery/metabase/dashboard.ts';
import { freePort } from '../../scripts/lib/ports.mjs';
import { BigQueryUnavailableError, runQuery } from '../../src/insight/reporting/bigquery-query.ts';
import { SCOPE_SQL, toNamedParameters, withDataset } from '../../src/insight/reporting/scope-sql.ts';
import { addDecimals, STATS_RANGES, StatsFiguresService, type StatsRange } from '../../src/insight/reporting/stats-figures.ts';
import { type DateStyle, type NativeValue, substituteLikeMetabase } from '../support/node/metabase-native-params.ts';
import { dec, type Emulator, insertRows, query, type Row, startEmulator } from './analytics.support.ts';
import { attemptsOf, D0, D20, D40, eventsOf, NOW, PAYMENTS, paymentsIn, type Scope, statusOf } from './metabase.sql.support.ts';

// Every dashboard card's SQL, with its variables filled in as Metabase fills them, on the real
// BigQuery emulator: two shops × two modes, several days, a retried batch of duplicate events.
let emu: Emulator;
const COMBOS = [
  ['shop_a', 'live'],
  ['shop_a', 'test'],
  ['shop_b', 'live'],
  ['shop_b', 'test'],
] as const;

function values(s: Scope): Record<string, NativeValue | undefined> {
  const text = (v?: string | string[]) => (v === undefined ? undefined : ({ type: 'text', value: v } as const));
  const date = (v?: string) => (v === undefined ? undefined : ({ type: 'date', value: v } as const));
  return {
    shop_id: text(s.shop),
    mode: text(s.mode),
    from: date(s.from),
    to: date(s.to),
    currency: text(s.currency),
    status: text(s.status),
  };
}

async function runCard(key: string, s: Scope, dateStyle: DateStyle = 'date'): Promise<Row[]> {
  const sql = substituteLikeMetabase(cardSql(key, `${emu.project}.${emu.dataset}`), values(s), LOCKED, dateStyle);
  return query(emu, sql);
}

const n = (v: string | null | undefined) => Number(v ?? 0);
const sumDec = (xs: string[]) => xs.reduce((a, x) => a + Number(x), 0);

beforeAll(async () => {
  emu = await startEmulator();
  const rows = PAYMENTS.flatMap(eventsOf);
  await insertRows(emu, rows);
  await insertRows(
    emu,
    rows.filter((_, i) => i % 4 === 0),
  ); // a retried batch: the same event ids again
});
afterAll(async () => emu?.stop());

// Each shop and mode, then a shop that picked two currencies and two statuses in the dashboard's
// filters (substituted as Metabase does: 'EUR', 'USD' inside the cards' IN (…)).
const SCOPES: Array<{ title: string; scope: Scope }> = [
  ...COMBOS.map(([shop, mode]) => ({ title: `${shop} in ${mode} mode`, scope: { shop, mode, from: D20, to: D0 } as Scope })),
  ...(['shop_a', 'shop_b'] as const).map((shop) => ({
    title: `${shop} in live mode, currencies EUR and USD, statuses paid and failed`,
    scope: { shop, mode: 'live', from: D20, to: D0, currency: ['EUR', 'USD'], status: ['paid', 'failed'] } as Scope,
  })),
];

describe.each(SCOPES)('cards for $title show that selection of that shop only', ({ scope }) => {
  const expected = paymentsIn(scope);

  it('volume per currency and day: counts and exact amounts, one row per currency', async () => {
    const rows = await runCard('volume_per_currency', scope);
    const want = new Map<string, { payments: number; paid: number; amountPaid: number }>();
    for (const p of expected) {
      const k = `${p.day}|${p.currency}`;
      const w = want.get(k) ?? { payments: 0, paid: 0, amountPaid: 0 };
      w.payments++;
      if (p.outcome === 'paid') {
        w.paid++;
        w.amountPaid += Number(p.amount);
      }
      want.set(k, w);
    }
    expect(rows.map((r) => `${r.day}|${r.currency}`).sort()).toEqual([...want.keys()].sort());
    for (const r of rows) {
      const w = want.get(`${r.day}|${r.currency}`)!;
      expect([n(r.payments), n(r.paid_payments), Number(r.amount_paid)]).toEqual([w.payments, w.paid, w.amountPaid]);
    }
    const eth = expected.find((p) => p.currency === 'ETH' && p.outcome === 'paid');
    if (eth) expect(dec(rows.find((r) => r.currency === 'ETH')!.amount_paid)).toBe(dec(eth.amount)); // 18 decimals kept
  });

  it('conversion per day', async () => {
    const rows = await runCard('conversion', scope);
    const days = [...new Set(expected.map((p) => p.day))].sort();
    expect(rows.map((r) => r.day)).toEqual(days);
    for (const r of rows) {
      const of = expected.filter((p) => p.day === r.day);
      expect([n(r.created), n(r.paid)]).toEqual([of.length, of.filter((p) => p.outcome === 'paid').length]);
    }
  });

  it('outcomes and failure reasons', async () => {
    const outcomes = await runCard('outcomes', scope);
    const counts = Object.fromEntries(outcomes.map((r) => [r.status, n(r.payments)]));
    const want: Record<string, number> = {};
    for (const p of expected) want[statusOf(p)] = (want[statusOf(p)] ?? 0) + 1;
    expect(counts).toEqual(want);
    expect(sumDec(outcomes.map((r) => r.share ?? '0'))).toBeCloseTo(expected.length ? 1 : 0, 9);

    const reasons = await runCard('failure_reasons', scope);
    const got = reasons.map((r) => `${r.status}|${r.reason}|${r.payments}`).sort();
    const wantReasons = new Map<string, number>();
    for (const p of expected.filter((x) => ['failed', 'expired', 'init_failed'].includes(x.outcome))) {
      const reason = p.outcome === 'init_failed' ? 'bansky_5xx' : p.outcome === 'expired' ? 'pay link expired' : 'bansky postback';
      wantReasons.set(`${p.outcome}|${reason}`, (wantReasons.get(`${p.outcome}|${reason}`) ?? 0) + 1);
    }
    expect(got).toEqual([...wantReasons].map(([k, c]) => `${k}|${c}`).sort());
  });

  it('time to pay and postback delivery health', async () => {
    const [ttp] = await runCard('time_to_pay', scope);
    const paid = expected.filter((p) => p.outcome === 'paid');
    expect(n(ttp!.paid_payments)).toBe(paid.length);
    if (paid.length) {
      const delays = paid.map((p) => p.payDelayS!);
      expect(Number(ttp!.median_seconds)).toBeGreaterThanOrEqual(Math.min(...delays));
      expect(Number(ttp!.p95_seconds)).toBeLessThanOrEqual(Math.max(...delays));
    }
    const [pb] = await runCard('postback_health', scope);
    const withPostback = expected.filter((p) => p.postback);
    expect({
      postbacks: n(pb!.postbacks),
      delivered: n(pb!.delivered),
      pending: n(pb!.pending),
      dead: n(pb!.dead_lettered),
      attempts: n(pb!.attempts),
    }).toEqual({
      postbacks: withPostback.length,
      delivered: withPostback.filter((p) => p.postback === 'delivered').length,
      pending: withPostback.filter((p) => p.postback === 'pending').length,
      dead: withPostback.filter((p) => p.postback === 'dead').length,
      attempts: withPostback.reduce((a, p) => a + attemptsOf(p), 0),
    });
  });
});

describe('the date range, the enabled filters and the locked ones', () => {
  const base: Scope = { shop: 'shop_a', mode: 'live', from: D20, to: D0 };

  it('leaves out days outside the range (the 40-day-old payment) and includes them when asked', async () => {
    const inRange = await runCard('outcomes', base);
    expect(inRange.reduce((a, r) => a + n(r.payments), 0)).toBe(paymentsIn(base).length);
    const old = await runCard('volume_per_currency', { ...base, from: D40, to: D40 });
    expect(old.map((r) => [r.day, r.currency, r.payments])).toEqual([[D40, 'EUR', '1']]);
  });

  it('without dates reads the last 30 days before today (nothing: the seed lies in the past)', async () => {
    const sql = substituteLikeMetabase(
      cardSql('conversion', `${emu.project}.${emu.dataset}`),
      { shop_id: { type: 'text', value: 'shop_a' }, mode: { type: 'text', value: 'live' } },
      LOCKED,
    );
    expect(await query(emu, sql)).toEqual([]);
  });

  it('a two-currency, two-status selection keeps exactly those payments of the locked shop', async () => {
    const pick: Scope = { ...base, currency: ['EUR', 'USD'], status: ['paid', 'failed'] };
    const want = paymentsIn(pick);
    expect(want.map((p) => p.id).sort()).toEqual(['a1', 'a2', 'a3']); // not shop_b's EUR payment, not ETH, not init_failed
    const outcomes = await runCard('outcomes', pick);
    expect(outcomes.map((r) => [r.status, n(r.payments)]).sort()).toEqual([
      ['failed', 1],
      ['paid', 2],
    ]);
    const volume = await runCard('volume_per_currency', pick);
    expect(new Set(volume.map((r) => r.currency))).toEqual(new Set(['EUR', 'USD']));
    expect(volume.reduce((a, r) => a + n(r.payments), 0)).toBe(3);
    // Every card runs with the list (a syntax error in any one would throw here).
    for (const card of CARDS) await runCard(card.key, pick);
  });

  it("the Worker's own query path stays valid with IN (@currency) and IN (@status)", async () => {
    const sql = `${toNamedParameters(withDataset(SCOPE_SQL, `${emu.project}.${emu.dataset}`), new Set(['shop_id', 'mode', 'from', 'to', 'currency', 'status']))}SELECT payment_id FROM payments ORDER BY payment_id`;
    expect(sql).toContain('IN (@currency)');
    const rows = await runQuery({ target: { baseUrl: emu.url, project: emu.project, dataset: emu.dataset, key: null } }, sql, [
      { name: 'shop_id', type: 'STRING', value: 'shop_a' },
      { name: 'mode', type: 'STRING', value: 'live' },
      { name: 'from', type: 'DATE', value: D20 },
      { name: 'to', type: 'DATE', value: D0 },
      { name: 'currency', type: 'STRING', value: 'EUR' },
      { name: 'status', type: 'STRING', value: 'paid' },
    ]);
    expect(rows.map((r) => r.payment_id)).toEqual(['a1']);
  });

  it('narrows by currency and by status', async () => {
    const eur = await runCard('volume_per_currency', { ...base, currency: 'EUR' });
    expect(new Set(eur.map((r) => r.currency))).toEqual(new Set(['EUR']));
    const paidOnly = await runCard('outcomes', { ...base, status: 'paid' });
    expect(paidOnly.map((r) => [r.status, n(r.payments)])).toEqual([['paid', paymentsIn({ ...base, status: 'paid' }).length]]);
  });

  // TIMESTAMP '…' is left out: the emulator casts it to the previous day (BigQuery casts in UTC).
  it('gives the same figures for a DATE literal and a string literal', async () => {
    const forms = await Promise.all((['date', 'string'] as DateStyle[]).map((s) => runCard('volume_per_currency', base, s)));
    expect(forms[0]!.length).toBeGreaterThan(0);
    expect(forms[1]).toEqual(forms[0]);
  });

  it('a quote in the shop id stays inside the string literal: no rows, no error', async () => {
    const rows = await runCard('outcomes', { ...base, shop: "x' OR '1'='1" });
    expect(rows).toEqual([]);
  });

  it('refuses to run without a locked value, and every card uses every locked filter', () => {
    expect(() => substituteLikeMetabase(cardSql('outcomes', 'p.d'), { mode: { type: 'text', value: 'live' } }, LOCKED)).toThrow(/shop_id/);
    for (const card of CARDS) {
      const sql = cardSql(card.key, 'p.d');
      for (const f of FILTERS) expect(sql, `${card.key} uses {{${f.slug}}}`).toContain(`{{${f.slug}}}`);
    }
  });
});

describe("the Stats page's figures (Worker, BigQuery query parameters) equal the cards for the same days", () => {
  const service = () =>
    new StatsFiguresService({ target: { baseUrl: emu.url, project: emu.project, dataset: emu.dataset, key: null }, now: () => NOW });

  it.each(COMBOS)('%s / %s: 7, 30 and 90 days', async (shop, mode) => {
    for (const range of ['7d', '30d', '90d'] as StatsRange[]) {
      const f = await service().get(shop, mode, range);
      expect(f.to).toBe(D0);
      expect(f.currencies.every((c) => c.days.length === STATS_RANGES[range] && c.days[0]!.day === f.from)).toBe(true);
      const scope: Scope = { shop, mode, from: f.from, to: f.to };
      expect(f.payments, range).toBe(paymentsIn(scope).length);

      // Per day and currency, as the volume card shows them (days without payments are zeros here).
      const volume = await runCard('volume_per_currency', scope);
      const byDay = (a: unknown[], b: unknown[]) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`);
      const shown = f.currencies.flatMap((c) =>
        c.days.filter((d) => d.payments > 0).map((d) => [d.day, c.currency, d.payments, d.paid, dec(d.amountPaid)]),
      );
      expect(shown.sort(byDay)).toEqual(
        volume.map((r) => [r.day, r.currency, n(r.payments), n(r.paid_payments), dec(r.amount_paid)]).sort(byDay),
      );

      const conversion = await runCard('conversion', scope);
      expect([f.payments, f.paid]).toEqual([
        conversion.reduce((a, r) => a + n(r.created), 0),
        conversion.reduce((a, r) => a + n(r.paid), 0),
      ]);
      const outcomes = await runCard('outcomes', scope);
      expect(f.outcomes).toEqual(outcomes.map((r) => ({ status: r.status, payments: n(r.payments) })));
      const reasons = await runCard('failure_reasons', scope);
      expect(f.reasons).toEqual(reasons.map((r) => ({ status: r.status, reason: r.reason, payments: n(r.payments) })));
      const [pb] = await runCard('postback_health', scope);
      expect(f.postbacks).toEqual({
        postbacks: n(pb!.postbacks),
        delivered: n(pb!.delivered),
        pending: n(pb!.pending),
        deadLettered: n(pb!.dead_lettered),
        attempts: n(pb!.attempts),
      });
    }
  });

  it('an 18-decimal amount stays exact through the sum (ETH)', () => {
    expect(addDecimals(['1.123456789012345678', '0.000000000000000001', '2'])).toBe('3.123456789012345679');
    expect(addDecimals(['10.00', '5.5'])).toBe('15.50');
    expect(addDecimals(['0'])).toBe('0');
  });

  it('caches per shop, mode and range for the TTL, then asks BigQuery again', async () => {
    let calls = 0;
    let now = NOW;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const s = new StatsFiguresService({
      target: { baseUrl: emu.url, project: emu.project, dataset: emu.dataset, key: null },
      fetch: counting,
      now: () => now,
      ttlMs: 60_000,
    });
    await s.get('shop_a', 'live', '7d');
    const first = calls;
    expect(first).toBe(4); // volume per day, outcomes, reasons, postbacks
    await s.get('shop_a', 'live', '7d');
    expect(calls).toBe(first);
    await s.get('shop_a', 'test', '7d');
    expect(calls).toBe(first * 2);
    await s.get('shop_a', 'live', '30d');
    expect(calls).toBe(first * 3);
    now = new Date(NOW.getTime() + 61_000);
    await s.get('shop_a', 'live', '7d');
    expect(calls).toBe(first * 4);
  });

  it('says BigQuery is unavailable when it cannot be reached, and does not cache the failure', async () => {
    const port = await freePort();
    const s = new StatsFiguresService({
      target: { baseUrl: `http://127.0.0.1:${port}`, project: 'p', dataset: 'd', key: null },
      now: () => NOW,
      timeoutMs: 2_000,
    });
    await expect(s.get('shop_a', 'live', '7d')).rejects.toBeInstanceOf(BigQueryUnavailableError);
    await expect(s.get('shop_a', 'live', '7d')).rejects.toBeInstanceOf(BigQueryUnavailableError);
  });
});
