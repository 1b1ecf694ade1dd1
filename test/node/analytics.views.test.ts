import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchema, VIEWS } from '../../scripts/bq/schema.mjs';
import { createBigQueryClient } from '../../scripts/bq/target.mjs';
import { dec, type Emulator, insertRows, query, type Row, startEmulator, viewColumns } from './analytics.support.ts';

// A seeded week of events: two shops, fiat and crypto (18 decimals), two days, every event type
// the views read — and then a third of it streamed again, as a retried batch would be.
const D1 = '2026-05-01';
const D2 = '2026-05-02';
const at = (day: string, time: string, ms = 0) => new Date(new Date(`${day}T${time}Z`).getTime() + ms).toISOString();

let seq = 0;
function payment(id: string, shop: string, amount: string, currency: string, day: string) {
  const facts = {
    shop_id: shop,
    mode: 'test',
    payment_id: id,
    shop_transaction_id: `order-${id}`,
    amount,
    currency,
    type: currency === 'ETH' ? 'crypto' : 'fiat',
  };
  const ev = (event_type: string, occurred_at: string, more: Record<string, unknown> = {}) => ({
    event_id: `${id}-${++seq}`,
    event_type,
    occurred_at,
    ...facts,
    email: `${id}@customer.example`,
    attributes: JSON.stringify({ seeded: true }),
    ...more,
  });
  return { ev, day };
}

function seed() {
  const rows: Array<Record<string, unknown>> = [];
  const add = (...r: Array<Record<string, unknown>>) => rows.push(...r);
  const a1 = payment('pA1', 'shop_a', '10.00', 'EUR', D1);
  add(
    a1.ev('payment_created', at(D1, '10:00:00'), { status: 'created' }),
    a1.ev('bansky_init_ok', at(D1, '10:00:00', 100), { status: 'awaiting_payment', latency_ms: 100, http_status: 200 }),
    a1.ev('status_changed', at(D1, '10:05:00'), { status: 'paid' }),
    a1.ev('shop_postback_attempt', at(D1, '10:05:01'), { status: 'paid', http_status: 500, latency_ms: 30 }),
    a1.ev('shop_postback_attempt', at(D1, '10:05:03'), { status: 'paid', http_status: 200, latency_ms: 20 }),
  );
  const a2 = payment('pA2', 'shop_a', '5.50', 'EUR', D1);
  add(
    a2.ev('payment_created', at(D1, '11:00:00'), { status: 'created' }),
    a2.ev('bansky_init_ok', at(D1, '11:00:00', 300), { status: 'awaiting_payment', latency_ms: 300 }),
    a2.ev('status_changed', at(D1, '11:02:00'), { status: 'failed' }),
    a2.ev('shop_postback_attempt', at(D1, '11:02:01'), { status: 'failed', http_status: 204, latency_ms: 10 }),
  );
  const a3 = payment('pA3', 'shop_a', '1.123456789012345678', 'ETH', D1);
  add(
    a3.ev('payment_created', at(D1, '12:00:00'), { status: 'created' }),
    a3.ev('bansky_init_ok', at(D1, '12:00:00', 200), { status: 'awaiting_payment', latency_ms: 200 }),
    // Same millisecond as the final status: the lifecycle order breaks the tie, "paid" wins.
    a3.ev('pay_link_opened', at(D1, '12:03:00'), { status: 'awaiting_payment' }),
    a3.ev('status_changed', at(D1, '12:03:00'), { status: 'paid' }),
    a3.ev('shop_postback_attempt', at(D1, '12:03:02'), { status: 'paid', http_status: 200, latency_ms: 15 }),
  );
  const a5 = payment('pA5', 'shop_a', '0.000000000000000002', 'ETH', D1);
  add(
    a5.ev('payment_created', at(D1, '13:00:00'), { status: 'created' }),
    a5.ev('bansky_init_ok', at(D1, '13:00:00', 400), { status: 'awaiting_payment', latency_ms: 400 }),
    a5.ev('status_changed', at(D1, '13:01:00'), { status: 'paid' }),
  );
  const a4 = payment('pA4', 'shop_a', '7.25', 'EUR', D2);
  add(
    a4.ev('payment_created', at(D2, '09:00:00'), { status: 'created' }),
    a4.ev('bansky_init_failed', at(D2, '09:00:00', 50), { status: 'init_failed', http_status: 500, latency_ms: 50 }),
  );
  const b1 = payment('pB1', 'shop_b', '2.000000000000000001', 'ETH', D1);
  add(
    b1.ev('payment_created', at(D1, '14:00:00'), { status: 'created' }),
    b1.ev('bansky_init_ok', at(D1, '14:00:00', 600), { status: 'awaiting_payment', latency_ms: 600 }),
    b1.ev('status_changed', at(D1, '14:10:00'), { status: 'paid' }),
    ...[1, 2, 3].map((n) =>
      b1.ev('shop_postback_attempt', at(D1, '14:10:00', n * 1000), { status: 'paid', http_status: 503, latency_ms: 40 }),
    ),
    b1.ev('postback_dead_lettered', at(D1, '14:20:00'), { status: 'paid' }),
  );
  const b2 = payment('pB2', 'shop_b', '3.00', 'EUR', D2);
  add(
    b2.ev('payment_created', at(D2, '15:00:00'), { status: 'created' }),
    b2.ev('bansky_init_ok', at(D2, '15:00:00', 100), { status: 'awaiting_payment', latency_ms: 100 }),
  );
  return rows;
}

