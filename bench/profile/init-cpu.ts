/**
 * `tsx bench/profile/init-cpu.ts [--requests=300] [--rounds=3]`: only the bench's CPU per init
 * figure (bench/load.ts cpuPerRequest, the same accounting as `npm run bench`), ours and the
 * skeleton loaded at the same time, printed per round so the spread on a busy machine is visible.
 * For before/after comparisons of one change without the whole timed bench.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../../generated/api/client/index.ts';
import { freePort } from '../../scripts/lib/ports.mjs';
import { ensureDemoShop } from '../../scripts/local/demo-credentials.ts';
import { cpuPerRequest } from '../load.ts';
import { spawnSandbox } from '../sandbox.ts';
import { BENCH_SECRETS } from '../secrets.ts';
import { benchInitBody, startOurs, startSkeleton } from '../workers.ts';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const requests = arg('requests', 300);
const rounds = arg('rounds', 3);
const secrets = BENCH_SECRETS;
const runId = Date.now().toString(36);

const sandbox = await spawnSandbox(secrets.BANSKY_API_TOKEN, secrets.BANSKY_POSTBACK_SECRET);
const port = await freePort();
const [ours, skel] = await Promise.all([startOurs(port, secrets, sandbox.url), startSkeleton(secrets, sandbox.url)]);
try {
  const dir = mkdtempSync(join(tmpdir(), 'apay-initcpu-'));
  const { creds } = await ensureDemoShop(createClient({ baseUrl: ours.url, auth: secrets.ADMIN_TOKEN }), join(dir, 'demo.json'), () => {});
  rmSync(dir, { recursive: true, force: true });
  await fetch(`${skel.url}/_bench/token/${creds.token}`, { method: 'PUT' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${creds.token}` };
  const body = JSON.stringify(benchInitBody(`${runId}-[<id>]`));
  const load = (url: string) => ({ url: `${url}/api/v1/init-payment`, method: 'POST' as const, headers, body, idReplacement: true });
  // Warm-up (JIT, caches), not counted.
  await cpuPerRequest(
    { ours: { pid: ours.workerdPid, load: load(ours.url) }, skeleton: { pid: skel.workerdPid, load: load(skel.url) } },
    { amount: 60, connections: 4, settleMs: 1_000, rounds: 1 },
  );
  for (let round = 0; round < rounds; round++) {
    const r = await cpuPerRequest(
      { ours: { pid: ours.workerdPid, load: load(ours.url) }, skeleton: { pid: skel.workerdPid, load: load(skel.url) } },
      { amount: requests, connections: 4, settleMs: 6_000, rounds: 1 },
    );
    const o = r.ours!.msPerRequest;
    const s = r.skeleton!.msPerRequest;
    console.log(
      `round ${round + 1}: ours ${o.toFixed(2)} ms, skeleton ${s.toFixed(2)} ms, ×${(o / s).toFixed(2)}, errors ${r.ours!.errors + r.skeleton!.errors}, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  }
} finally {
  await Promise.allSettled([ours.stop(), skel.stop(), sandbox.stop()]);
}
