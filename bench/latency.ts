/**
 * Sequential request latency of several targets, interleaved request by request (the order
 * rotates every round) so each series sees the same machine noise at the same moment.
 */
import { summarise } from './stats.ts';

export type Send = (i: number) => Promise<Response>;

async function timed(name: string, send: Send, i: number): Promise<number> {
  const t = performance.now();
  const res = await send(i);
  await res.arrayBuffer();
  if (res.status >= 400) throw new Error(`${name}: request ${i} answered ${res.status}`);
  return performance.now() - t;
}

export async function interleavedLatency(targets: Record<string, Send>, samples: number, warmup = 20) {
  const names = Object.keys(targets);
  const out = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  for (let i = 0; i < warmup + samples; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      const ms = await timed(name, targets[name]!, i);
      if (i >= warmup) out[name]!.push(ms);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarise(out[n]!)]));
}
