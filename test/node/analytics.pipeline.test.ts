import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type Pipeline, startPipeline } from './analytics.pipeline.support.ts';
import { type Emulator, query, type Row, startEmulator } from './analytics.support.ts';
import { eventually } from './e2e.support.ts';

// What one payment leaves in BigQuery today (compared as a multiset: payment_created and
// bansky_init_ok share a millisecond). The browser events (pay_link_opened, customer_returned)
// are allowed on top, once each, when the browser handlers emit them; so is bansky_status_checked,
// which the customer's success return causes only when it reaches the payment before Bansky's
// postback does (the return then asks Bansky; a race between the sandbox's redirect and its postback).
const PAID = ['payment_created', 'bansky_init_ok', 'status_changed', 'bansky_postback_received', 'status_changed', 'shop_postback_attempt'];
const BROWSER_EVENTS = new Set(['pay_link_opened', 'customer_returned', 'bansky_status_checked']);

async function eventsOf(emu: Emulator, paymentId: string, table = 'payment_events'): Promise<Row[]> {
  return query(
    emu,
    `SELECT event_id, event_type, status, amount, currency, email, http_status, latency_ms, attributes, TO_JSON_STRING(metadata) AS metadata
    FROM \`{{dataset}}.${table}\` WHERE payment_id = '${paymentId}' ORDER BY occurred_at, event_type`,
  );
}
const coreTypes = (rows: Row[]) =>
  rows
    .map((r) => r.event_type!)
    .filter((t) => !BROWSER_EVENTS.has(t))
    .sort();
const arrived = (emu: Emulator, id: string, count: number) => async () => {
  const rows = await eventsOf(emu, id);
  return coreTypes(rows).length >= count ? rows : undefined;
};

