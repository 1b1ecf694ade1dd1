/**
 * The payments list against one month's index shard holding 10⁶ payments (and one holding 10³),
 * through the Worker's own route: latency per query shape (p50/p95 on this machine) and what each
 * query and each upsert bills (SQLite rows, counted by costs.support.ts). Seeding a million rows
 * takes minutes, so this runs only for `npm run bench` (APAY_BENCH_SCALE=1, provided as
 * `benchScale`); the figures reach the bench through the task's meta, and nothing here is timed
 * against a target.
 */

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { encodeCursor, shard } from '../../src/core/payments-index/shards';
import { instrument, rawOf, rec, settle } from './costs.support';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';

const SAMPLES = 30;

/** Seeds `n` payments of today (UTC) into the shop's test-mode shard of this month, with their totals. */
async function seed(shopId: string, n: number): Promise<void> {
  const now = new Date();
  const month = now.toISOString().slice(0, 7);
  const dayStart = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) / 1000;
  const step = (now.getTime() / 1000 - 60 - dayStart) / n;
  await runInDurableObject(rawOf(shard(env.PAYMENTS_INDEX, shopId, 'test', month)), (o: PaymentsIndexObject) => {
    const { storage } = (o as unknown as { ctx: DurableObjectState }).ctx;
    const BATCH = 50_000;
    for (let from = 0; from < n; from += BATCH) {
      storage.transactionSync(() =>
        storage.sql.exec(
          `WITH RECURSIVE seq(n) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT n + 1 FROM seq WHERE n < ?),
           rows AS (
             SELECT n, printf('pay_S%021d', n) AS id,
               strftime('%Y-%m-%dT%H:%M:%fZ', ? + n * ?, 'unixepoch') AS ts,
               CASE n % 20 WHEN 0 THEN 'awaiting_payment' WHEN 1 THEN 'failed' WHEN 2 THEN 'failed'
                 WHEN 3 THEN 'expired' WHEN 4 THEN 'expired' ELSE 'paid' END AS st,
               CASE (n / 3) % 10 WHEN 0 THEN 'ETH' WHEN 1 THEN 'USD' WHEN 2 THEN 'USD' WHEN 3 THEN 'USD' ELSE 'EUR' END AS cur
             FROM seq)
           INSERT INTO payments (id, version, created_at, day, status, currency, amount, amount_minor, entry)
           SELECT id, 2, ts, substr(ts, 1, 10), st, cur,
             CASE cur WHEN 'ETH' THEN '0.000001000000000000' ELSE printf('%d.%02d', 1 + n % 500, n % 100) END,
             CASE cur WHEN 'ETH' THEN '1000000000000' ELSE CAST((1 + n % 500) * 100 + n % 100 AS TEXT) END,
             json_object('shopId', ?, 'version', 2, 'id', id, 'shopTransactionId', 'order-' || n, 'status', st,
               'mode', 'test', 'amount', CASE cur WHEN 'ETH' THEN '0.000001000000000000' ELSE printf('%d.%02d', 1 + n % 500, n % 100) END,
               'currency', cur, 'type', CASE cur WHEN 'ETH' THEN 'crypto' ELSE 'fiat' END,
               'email', 'customer' || n || '@example.com', 'createdAt', ts, 'updatedAt', ts, 'metadata', json('{}'))
           FROM rows`,
          from,
          Math.min(from + BATCH, n) - 1,
          dayStart,
          step,
          shopId,
        ),
      );
    }
    storage.sql.exec(
      `INSERT OR REPLACE INTO totals (day, status, currency, count, minor)
       SELECT day, status, currency, count(*), CAST(sum(CAST(amount_minor AS INTEGER)) AS TEXT) FROM payments GROUP BY day, status, currency`,
    );
  });
}

const SHAPES = (today: string): Record<string, string> => ({
  'newest 50': 'limit=50',
  'status=failed': 'status=failed&limit=50',
  'currency=ETH': 'currency=ETH&limit=50',
  'status=awaiting_payment & currency=USD': 'status=awaiting_payment&currency=USD&limit=50',
  "today's range": `from=${today}&to=${today}&limit=50`,
  'deep page (cursor half-way)': `limit=50&cursor=${encodeCursor({ createdAt: `${today}T06:00:00.000Z`, id: 'pay_S999999999999999999999' })}`,
});

interface ShapeFigures {
  p50: number;
  p95: number;
  rowsRead: number;
}

async function measureShapes(token: string): Promise<Record<string, ShapeFigures>> {
  const today = new Date().toISOString().slice(0, 10);
  const out: Record<string, ShapeFigures> = {};
  for (const [shape, query] of Object.entries(SHAPES(today))) {
    const call = () => worker.fetch(`${BASE}/api/v1/payments?${query}`, { headers: shopHeaders(token) });
    const first = await call();
    expect(first.status, `${shape}: ${await first.clone().text()}`).toBe(200);
    const body = (await first.json()) as { items: unknown[] };
    expect(body.items.length, `${shape}: ${JSON.stringify(body).slice(0, 300)}`).toBeGreaterThan(0);
    rec.reset(shape);
    rec.on = true;
    await (await call()).arrayBuffer();
    await settle(200, 2_000);
    rec.on = false;
    const rowsRead = rec.ops.reduce((s, o) => s + (o.rowsRead ?? 0), 0);
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      await (await call()).arrayBuffer();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    out[shape] = { p50: times[Math.floor(SAMPLES * 0.5)]!, p95: times[Math.floor(SAMPLES * 0.95)]!, rowsRead };
  }
  return out;
}

/** Rows one upsert of a new payment writes into a shard, and the shard's bytes per payment. */
async function upsertCost(shopId: string): Promise<{ rowsWritten: number; bytesPerPayment: number }> {
  const month = new Date().toISOString().slice(0, 7);
  const stub = rawOf(shard(env.PAYMENTS_INDEX, shopId, 'test', month));
  const now = new Date().toISOString();
  rec.reset('upsert');
  rec.on = true;
  await runInDurableObject(stub, (o: PaymentsIndexObject) =>
    o.upsert({
      shopId,
      version: 1,
      id: 'pay_Znewpaymentforscale0001',
      shopTransactionId: 'order-new',
      status: 'awaiting_payment',
      mode: 'test',
      amount: '12.50',
      currency: 'EUR',
      type: 'fiat',
      email: 'new@example.com',
      createdAt: now,
      updatedAt: now,
      metadata: {},
    }),
  );
  rec.settleSqlRows();
  rec.on = false;
  const rowsWritten = rec.ops.reduce((s, o) => s + (o.rowsWritten ?? 0), 0);
  const { size, count } = await runInDurableObject(stub, (o: PaymentsIndexObject) => {
    const sql = (o as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
    return { size: sql.databaseSize, count: Number(sql.exec('SELECT count(*) AS c FROM payments').one().c) };
  });
  return { rowsWritten, bytesPerPayment: size / count };
}

describe.runIf(inject('benchScale'))('the payments list at 10³ and 10⁶ payments in one month’s shard', () => {
  beforeAll(() => instrument());

  for (const n of [1_000, 1_000_000]) {
    it(`${n} payments: latency and rows per query shape, rows per upsert, bytes per payment`, async ({ task }) => {
      const shop = await createShopWithToken();
      const t0 = performance.now();
      await seed(shop.shopId, n);
      const seedSeconds = (performance.now() - t0) / 1000;
      const shapes = await measureShapes(shop.token);
      const upsert = await upsertCost(shop.shopId);
      task.meta.scale = { payments: n, seedSeconds, shapes, upsert } as unknown;
    }, 1_800_000);
  }
});
