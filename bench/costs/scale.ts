/**
 * The payments list at scale: test/worker/index-scale.test.ts seeds one month's index shard with
 * 10³ and with 10⁶ payments and reads it through the Worker's route. Latency per query shape
 * (p50/p95, this machine, the Worker in workerd's test pool), SQLite rows each query reads, rows
 * one upsert writes and bytes stored per payment — priced, so the cost per payment at each size
 * sits side by side.
 */
import { PRICES } from '../prices.ts';
import { grid, runWorkerTest } from './run.ts';

interface ShapeFigures {
  p50: number;
  p95: number;
  rowsRead: number;
}
export interface ScaleFigures {
  payments: number;
  seedSeconds: number;
  shapes: Record<string, ShapeFigures>;
  /** One read of the CSV export stream: one page of the index (100 rows), walking from the newest. */
  exportPage: ShapeFigures;
  /** SQLite's EXPLAIN QUERY PLAN for each shape's page and totals query. */
  plans: Record<string, { page: string; totals: string }>;
  upsert: { rowsWritten: number; bytesPerPayment: number };
}

/** SQLite storage, per GB-month (https://developers.cloudflare.com/durable-objects/platform/pricing/). */
const STORAGE_USD_PER_GB_MONTH = 0.2;

export function measureScale(): ScaleFigures[] {
  return runWorkerTest('test/worker/index-scale.test.ts', { APAY_BENCH_SCALE: '1' })
    .map((r) => r.meta.scale as ScaleFigures | undefined)
    .filter((s): s is ScaleFigures => s !== undefined)
    .sort((a, b) => a.payments - b.payments);
}

export function scaleTables(sizes: ScaleFigures[]): string {
  const shapes = Object.keys(sizes[0]?.shapes ?? {});
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const rows = shapes.map((shape) => [
    shape,
    ...sizes.flatMap((s) => [`${ms(s.shapes[shape]!.p50)} / ${ms(s.shapes[shape]!.p95)}`, String(s.shapes[shape]!.rowsRead)]),
  ]);
  rows.push([
    'CSV export: one streamed page of 100',
    ...sizes.flatMap((s) => [`${ms(s.exportPage.p50)} / ${ms(s.exportPage.p95)}`, String(s.exportPage.rowsRead)]),
  ]);
  const largest = sizes.at(-1);
  const indexOf = (plan: string) =>
    /USING (?:COVERING )?INDEX (\w+)|USING (PRIMARY KEY)|SEARCH (totals)/.exec(plan)?.slice(1).find(Boolean) ?? plan;
  const planRows = Object.entries(largest?.plans ?? {}).map(([shape, p]) => [
    shape,
    indexOf(p.page),
    indexOf(p.totals),
    /TEMP B-TREE/.test(p.page) ? 'sorts matches' : 'in index order',
  ]);
  const head = ['query (GET /api/v1/payments)', ...sizes.flatMap((s) => [`p50 / p95 at ${s.payments}`, 'rows read'])];
  const perPayment = sizes.map((s) => {
    const write = s.upsert.rowsWritten * PRICES.doRowWritten.usd;
    const storage = (s.upsert.bytesPerPayment / 1e9) * STORAGE_USD_PER_GB_MONTH;
    return [
      String(s.payments),
      `${s.seedSeconds.toFixed(1)} s`,
      String(s.upsert.rowsWritten),
      `$${(write * 1e6).toFixed(2)}`,
      `${s.upsert.bytesPerPayment.toFixed(0)} B`,
      `$${(storage * 1e6).toFixed(3)}`,
    ];
  });
  return [
    "The payments list against one month's index shard (target p95 ≤ 50 ms at 10⁶)",
    grid(head, rows),
    '',
    `SQLite's plan for each shape at ${largest?.payments ?? '?'} rows (EXPLAIN QUERY PLAN; a full scan fails the run)`,
    grid(['query', 'page query uses', 'totals query uses', 'page order'], planRows),
    '',
    'Index cost per payment by shard size ($ per million payments)',
    grid(
      ['payments in the shard', 'seeded in', 'rows per upsert', 'upsert $/M', 'bytes stored per payment', 'storage $/M per month'],
      perPayment,
    ),
  ].join('\n');
}
