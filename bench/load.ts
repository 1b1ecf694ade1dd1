/**
 * Load with autocannon: throughput at a fixed number of connections, and workerd CPU time per
 * request over a fixed number of requests (including the deferred work they cause).
 */
import autocannon, { type Options } from 'autocannon';
import { cpuMs, sleep } from './stats.ts';

export type Load = Omit<Options, 'duration' | 'amount' | 'connections'>;

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  /** Network errors, timeouts and answers other than the expected class. */
  errors: number;
}

async function run(load: Load, more: Pick<Options, 'duration' | 'amount' | 'connections'>, expect: '2xx' | '3xx'): Promise<LoadResult> {
  const r = await autocannon({ timeout: 10, ...load, ...more });
  const good = r[expect];
  return {
    rps: good / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    errors: r.errors + r.timeouts + (r.requests.total - good - r.errors - r.timeouts),
  };
}

/** A-B-A-B… rounds (sequential: each target gets the whole machine); averages per target. */
export async function throughput(
  loads: Record<string, Load>,
  opts: { seconds: number; connections: number; rounds: number; expect: '2xx' | '3xx' },
) {
  const names = Object.keys(loads);
  for (const n of names) await run(loads[n]!, { duration: 1, connections: opts.connections }, opts.expect); // warm-up
  const seen: Record<string, LoadResult[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (const n of names) seen[n]!.push(await run(loads[n]!, { duration: opts.seconds, connections: opts.connections }, opts.expect));
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return Object.fromEntries(
    names.map((n) => {
      const rs = seen[n]!;
      const result: LoadResult = {
        rps: avg(rs.map((r) => r.rps)),
        p50: avg(rs.map((r) => r.p50)),
        p99: Math.max(...rs.map((r) => r.p99)),
        total: rs.reduce((a, r) => a + r.total, 0),
        errors: rs.reduce((a, r) => a + r.errors, 0),
      };
      return [n, result];
    }),
  );
}

/** CPU ms per second a process burns while nobody calls it (timers, the dev runtime's own work). */
async function idleCpuRate(pids: number[], ms = 2000): Promise<number[]> {
  const before = pids.map(cpuMs);
  await sleep(ms);
  return pids.map((p, i) => (cpuMs(p) - before[i]!) / ms);
}

/**
 * workerd CPU ms per request: `amount` requests to every target at once (separate processes,
 * so their CPU counters do not mix), then a settle wait long enough for waitUntil work and the
 * queue consumers' batch timeouts (analytics: 5 s) — their CPU belongs to the request too.
 */
export async function cpuPerRequest(
  targets: Record<string, { pid: number; load: Load }>,
  opts: { amount: number; connections: number; settleMs: number; rounds: number; expect?: '2xx' | '3xx' },
) {
  const names = Object.keys(targets);
  const idle = await idleCpuRate(names.map((n) => targets[n]!.pid));
  const perRequest: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const errors: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let round = 0; round < opts.rounds; round++) {
    const start = performance.now();
    const before = names.map((n) => cpuMs(targets[n]!.pid));
    const results = await Promise.all(
      names.map((n) => run(targets[n]!.load, { amount: opts.amount, connections: opts.connections }, opts.expect ?? '2xx')),
    );
    await sleep(opts.settleMs);
    const wall = performance.now() - start;
    names.forEach((n, i) => {
      errors[n]! += results[i]!.errors;
      perRequest[n]!.push((cpuMs(targets[n]!.pid) - before[i]! - idle[i]! * wall) / opts.amount);
    });
  }
  return Object.fromEntries(
    names.map((n, i) => [
      n,
      {
        msPerRequest: perRequest[n]!.reduce((a, b) => a + b, 0) / opts.rounds,
        rounds: perRequest[n]!,
        idleMsPerS: idle[i]!,
        errors: errors[n]!,
      },
    ]),
  );
}
