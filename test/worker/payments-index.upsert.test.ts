import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { IndexEntry } from '../../src/core/payments-index/entry';
import type { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { shard } from '../../src/core/payments-index/shards';
import { rawOf } from './costs.support';

const SHOP = 'shop_upsert_rows';
const at = '2026-12-01T10:00:00.000Z';
const entry = (version: number, over: Partial<IndexEntry> = {}): IndexEntry => ({
  shopId: SHOP,
  version,
  id: 'pay_UPSERT00000000000001',
  shopTransactionId: 'order-1',
  status: 'awaiting_payment',
  mode: 'test',
  amount: '49.90',
  currency: 'EUR',
  type: 'fiat',
  email: 'Buyer@Example.com',
  createdAt: at,
  updatedAt: at,
  metadata: {},
  ...over,
});

/** Runs `run` and returns the SQLite rows its statements wrote (each a billed row), read from their cursors. */
function rowsWrittenBy(sql: SqlStorage, run: () => void): number {
  const exec = sql.exec.bind(sql);
  let rows = 0;
  (sql as { exec: typeof sql.exec }).exec = ((q: string, ...a: SqlStorageValue[]) => {
    const c = exec(q, ...a);
    const out = c.toArray();
    rows += c.rowsWritten;
    return { toArray: () => out, [Symbol.iterator]: () => out[Symbol.iterator](), rowsRead: c.rowsRead, rowsWritten: c.rowsWritten };
  }) as typeof sql.exec;
  try {
    run();
  } finally {
    (sql as { exec: typeof sql.exec }).exec = exec;
  }
  return rows;
}

describe("a payment's row in its month's shard", () => {
  it('is written once, then updated in the columns that changed; the totals move only with its status or amount', async () => {
    const stub = rawOf(shard(env.PAYMENTS_INDEX, SHOP, 'test', '2026-12'));
    await runInDurableObject(stub, (o: PaymentsIndexObject) => {
      const sql = (o as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
      const totals = () => o.totals({});
      const rowsOf = (e: IndexEntry) => rowsWrittenBy(sql, () => expect(o.upsert(e)).toEqual({ applied: true }));

      const inserted = rowsOf(entry(1));
      expect(totals()).toEqual([{ currency: 'EUR', status: 'awaiting_payment', count: 1, minor: '4990' }]);

      // A change the list does not filter on (e.g. a status check booked and cleared): the row itself only.
      expect(rowsOf(entry(2, { updatedAt: '2026-12-01T10:00:05.000Z' }))).toBe(1);
      expect(totals()).toEqual([{ currency: 'EUR', status: 'awaiting_payment', count: 1, minor: '4990' }]);

      // A status change: the row, the indexes holding the status, and two totals.
      const paid = rowsOf(entry(3, { status: 'paid', postback: { status: 'pending', attempts: 0 } as IndexEntry['postback'] }));
      expect(paid).toBeLessThan(inserted);
      expect(totals()).toEqual([{ currency: 'EUR', status: 'paid', count: 1, minor: '4990' }]);
      expect(o.query({ status: 'awaiting_payment', limit: 10 })).toEqual([]);
      expect(o.query({ status: 'paid', limit: 10 }).map((e) => e.version)).toEqual([3]);
      expect(o.query({ postback: 'pending', limit: 10 }).map((e) => e.version)).toEqual([3]);

      // The postback delivered: its index only, totals untouched.
      const delivered = { status: 'delivered', attempts: 1 } as IndexEntry['postback'];
      expect(rowsOf(entry(4, { status: 'paid', postback: delivered }))).toBeLessThan(paid);
      expect(o.query({ postback: 'pending', limit: 10 })).toEqual([]);
      expect(o.query({ postback: 'delivered', emailPrefix: 'buyer', limit: 10 }).map((e) => e.version)).toEqual([4]);
      expect(totals()).toEqual([{ currency: 'EUR', status: 'paid', count: 1, minor: '4990' }]);

      // An older version changes nothing.
      expect(o.upsert(entry(3, { status: 'failed' }))).toEqual({ applied: false });
      expect(totals()).toEqual([{ currency: 'EUR', status: 'paid', count: 1, minor: '4990' }]);
    });
  });

  it('an event in the events log writes three rows (the log keyed by its id, newest and per-payment indexes)', async () => {
    const stub = rawOf(env.PAYMENTS_INDEX.get(env.PAYMENTS_INDEX.idFromName(`pevt:${SHOP}:test`)));
    await runInDurableObject(stub, (o: PaymentsIndexObject) => {
      const sql = (o as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
      const event = { id: 'evt_upsert_1', timestamp: at, type: 'payment.paid' as const, paymentId: entry(1).id, body: '{}' };
      const rows = rowsWrittenBy(sql, () => {
        expect(o.addEvents([event], '2026-01-01T00:00:00.000Z')).toEqual([event.id]);
        expect(o.addEvents([event], '2026-01-01T00:00:00.000Z')).toEqual([]);
      });
      expect(rows).toBe(3);
      expect(o.events({ keepFrom: '2026-01-01T00:00:00.000Z', paymentId: event.paymentId, limit: 10 }).map((e) => e.id)).toEqual([
        event.id,
      ]);
    });
  });
});
