/**
 * Round trips and dollars: runs test/worker/costs.test.ts (the Worker in workerd with counting
 * bindings), reads what it counted from vitest's JSON report, and prints three tables with the
 * floor beside each figure: serial round trips per operation, billable operations per payment
 * lifecycle priced per million payments, and our lines by cost.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ANALYTICS_BATCH, PRICES, PRICES_READ_ON, type PriceName } from '../prices.ts';
import { type OperationName, SERIAL_BUDGET } from './budget.ts';
import { floorLifecycle } from './floor.ts';
import type { CountedOp, CriticalPath, LifecycleCount } from './report.ts';

const root = resolve(import.meta.dirname, '../..');

export interface CostFigures {
  paths: Record<string, CriticalPath>;
  lifecycle: LifecycleCount;
  ours: Record<PriceName, number>;
  floor: Record<PriceName, number>;
  oursUsdPerMillion: number;
  floorUsdPerMillion: number;
  lines: Array<{ line: string; price: PriceName; count: number; usdPerMillion: number }>;
}

interface TestResult {
  title: string;
  status: string;
  meta: Record<string, unknown>;
  failureMessages: string[];
}

/** Runs one worker-project test file and returns its tests' results (meta included); throws when one fails. */
export function runWorkerTest(file: string, env: Record<string, string> = {}): TestResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'apay-costs-'));
  const out = join(dir, 'report.json');
  try {
    const run = spawnSync('npx', ['vitest', 'run', '--project', 'worker', file, '--reporter=json', `--outputFile=${out}`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    let report: { testResults: Array<{ assertionResults: TestResult[] }> };
    try {
      report = JSON.parse(readFileSync(out, 'utf8'));
    } catch {
      throw new Error(`${file} did not report:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
    }
    const results = report.testResults.flatMap((f) => f.assertionResults);
    const failed = results.filter((r) => r.status !== 'passed');
    if (failed.length)
      throw new Error(`${file} failed:\n${failed.map((f) => `${f.title}: ${f.failureMessages[0]?.slice(0, 400)}`).join('\n')}`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the counting test; throws when it fails (a budget exceeded is a failed bench, not a figure). */
export function countCosts(): { paths: Record<string, CriticalPath>; lifecycle: LifecycleCount } {
  const paths: Record<string, CriticalPath> = {};
  let lifecycle: LifecycleCount | undefined;
  for (const r of runWorkerTest('test/worker/costs.test.ts')) {
    const p = r.meta.criticalPath as (CriticalPath & { name: string }) | undefined;
    if (p) paths[p.name] = p;
    if (r.meta.lifecycle) lifecycle = r.meta.lifecycle as LifecycleCount;
  }
  if (!lifecycle) throw new Error('the counting test reported no lifecycle');
  return { paths, lifecycle };
}

/** The analytics consumer's own list of parked events (one per batch): modelled per batch, not per request. */
const isConsumerOp = (o: CountedOp) => o.what.startsWith('kv.list analytics-pending');

/** What one counted op bills, as (price, count) pairs. */
function billed(o: CountedOp): Array<[PriceName, number]> {
  if (isConsumerOp(o)) return [];
  switch (o.kind) {
    case 'kv': {
      const verb = o.what.split(' ')[0];
      const price: PriceName =
        verb === 'kv.read' ? 'kvRead' : verb === 'kv.write' ? 'kvWrite' : verb === 'kv.delete' ? 'kvDelete' : 'kvList';
      return [[price, o.units]];
    }
    case 'do':
      return [['doRequest', 1]];
    case 'storage':
      return [
        ['doRowRead', o.rowsRead ?? 0],
        ['doRowWritten', o.rowsWritten ?? 0],
      ];
    case 'queue':
      return [
        ['queueOperation', o.units * 3],
        ['bigQueryRow', o.what === 'queue analytics' ? (o.rows ?? o.units) : 0],
      ];
    default:
      return []; // subrequests (Bansky, the shop) are not billed
  }
}

const zero = () => Object.fromEntries(Object.keys(PRICES).map((k) => [k, 0])) as Record<PriceName, number>;
const usd = (counts: Record<PriceName, number>) => Object.entries(counts).reduce((s, [k, n]) => s + PRICES[k as PriceName].usd * n, 0);

export function priceCosts(counted: { paths: Record<string, CriticalPath>; lifecycle: LifecycleCount }): CostFigures {
  const { lifecycle } = counted;
  const lines = new Map<string, { line: string; price: PriceName; count: number }>();
  const add = (line: string, price: PriceName, count: number) => {
    if (!count) return;
    const key = `${line}|${price}`;
    const l = lines.get(key) ?? { line, price, count: 0 };
    l.count += count;
    lines.set(key, l);
  };
  add('requests to the Worker', 'workerRequest', lifecycle.requests);
  for (const o of lifecycle.ops) for (const [price, n] of billed(o)) add(`${o.phase} · ${o.what}`, price, n);
  const messages = lifecycle.ops.filter((o) => o.what === 'queue analytics').reduce((n, o) => n + o.units, 0);
  add('analytics consumer · invocation (per batch)', 'workerRequest', messages / ANALYTICS_BATCH);
  add('analytics consumer · kv.list analytics-pending: (per batch)', 'kvList', messages / ANALYTICS_BATCH);
  if (lifecycle.alarmArmedAtEnd) add('payment object · alarm left armed (one more invocation)', 'doRequest', 1);

  const ours = zero();
  for (const l of lines.values()) ours[l.price] += l.count;
  // The index floor: the payments row's writes as measured (the row and the indexes the list's
  // filters need), without the running totals, the object's own bookkeeping or repeats: the new
  // row at init and the costliest update after it (the status change; a postback-only update
  // touches fewer indexes), averaged per state change.
  const rowsOf = (prefix: string) => lifecycle.ops.filter((o) => o.what.startsWith(prefix)).map((o) => o.rowsWritten ?? 0);
  const inserted = Math.max(0, ...rowsOf('sql INSERT INTO payments'));
  const updated = Math.max(0, ...rowsOf('sql UPDATE payments SET'));
  const indexRows = (inserted + (updated || inserted)) / 2;
  const floor = zero();
  for (const l of floorLifecycle(indexRows)) floor[l.price] += l.count;
  return {
    ...counted,
    ours,
    floor,
    oursUsdPerMillion: usd(ours) * 1e6,
    floorUsdPerMillion: usd(floor) * 1e6,
    lines: [...lines.values()]
      .map((l) => ({ ...l, usdPerMillion: PRICES[l.price].usd * l.count * 1e6 }))
      .sort((a, b) => b.usdPerMillion - a.usdPerMillion),
  };
}

export function grid(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const n2 = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const money = (n: number) => `$${n.toFixed(2)}`;

export function costTables(f: CostFigures): string {
  const detail = (byKind: Partial<Record<string, number>>) =>
    Object.entries(byKind)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '—';
  const pathRows: string[][] = [];
  for (const [name, budget] of Object.entries(SERIAL_BUDGET) as Array<[OperationName, (typeof SERIAL_BUDGET)[OperationName]]>) {
    const p = f.paths[name];
    if (!p) continue;
    pathRows.push([name, String(p.serial), detail(p.byKind), `${budget.floor} (${budget.floorWhy})`, `≤ ${budget.serial}`]);
    if (p.toShop && budget.toShop !== undefined)
      pathRows.push([
        '  … → shop postback leaves',
        String(p.toShop.serial),
        detail(p.toShop.byKind),
        `${budget.toShopFloor} (the call that applies it)`,
        `≤ ${budget.toShop}`,
      ]);
  }
  const priceRows = (Object.keys(PRICES) as PriceName[])
    .filter((k) => f.ours[k] || f.floor[k])
    .map((k) => [
      PRICES[k].unit === 'request' && k === 'doRequest' ? 'Durable Object requests' : labelOf(k),
      n2(f.ours[k]),
      n2(f.floor[k]),
      money(PRICES[k].usd * f.ours[k] * 1e6),
      money(PRICES[k].usd * f.floor[k] * 1e6),
    ]);
  const ratio = f.oursUsdPerMillion / f.floorUsdPerMillion;
  priceRows.push(['total', '', '', money(f.oursUsdPerMillion), money(f.floorUsdPerMillion)]);
  const topLines = f.lines.slice(0, 18).map((l) => [l.line, `${n2(l.count)} × ${l.price}`, money(l.usdPerMillion)]);
  return [
    'Serial round trips before the answer (latency injected per kind, test/worker/costs.test.ts)',
    grid(['operation', 'ours', 'by kind', 'floor', 'budget'], pathRows),
    '',
    `Billable operations per payment lifecycle and $ per million payments (list prices read ${PRICES_READ_ON}, bench/prices.ts)`,
    grid(['item', 'ours', 'floor', 'ours $/M', 'floor $/M'], priceRows),
    `ours ×${ratio.toFixed(2)} of the floor (target ≤ ×1.5): ${ratio <= 1.5 ? 'met' : 'MISSED'}`,
    '',
    'Our lines by cost ($ per million payments)',
    grid(['request · operation', 'count', '$/M'], topLines),
  ].join('\n');
}

function labelOf(k: PriceName): string {
  const labels: Record<PriceName, string> = {
    workerRequest: 'Worker requests',
    workerCpuMs: 'Worker CPU ms',
    kvRead: 'KV reads',
    kvWrite: 'KV writes',
    kvDelete: 'KV deletes',
    kvList: 'KV lists',
    doRequest: 'Durable Object requests',
    doRowRead: 'DO rows read',
    doRowWritten: 'DO rows written',
    queueOperation: 'Queue operations',
    bigQueryRow: 'BigQuery rows',
  };
  return labels[k];
}