const byKey = (rows: Row[], ...cols: string[]) => Object.fromEntries(rows.map((r) => [cols.map((c) => r[c]).join('|'), r]));

describe('dashboard views on a seeded set with duplicated events', () => {
  let emu: Emulator;
  let rows: Array<Record<string, unknown>>;

  beforeAll(async () => {
    emu = await startEmulator();
    rows = seed();
    await insertRows(emu, rows);
    await insertRows(
      emu,
      rows.filter((_, i) => i % 3 === 0),
    ); // a retried batch: same event ids again
  });
  afterAll(async () => emu?.stop());

  it('keeps every copy in the raw table (the emulator does not de-duplicate insertId)', async () => {
    const [raw] = await query(emu, 'SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS ids FROM `{{dataset}}.payment_events`');
    expect(Number(raw!.n)).toBe(rows.length + Math.ceil(rows.length / 3));
    expect(Number(raw!.ids)).toBe(rows.length);
  });

  it('events_clean has one row per event_id', async () => {
    const [clean] = await query(emu, 'SELECT COUNT(*) AS n FROM `{{dataset}}.events_clean`');
    expect(Number(clean!.n)).toBe(rows.length);
  });

  it('payment_state: the latest status wins, with exact amounts', async () => {
    const state = byKey(await query(emu, 'SELECT * FROM `{{dataset}}.payment_state`'), 'payment_id');
    expect(Object.keys(state).sort()).toEqual(['pA1', 'pA2', 'pA3', 'pA4', 'pA5', 'pB1', 'pB2']);
    expect(Object.fromEntries(Object.entries(state).map(([id, r]) => [id, r.status]))).toEqual({
      pA1: 'paid',
      pA2: 'failed',
      pA3: 'paid',
      pA4: 'init_failed',
      pA5: 'paid',
      pB1: 'paid',
      pB2: 'awaiting_payment',
    });
    expect(dec(state.pB1!.amount!)).toBe('2.000000000000000001');
    expect(state.pA1!.shop_transaction_id).toBe('order-pA1');
  });

  it('daily_volume: payments and exact sums per shop, day and currency', async () => {
    const v = byKey(await query(emu, 'SELECT * FROM `{{dataset}}.daily_volume`'), 'day', 'shop_id', 'currency');
    const pick = (k: string) => [v[k]?.payments, v[k]?.paid_payments, dec(v[k]?.amount_requested), dec(v[k]?.amount_paid)];
    expect(Object.keys(v).sort()).toEqual([
      `${D1}|shop_a|ETH`,
      `${D1}|shop_a|EUR`,
      `${D1}|shop_b|ETH`,
      `${D2}|shop_a|EUR`,
      `${D2}|shop_b|EUR`,
    ]);
    expect(pick(`${D1}|shop_a|EUR`)).toEqual(['2', '1', '15.5', '10']);
    expect(pick(`${D1}|shop_a|ETH`)).toEqual(['2', '2', '1.12345678901234568', '1.12345678901234568']);
    expect(pick(`${D1}|shop_b|ETH`)).toEqual(['1', '1', '2.000000000000000001', '2.000000000000000001']);
    expect(pick(`${D2}|shop_a|EUR`)).toEqual(['1', '0', '7.25', '0']);
    expect(pick(`${D2}|shop_b|EUR`)).toEqual(['1', '0', '3', '0']);
  });

  it('daily_conversion: paid / created per shop and day', async () => {
    const c = byKey(await query(emu, 'SELECT * FROM `{{dataset}}.daily_conversion`'), 'day', 'shop_id');
    const pick = (k: string) => [c[k]?.created, c[k]?.paid, c[k]?.failed, c[k]?.init_failed, c[k]?.open, Number(c[k]?.conversion_rate)];
    expect(pick(`${D1}|shop_a`)).toEqual(['4', '3', '1', '0', '0', 0.75]);
    expect(pick(`${D2}|shop_a`)).toEqual(['1', '0', '0', '1', '0', 0]);
    expect(pick(`${D1}|shop_b`)).toEqual(['1', '1', '0', '0', '0', 1]);
    expect(pick(`${D2}|shop_b`)).toEqual(['1', '0', '0', '0', '1', 0]);
  });

  it('bansky_health: error rate and latency per shop and day', async () => {
    const b = byKey(await query(emu, 'SELECT * FROM `{{dataset}}.bansky_health`'), 'day', 'shop_id');
    const pick = (k: string) => [
      b[k]?.calls,
      b[k]?.failed_calls,
      Number(b[k]?.error_rate),
      Number(b[k]?.avg_latency_ms),
      b[k]?.max_latency_ms,
    ];
    expect(pick(`${D1}|shop_a`)).toEqual(['4', '0', 0, 250, '400']);
    expect(pick(`${D2}|shop_a`)).toEqual(['1', '1', 1, 50, '50']);
    expect(pick(`${D1}|shop_b`)).toEqual(['1', '0', 0, 600, '600']);
    expect(pick(`${D2}|shop_b`)).toEqual(['1', '0', 0, 100, '100']);
  });

  it('postback_delivery: deliveries, dead letters and delay from the final status', async () => {
    const p = byKey(await query(emu, 'SELECT * FROM `{{dataset}}.postback_delivery`'), 'day', 'shop_id');
    expect(Object.keys(p).sort()).toEqual([`${D1}|shop_a`, `${D1}|shop_b`]);
    const a = p[`${D1}|shop_a`]!;
    expect([a.postbacks, a.delivered, a.dead_lettered, a.attempts, Number(a.attempt_success_rate)]).toEqual(['3', '3', '0', '4', 0.75]);
    expect([Number(a.avg_delivery_delay_ms), a.max_delivery_delay_ms]).toEqual([2000, '3000']);
    const b = p[`${D1}|shop_b`]!;
    expect([b.postbacks, b.delivered, b.dead_lettered, b.attempts, Number(b.attempt_success_rate), b.avg_delivery_delay_ms]).toEqual([
      '1',
      '0',
      '1',
      '3',
      0,
      null,
    ]);
  });

  it('no view exposes the email, while the raw table keeps it', async () => {
    for (const name of VIEWS as string[]) expect(await viewColumns(emu, name)).not.toContain('email');
    const [raw] = await query(emu, "SELECT email FROM `{{dataset}}.payment_events` WHERE payment_id = 'pA1' LIMIT 1");
    expect(raw!.email).toBe('pA1@customer.example');
  });
});

