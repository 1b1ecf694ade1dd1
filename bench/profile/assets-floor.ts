/**
 * `tsx bench/profile/assets-floor.ts [--requests=3000]`: what wrangler dev's asset router costs the
 * Worker's workerd process per request. The same bare 302 Worker with and without our `[assets]`
 * section (bench/baselines/bare-302, bare-302-assets), CPU per request by the bench's accounting
 * (load.ts cpuPerRequest). Our Worker has `[assets]`, the skeleton does not: under wrangler dev
 * the asset router Workers run in front of ours in the same process on every request, which in
 * production is Cloudflare's routing, not our isolate's CPU.
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuPerRequest } from '../load.ts';
import { startTarget } from '../workers.ts';

const requests = Number(process.argv.find((a) => a.startsWith('--requests='))?.split('=')[1] ?? 3000);
const root = resolve(import.meta.dirname, '../..');
const [bare, assets] = await Promise.all([
  startTarget('bare 302', { config: join(root, 'bench/baselines/bare-302/wrangler.toml') }),
  startTarget('bare 302 + assets', { config: join(root, 'bench/baselines/bare-302-assets/wrangler.toml') }),
]);
try {
  const load = (url: string) => ({ url: `${url}/integration/pay?id=x`, followRedirect: false });
  const targets = { bare: { pid: bare.workerdPid, load: load(bare.url) }, assets: { pid: assets.workerdPid, load: load(assets.url) } };
  await cpuPerRequest(targets, { amount: 200, connections: 4, settleMs: 500, rounds: 1, expect: '3xx' }); // warm-up
  for (let round = 1; round <= 3; round++) {
    const r = await cpuPerRequest(targets, { amount: requests, connections: 4, settleMs: 1_000, rounds: 1, expect: '3xx' });
    const [b, a] = [r.bare!.msPerRequest, r.assets!.msPerRequest];
    console.log(
      `round ${round}: bare 302 ${b.toFixed(3)} ms, with [assets] ${a.toFixed(3)} ms, the asset router +${(a - b).toFixed(3)} ms/request, load ${loadavg()[0]!.toFixed(2)}`,
    );
  }
} finally {
  await Promise.allSettled([bare.stop(), assets.stop()]);
}
