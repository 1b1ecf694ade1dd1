/**
 * The payments list against one month's index shard holding 10⁶ payments (and one holding 10³),
 * through the Worker's own route: latency per query shape (p50/p95 on this machine) and what each
 * query and each upsert bills (SQLite rows, counted by costs.support.ts). Seeding a million rows
 * takes minutes, so this runs only for `npm run bench` (APAY_BENCH_SCALE=1, provided as
 * `benchScale`); the figures reach the bench through the task's meta, and nothing here is timed
 * against a target.
 */

import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { app } from '../../src/app';
import { exportCsv } from '../../src/core/payments-index/export';
import { type PaymentsIndexObject, pageSql, type ShardQuery, totalsSql } from '../../src/core/payments-index/index-object';
import { encodeCursor, shard } from '../../src/core/payments-index/shards';
import { buildServices } from '../../src/services';
import { instrument, rawOf, rec, settle } from './costs.support';
import { BASE, createShopWithToken, shopHeaders } from './helpers';
import { seed } from './index-seed.support';

const SAMPLES = 30;

/**
 * The Worker's HTTP app, called inside this isolate. Requests through `exports.default.fetch` or
 * `SELF.fetch` get slower with every request the test pool's workerd has already served (here a
 * 404 went from 2 ms to 55 ms after 600 requests; cloudflare/workers-sdk issue 15446), while the
 * same app called directly stays flat: the harness, not the Worker. The first scale runs timed
 * through it and reported that drift as the shard's latency.
 */
const deferred: Promise<void>[] = [];
async function appFetch(url: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, init), env, ctx);
  deferred.push(waitOnExecutionContext(ctx)); // its work after the answer, awaited between shapes
  return res;
}

/**
 * Each query shape: the API's query string and the same filter as the shard sees it (for its plan).
 * Search values are taken half-way into the seeded rows so they match at 10³ and at 10⁶ alike.
 */
function shapes(today: string, n: number): Record<string, { query: string; shard: Omit<ShardQuery, 'limit'> }> {
  // What the shard is sent: no day bounds, as none can exclude a row here (the shop was created today).
  const range = {};
  const mid = Math.floor(n / 2);
  const midAmount = `${1 + (mid % 500)}.${String(mid % 100).padStart(2, '0')}`;
  const idPrefix = `pay_S${String(mid).padStart(21, '0')}`.slice(0, -1);
  const deep = { createdAt: `${today}T06:00:00.000Z`, id: 'pay_S999999999999999999999' };
  return {
    'newest 50': { query: 'limit=50', shard: range },
    'status=failed': { query: 'status=failed&limit=50', shard: { ...range, status: 'failed' } },
    'currency=ETH': { query: 'currency=ETH&limit=50', shard: { ...range, currency: 'ETH' } },
    'status=awaiting_payment & currency=USD': {
      query: 'status=awaiting_payment&currency=USD&limit=50',
      shard: { ...range, status: 'awaiting_payment', currency: 'USD' },
    },
    "today's range": { query: `from=${today}&to=${today}&limit=50`, shard: range },
    'deep page (cursor half-way)': { query: `limit=50&cursor=${encodeCursor(deep)}`, shard: { ...range, before: deep } },
    'email exact': { query: `email=customer${mid}@example.com&limit=50`, shard: { ...range, email: `customer${mid}@example.com` } },
    'email prefix (≈11 matches)': {
      query: `emailPrefix=customer${String(mid).slice(0, -1)}&limit=50`,
      shard: { ...range, emailPrefix: `customer${String(mid).slice(0, -1)}` },
    },
    'email prefix, broad (1 in 9 rows)': { query: 'emailPrefix=customer1&limit=50', shard: { ...range, emailPrefix: 'customer1' } },
    'amount exact': { query: `amount=${midAmount}&limit=50`, shard: { ...range, amountFrom: midAmount, amountTo: midAmount } },
    'amount range (2 of 50 000 amounts)': {
      query: 'amountMin=100.00&amountMax=101.00&limit=50',
      shard: { ...range, amountFrom: '100.00', amountTo: '101.00' },
    },
    'id prefix (10 matches)': { query: `idPrefix=${idPrefix}&limit=50`, shard: { ...range, idPrefix } },
    'transaction id prefix (≈11 matches)': {
      query: `transactionIdPrefix=order-${String(mid).slice(0, -1)}&limit=50`,
      shard: { ...range, transactionIdPrefix: `order-${String(mid).slice(0, -1)}` },
    },
  };
}

interface ShapeFigures {
  p50: number;
  p95: number;
  rowsRead: number;
}

