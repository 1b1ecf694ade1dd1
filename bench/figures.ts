/** The speed and size targets and the figures they apply to, built from one run's raw measurements. */
import type { Bundle } from './bundle.ts';
import type { LoadResult } from './load.ts';
import type { Figure } from './report.ts';
import { kib, type summarise } from './stats.ts';

type Summary = ReturnType<typeof summarise>;

export interface Raw {
  latency: Record<string, Summary>;
  initThroughput: Record<string, LoadResult>;
  cpu: Record<string, { msPerRequest: number; errors: number }>;
  payLink: Record<string, LoadResult>;
  postbacks: Summary & { lost: number; unverified: number };
  memory: Record<string, { rss: number; peak: number }>;
  /** RSS right after start, before any request. */
  idleMemory: Record<string, { rss: number; peak: number }>;
  /** Payments each init-taking Worker created during the run. */
  payments: Record<string, number>;
  bundles: Record<string, Pick<Bundle, 'raw' | 'gzip'>>;
}

/** The free plan's CPU limit per invocation. */
const FREE_PLAN_CPU_MS = 10;

export function buildFigures(r: Raw): Figure[] {
  const ours = r.latency.ours!;
  const skel = r.latency.skeleton!;
  const it = r.initThroughput;
  const pl = r.payLink;
  // Local Durable Object storage lives in the Worker's process: RSS grows with the payments made.
  const growthPerPayment = (n: string) => (r.memory[n]!.rss - r.idleMemory[n]!.rss) / r.payments[n]!;
  const le = (value: number, ratio = true) => ({ op: 'le' as const, value, ratio });
  const ge = (value: number, ratio = true) => ({ op: 'ge' as const, value, ratio });
  return [
    { figure: 'init-payment p50', ours: ours.p50, unit: 'ms', baseline: { name: 'skeleton', value: skel.p50 }, target: le(1.15) },
    { figure: 'init-payment p99', ours: ours.p99, unit: 'ms', baseline: { name: 'skeleton', value: skel.p99 }, target: le(1.3) },
    {
      figure: 'init-payment throughput, 16 conn.',
      ours: it.ours!.rps,
      unit: 'req/s',
      baseline: { name: 'skeleton', value: it.skeleton!.rps },
      target: ge(0.85),
      mustBeZero: { what: 'errors', count: it.ours!.errors + it.skeleton!.errors },
    },
    {
      figure: 'CPU per init request',
      ours: r.cpu.ours!.msPerRequest,
      unit: 'ms',
      baseline: { name: 'skeleton', value: r.cpu.skeleton!.msPerRequest },
      target: le(1.5),
      mustBeZero: { what: 'errors', count: r.cpu.ours!.errors + r.cpu.skeleton!.errors },
    },
    {
      figure: 'CPU per init request (absolute)',
      ours: r.cpu.ours!.msPerRequest,
      unit: 'ms',
      baseline: null,
      target: le(FREE_PLAN_CPU_MS, false),
    },
    {
      figure: 'pay link throughput, 16 conn.',
      ours: pl.ours!.rps,
      unit: 'req/s',
      baseline: { name: 'bare 302', value: pl['bare 302']!.rps },
      target: ge(0.8),
      mustBeZero: { what: 'errors', count: pl.ours!.errors },
    },
    {
      figure: '  (bare 302 behind the same [assets])',
      ours: pl.ours!.rps,
      unit: 'req/s',
      baseline: { name: '302+assets', value: pl['bare 302 + assets']!.rps },
      target: ge(0.8),
    },
    {
      figure: '  (skeleton DO read + 302)',
      ours: pl.ours!.rps,
      unit: 'req/s',
      baseline: { name: 'DO+302', value: pl['skeleton DO read + 302']!.rps },
      target: ge(0.8),
    },
    {
      figure: 'postback accepted → shop, p50',
      ours: r.postbacks.p50,
      unit: 'ms',
      baseline: null,
      target: le(100, false),
      mustBeZero: { what: 'lost/unverified', count: r.postbacks.lost + r.postbacks.unverified },
    },
    { figure: 'postback accepted → shop, p99', ours: r.postbacks.p99, unit: 'ms', baseline: null, target: le(1000, false) },
    {
      figure: 'bundle, gzip',
      ours: kib(r.bundles.ours!.gzip),
      unit: 'KiB',
      baseline: { name: 'bare 302', value: kib(r.bundles['bare 302']!.gzip) },
      target: le(150, false),
    },
    {
      figure: 'workerd RSS after load',
      ours: r.memory.ours!.rss / 1024,
      unit: 'MiB',
      baseline: { name: 'bare 302', value: r.memory['bare 302']!.rss / 1024 },
      target: le(1.3),
    },
    {
      figure: '  (idle: started, nothing asked)',
      ours: r.idleMemory.ours!.rss / 1024,
      unit: 'MiB',
      baseline: { name: 'bare 302', value: r.idleMemory['bare 302']!.rss / 1024 },
      target: le(1.3),
    },
    {
      figure: '  (growth per payment created)',
      ours: growthPerPayment('ours'),
      unit: 'KiB',
      baseline: { name: 'skeleton', value: growthPerPayment('skeleton') },
      target: le(1.3),
    },
  ];
}