describe('payments stream their events through the queue into BigQuery', () => {
  let emu: Emulator;
  let pipeline: Pipeline;
  beforeAll(async () => {
    emu = await startEmulator();
    pipeline = await startPipeline(emu);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await emu?.stop();
  });

  it('a paid and a declined payment produce exactly their rows, once each', async () => {
    const paidId = await pipeline.pay({
      order: 'order-paid-1',
      amount: '12.50',
      currency: 'EUR',
      button: 'Pay',
      metadata: { order_ref: '10042', channel: 'web' },
    });
    const declinedId = await pipeline.pay({
      order: 'order-declined-1',
      amount: '0.000000000000000123',
      currency: 'ETH',
      button: 'Decline',
    });

    const paid = await eventually(arrived(emu, paidId, PAID.length), 'the paid payment’s rows', 45_000);
    const declined = await eventually(arrived(emu, declinedId, PAID.length), 'the declined payment’s rows', 45_000);
    expect(coreTypes(paid)).toEqual([...PAID].sort());
    expect(coreTypes(declined)).toEqual([...PAID].sort());
    for (const t of BROWSER_EVENTS) expect(paid.filter((r) => r.event_type === t).length).toBeLessThanOrEqual(1);

    const statuses = (rows: Row[]) => rows.filter((r) => r.event_type === 'status_changed').map((r) => r.status);
    expect(statuses(paid)).toEqual(['awaiting_payment', 'paid']);
    expect(statuses(declined)).toEqual(['awaiting_payment', 'failed']);
    const amounts = (rows: Row[]) => new Set(rows.map((r) => r.amount).filter((a) => a !== null));
    expect(amounts(paid)).toEqual(new Set(['12.5']));
    expect(amounts(declined)).toEqual(new Set(['0.000000000000000123']));
    expect(paid.find((r) => r.event_type === 'payment_created')!.email).toBe('order-paid-1@customer.example');
    expect(Number(paid.find((r) => r.event_type === 'bansky_init_ok')!.latency_ms)).toBeGreaterThanOrEqual(0);
    expect(paid.find((r) => r.event_type === 'shop_postback_attempt')!.http_status).toBe('204');

    // The shop's metadata is on every row of its payment (a JSON column); none on the payment without it.
    const metadataOf = (rows: Row[]) => rows.map((r) => (r.metadata === null ? null : JSON.parse(String(r.metadata))));
    for (const m of metadataOf(paid)) expect(m).toEqual({ channel: 'web', order_ref: '10042' });
    expect(new Set(metadataOf(declined))).toEqual(new Set([null]));

    const state = await query(
      emu,
      `SELECT payment_id, status, amount, metadata FROM \`{{dataset}}.payment_state\` WHERE payment_id IN ('${paidId}', '${declinedId}') ORDER BY status DESC`,
    );
    expect(state).toEqual([
      { payment_id: paidId, status: 'paid', amount: '12.5', metadata: '{"channel":"web","order_ref":"10042"}' },
      { payment_id: declinedId, status: 'failed', amount: '0.000000000000000123', metadata: null },
    ]);
  });

  it('a pay link opened again and again is one pay_link_opened row per second with the count', async () => {
    const id = await pipeline.pay({ order: 'order-opens-1', amount: '5.00', currency: 'EUR', button: 'Pay', opens: 4 });
    const openedRows = (rows: Row[]) => rows.filter((r) => r.event_type === 'pay_link_opened');
    const countOf = (r: Row) => (JSON.parse(String(r.attributes)) as { count: number }).count;
    const total = (rows: Row[]) => openedRows(rows).reduce((a, r) => a + countOf(r), 0);
    // Held for a second, then queued: wait until every open is counted (or the wait gives up).
    const rows = await eventually(
      async () => {
        const got = await eventsOf(emu, id);
        return total(got) >= 4 ? got : undefined;
      },
      'the pay link opens of the payment opened 4 times',
      45_000,
    );
    const opened = openedRows(rows);
    // Four opens within about a second: one row (two if the opens straddled the window's end), four counted.
    expect(total(rows)).toBe(4);
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(opened.length).toBeLessThanOrEqual(2);
    expect(opened.every((r) => r.status === 'awaiting_payment')).toBe(true);
  });

  it('no secret reaches an analytics row', async () => {
    const rows = await query(emu, 'SELECT TO_JSON_STRING(t) AS j FROM `{{dataset}}.payment_events` AS t');
    const all = rows.map((r) => r.j).join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [
      'bansky_local_sandbox_token',
      'bansky_local_postback_secret',
      'local_admin_token_change_me',
      'local_payment_id_secret_change_me',
      pipeline.shopToken,
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('BigQuery down while payments happen', () => {
  let emu: Emulator | undefined;
  let pipeline: Pipeline;
  let port: number;
  const project = 'apay-outage';
  beforeAll(async () => {
    port = await freePort(); // reserved for the emulator, which is not running yet
    pipeline = await startPipeline({ url: `http://127.0.0.1:${port}`, project, dataset: 'aimbrellapay' });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await emu?.stop();
  });

  it('payments are unaffected; the events arrive after recovery, with no duplicates in the views', { timeout: 300_000 }, async () => {
    const paidId = await pipeline.pay({ order: 'order-outage-paid', amount: '20.00', currency: 'EUR', button: 'Pay' });
    const declinedId = await pipeline.pay({ order: 'order-outage-declined', amount: '3.10', currency: 'USD', button: 'Decline' });
    for (const [id, status] of [
      [paidId, 'paid'],
      [declinedId, 'failed'],
    ] as const) {
      await eventually(async () => {
        const res = await fetch(`${pipeline.workerUrl}/api/v1/payments/${id}`, {
          headers: { authorization: `Bearer ${pipeline.shopToken}` },
        });
        return ((await res.json()) as { status?: string }).status === status;
      }, `${id} to be ${status} while BigQuery is down`);
    }
    await eventually(async () => pipeline.logs().includes('BigQuery insert failed, will retry'), 'the consumer to meet the outage', 30_000);

    emu = await startEmulator({ port, project });
    const recovered = Date.now();
    const paid = await eventually(arrived(emu, paidId, PAID.length), 'the paid payment’s rows after recovery', 200_000).catch((err) => {
      throw new Error(`${err.message}\n--- worker log ---\n${pipeline.logs().split('\n').slice(-40).join('\n')}`);
    });
    console.log(`rows arrived ${Date.now() - recovered} ms after BigQuery came back`);
    const declined = await eventually(arrived(emu, declinedId, PAID.length), 'the declined payment’s rows after recovery', 60_000);
    expect(coreTypes(paid)).toEqual([...PAID].sort());
    expect(coreTypes(declined)).toEqual([...PAID].sort());

    const [counts] = await query(
      emu,
      `SELECT COUNT(*) AS clean, COUNT(DISTINCT event_id) AS ids FROM \`{{dataset}}.events_clean\` WHERE payment_id IN ('${paidId}', '${declinedId}')`,
    );
    expect(counts!.clean).toBe(counts!.ids);
    const state = await query(
      emu,
      `SELECT payment_id, status FROM \`{{dataset}}.payment_state\` WHERE payment_id IN ('${paidId}', '${declinedId}') ORDER BY status DESC`,
    );
    expect(state).toEqual([
      { payment_id: paidId, status: 'paid' },
      { payment_id: declinedId, status: 'failed' },
    ]);
  });
});
