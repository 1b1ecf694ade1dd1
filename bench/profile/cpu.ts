/**
 * `tsx bench/profile/cpu.ts [--seconds=8]`: CPU profiles of init-payment and the pay link in our
 * Worker and in the skeleton, under the same load, through workerd's inspector. Prints where the
 * sampled time goes (by package / source file, mapped through the bundle's source map) and saves
 * each profile as bench/results/profiles/<name>.cpuprofile (open in Chrome DevTools).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { createClient } from '../../generated/api/client/index.ts';
import { freePort } from '../../scripts/lib/ports.mjs';
import { ensureDemoShop } from '../../scripts/local/demo-credentials.ts';
import { spawnSandbox } from '../sandbox.ts';
import { BENCH_SECRETS } from '../secrets.ts';
import { benchInitBody, startOurs, startSkeleton, type Target } from '../workers.ts';
import { summariseProfile } from './attribute.ts';
import { inspectorUrl, profileWhile } from './inspector.ts';

const root = resolve(import.meta.dirname, '../..');
const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 8);
/** `--only=init` or `--only=paylink`: profile one operation (both Workers). */
const only = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1];
const secrets = BENCH_SECRETS;
const shopBody = (id: string) => JSON.stringify(benchInitBody(id));

const sandbox = await spawnSandbox(secrets.BANSKY_API_TOKEN, secrets.BANSKY_POSTBACK_SECRET);
const port = await freePort();
const [ours, skel] = await Promise.all([startOurs(port, secrets, sandbox.url), startSkeleton(secrets, sandbox.url)]);
const workerName = { ours: 'aimbrellapay', skeleton: 'aimbrellapay-bench-skeleton' } as const;
try {
  const dir = mkdtempSync(join(tmpdir(), 'apay-prof-'));
  const { creds } = await ensureDemoShop(createClient({ baseUrl: ours.url, auth: secrets.ADMIN_TOKEN }), join(dir, 'demo.json'), () => {});
  rmSync(dir, { recursive: true, force: true });
  await fetch(`${skel.url}/_bench/token/${creds.token}`, { method: 'PUT' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${creds.token}` };
  const out = join(root, 'bench/results/profiles');
  mkdirSync(out, { recursive: true });

  for (const [name, t] of [
    ['ours', ours],
    ['skeleton', skel],
  ] as Array<['ours' | 'skeleton', Target]>) {
    const ws = await inspectorUrl(t.workerdPid, workerName[name]);
    const init = { url: `${t.url}/api/v1/init-payment`, method: 'POST' as const, headers, body: shopBody('[<id>]'), idReplacement: true };
    await autocannon({ ...init, connections: 4, duration: 2 }); // warm-up (JIT), not profiled
    const pay = (await (await fetch(init.url, { method: 'POST', headers, body: shopBody(`prof-${Date.now()}`) })).json()) as { id: string };
    for (const [what, load] of [
      ['init', { ...init, connections: 4 }],
      ['paylink', { url: `${t.url}/integration/pay?id=${pay.id}`, connections: 16, followRedirect: false }],
    ] as const) {
      if (only && only !== what) continue;
      let requests = 0;
      const profile = await profileWhile(ws, async () => {
        requests = (await autocannon({ ...load, duration: seconds })).requests.total;
      });
      writeFileSync(join(out, `${name}-${what}.cpuprofile`), JSON.stringify(profile));
      console.log(`\n## ${name} ${what}: ${requests} requests in ${seconds} s`);
      console.log(summariseProfile(profile, requests, [root, join(root, 'bench/baselines/skeleton')]));
    }
  }
} finally {
  await Promise.allSettled([ours.stop(), skel.stop(), sandbox.stop()]);
}