describe('bq setup is idempotent and brings old objects up to date', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ withSchema: false });
  });
  afterAll(async () => emu?.stop());

  // The emulator records an added column in the table's metadata only (its storage keeps the old
  // columns), so this proves what setup asks for; real BigQuery applies it.
  it('creates everything, then reports it up to date, then repairs a changed view and a missing column', async () => {
    const target = { project: emu.project, dataset: emu.dataset, baseUrl: emu.url, location: 'US' };
    const bigquery = createBigQueryClient(target);
    const first = await applySchema(bigquery, target);
    expect(first.payment_events).toBe('created');
    expect(first.payment_state).toBe('created');
    const second = await applySchema(bigquery, target);
    expect(
      new Set(
        Object.entries(second)
          .filter(([k]) => !k.startsWith('dataset'))
          .map(([, v]) => v),
      ),
    ).toEqual(new Set(['up to date']));

    await bigquery
      .dataset(emu.dataset)
      .table('daily_volume')
      .setMetadata({ view: { query: 'SELECT 1 AS stale', useLegacySql: false } });
    const table = bigquery.dataset(emu.dataset).table('payment_events');
    const [meta] = await table.getMetadata();
    await bigquery.dataset(emu.dataset).table('payment_events').delete();
    await bigquery.dataset(emu.dataset).createTable('payment_events', {
      schema: { fields: meta.schema.fields.filter((f: { name: string }) => f.name !== 'attributes') },
    });
    const third = await applySchema(bigquery, target);
    expect(third.daily_volume).toBe('updated');
    expect(third.payment_events).toBe('added attributes');
    expect(await viewColumns(emu, 'daily_volume')).toContain('amount_paid');
    expect(await viewColumns(emu, 'payment_events')).toContain('attributes');
  });
});