/** p50/p95 of `call` over SAMPLES runs, and the SQLite rows one run reads (counted once, recording on). */
async function timeAndRows(label: string, call: () => Promise<void>): Promise<ShapeFigures> {
  rec.reset(label);
  rec.on = true;
  await call();
  await settle(200, 2_000);
  rec.on = false;
  const rowsRead = rec.ops.reduce((s, o) => s + (o.rowsRead ?? 0), 0);
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  await Promise.all(deferred.splice(0));
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(SAMPLES * 0.5)]!, p95: times[Math.floor(SAMPLES * 0.95)]!, rowsRead };
}

async function measureShapes(token: string, n: number): Promise<Record<string, ShapeFigures>> {
  const today = new Date().toISOString().slice(0, 10);
  const out: Record<string, ShapeFigures> = {};
  for (const [shape, { query }] of Object.entries(shapes(today, n))) {
    const call = () => appFetch(`${BASE}/api/v1/payments?${query}`, { headers: shopHeaders(token) });
    const first = await call();
    expect(first.status, `${shape}: ${await first.clone().text()}`).toBe(200);
    const body = (await first.json()) as { items: unknown[] };
    expect(body.items.length, `${shape}: ${JSON.stringify(body).slice(0, 300)}`).toBeGreaterThan(0);
    out[shape] = await timeAndRows(shape, async () => void (await (await call()).arrayBuffer()));
  }
  return out;
}

/**
 * SQLite's plan for every shape's page and totals query, as the shard runs them: a full scan of
 * `payments` (no index) is what must not happen at 10⁶ rows.
 */
async function plans(shopId: string, n: number): Promise<Record<string, { page: string; totals: string }>> {
  const today = new Date().toISOString().slice(0, 10);
  const month = today.slice(0, 7);
  const stub = rawOf(shard(env.PAYMENTS_INDEX, shopId, 'test', month));
  const out: Record<string, { page: string; totals: string }> = {};
  for (const [name, { shard: q }] of Object.entries(shapes(today, n))) {
    out[name] = await runInDurableObject(stub, (o: PaymentsIndexObject) => {
      const { sql } = (o as unknown as { ctx: DurableObjectState }).ctx.storage;
      const plan = ({ sql: text, args }: { sql: string; args: SqlStorageValue[] }) =>
        sql
          .exec(`EXPLAIN QUERY PLAN ${text}`, ...args)
          .toArray()
          .map((r) => String(r.detail))
          .join('; ');
      return { page: plan(pageSql({ ...q, limit: 51 })), totals: plan(totalsSql(q)) };
    });
  }
  return out;
}

/** A full scan of the payments table: no index narrows it. */
const fullScan = (plan: string) => /\bSCAN payments\b(?! USING)/.test(plan);

/**
 * The CSV export as the app streams it (src/core/payments-index/export.ts): every read of the
 * stream is one page of the index. Time and rows read per page, walking from the newest page on.
 */
async function exportPages(shopId: string): Promise<ShapeFigures> {
  const shop = { id: shopId, createdAt: `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z` }; // created today, as the test's shop was
  const open = async () => {
    const reader = exportCsv(buildServices(env).paymentsIndex, shop, 'test', {}).getReader();
    await reader.read(); // the header row
    return reader;
  };
  let reader = await open();
  const page = async () => {
    let { value, done } = await reader.read();
    if (done) {
      reader = await open(); // a small shard runs out of pages: start again from the newest
      ({ value, done } = await reader.read());
    }
    expect(value?.length, 'an export page has rows').toBeGreaterThan(0);
  };
  const figures = await timeAndRows('export page', page);
  await reader.cancel();
  return figures;
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
      const byShape = await measureShapes(shop.token, n);
      const exportPage = await exportPages(shop.shopId);
      // The first shape again, last: whether the first minutes after a million-row write are slower than later.
      const newest = () => appFetch(`${BASE}/api/v1/payments?limit=50`, { headers: shopHeaders(shop.token) });
      byShape['newest 50, again after the others'] = await timeAndRows(
        'newest again',
        async () => void (await (await newest()).arrayBuffer()),
      );
      const plan = await plans(shop.shopId, n);
      const upsert = await upsertCost(shop.shopId);
      task.meta.scale = { payments: n, seedSeconds, shapes: byShape, exportPage, plans: plan, upsert } as unknown;
      const scans = Object.entries(plan).filter(([, p]) => fullScan(p.page) || fullScan(p.totals));
      expect(scans, 'every query shape is served by an index').toEqual([]);
    }, 1_800_000);
  }
});
