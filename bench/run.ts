/**
 * `npm run bench [-- --quick | --costs | --scale | --timed]`: AimbrellaPay against the floor a Worker can reach, in one run on
 * this machine (shared and noisy, so every figure is a ratio of things measured together).
 * Baselines (bench/baselines/, each its own small Worker on the same workerd, started the same
 * way): (a) the Bansky sandbox directly, (b) a pass-through Worker, (c) the skeleton — one KV
 * read + one Durable Object call writing before and after Bansky, (d) a bare Hono 302 and the
 * skeleton's Durable-Object-read-then-302. Prints one table; saves it to bench/results/.
 * First the counted figures (bench/costs/: serial round trips per operation, billable operations
 * and dollars per million payments against the required-work floor; `--costs` stops there), then
 * the payments list against a million-row index shard (`--scale` runs only that), then the timed
 * figures (`--timed` runs only those), CPU per request for every operation among them (cpu.ts).
 * Targets are in figures.ts and costs/budget.ts; nothing here fails a build but a counted budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient } from '../generated/api/client/index.ts';
import { freePort } from '../scripts/lib/ports.mjs';
import { ensureDemoShop } from '../scripts/local/demo-credentials.ts';
import { bundle } from './bundle.ts';
import { costTables, countCosts, priceCosts } from './costs/run.ts';
import { measureScale, scaleTables } from './costs/scale.ts';
import { cpuPerOperation, cpuTable } from './cpu.ts';
import { buildFigures } from './figures.ts';
import { interleavedLatency } from './latency.ts';
import { cpuPerRequest, type Load, throughput } from './load.ts';
import { postbackLatency } from './postbacks.ts';
import { save, table } from './report.ts';
import { spawnSandbox } from './sandbox.ts';
import { BENCH_SECRETS } from './secrets.ts';
import { loadAverage, memoryKiB } from './stats.ts';
import { benchInitBody, startOurs, startSkeleton, startTarget, type Target } from './workers.ts';

const root = resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
/** Only the counted figures (round trips, billable operations, dollars): no timing, quiet machine not needed. */
const costsOnly = process.argv.includes('--costs');
/** Only the payments list against a million-row shard (minutes of seeding). */
const scaleOnly = process.argv.includes('--scale');
/** Only the timed figures against the baselines (latency, throughput, CPU per operation, memory, bundle). */
const timedOnly = process.argv.includes('--timed');
const P = quick
  ? { samples: 60, seconds: 2, rounds: 1, cpuRequests: 120, cpuRounds: 1, postbacks: 5 }
  : { samples: 300, seconds: 5, rounds: 2, cpuRequests: 300, cpuRounds: 2, postbacks: 20 };
const CONNECTIONS = 16;

const secrets = BENCH_SECRETS;
const runId = Date.now().toString(36);
const json = { 'content-type': 'application/json' };
const shopBody = benchInitBody;
const banskyBody = (i: number) => ({ ...shopBody('x'), id: `pay_${runId.padEnd(12, '0')}${String(i).padStart(10, '0')}`, type: 'fiat' });

async function main() {
  const started = performance.now();
  console.log(
    `AimbrellaPay benchmark${quick ? ' (--quick)' : ''} — ${new Date().toISOString()}, node ${process.version}, load average ${loadAverage()}\n`,
  );
  if (scaleOnly) {
    const scale = measureScale();
    console.log(`\n${scaleTables(scale)}\n`);
    const file = save(join(root, 'bench/results'), { at: new Date().toISOString(), scaleOnly, node: process.version }, [], { scale });
    console.log(`Saved ${file.slice(root.length + 1)}`);
    return;
  }
  // Counted first, while nothing is being timed: round trips and billable operations per payment.
  let costs: ReturnType<typeof priceCosts> | null = null;
  let scale: ReturnType<typeof measureScale> | null = null;
  if (!timedOnly) {
    console.log('Counting round trips and billable operations (test/worker/costs.test.ts, about 2 minutes)…');
    costs = priceCosts(countCosts());
    console.log(`\n${costTables(costs)}\n`);
    if (costsOnly) {
      const file = save(join(root, 'bench/results'), { at: new Date().toISOString(), costsOnly, node: process.version }, [], { costs });
      console.log(`Saved ${file.slice(root.length + 1)}`);
      return;
    }
    console.log('The payments list against a million-row shard (test/worker/index-scale.test.ts, several minutes)…');
    scale = measureScale();
    console.log(`\n${scaleTables(scale)}\n`);
  }
  const sandbox = await spawnSandbox(secrets.BANSKY_API_TOKEN, secrets.BANSKY_POSTBACK_SECRET);
  const ourPort = await freePort();
  const baseline = (dir: string) => join(root, 'bench/baselines', dir, 'wrangler.toml');
  const started4 = await Promise.allSettled([
    startOurs(ourPort, secrets, sandbox.url),
    startTarget('passthrough', { config: baseline('passthrough'), vars: { SANDBOX_URL: sandbox.url } }),
    startSkeleton(secrets, sandbox.url),
    startTarget('bare-302', { config: baseline('bare-302') }),
    startTarget('bare-302-assets', { config: baseline('bare-302-assets') }),
  ]);
  const targets = started4.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stopAll = () => Promise.allSettled([...targets.map((t) => t.stop()), sandbox.stop()]);
  try {
    const failed = started4.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [ours, pass, skel, bare, bareAssets] = targets as [Target, Target, Target, Target, Target];
    // Memory before anything is asked of them: code, runtime and bindings, no storage yet.
    const idleMemory = { ours: memoryKiB(ours.workerdPid), 'bare 302': memoryKiB(bare.workerdPid), skeleton: memoryKiB(skel.workerdPid) };
    console.log(
      `Started in ${((performance.now() - started) / 1000).toFixed(0)} s: the sandbox and 5 Workers under wrangler dev; measuring…`,
    );

    // The demo shop, onboarded through the admin API exactly as npm start does; the skeleton gets the same token.
    const credsDir = mkdtempSync(join(tmpdir(), 'apay-bench-'));
    const { creds } = await ensureDemoShop(
      createClient({ baseUrl: ours.url, auth: secrets.ADMIN_TOKEN }),
      join(credsDir, 'demo.json'),
      () => {},
    );
    rmSync(credsDir, { recursive: true, force: true });
    await fetch(`${skel.url}/_bench/token/${creds.token}`, { method: 'PUT' });
    const auth = { ...json, authorization: `Bearer ${creds.token}` };
    const post = (url: string, headers: Record<string, string>, body: unknown) =>
      fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });

    const latency = await interleavedLatency(
      {
        direct: (i) => post(`${sandbox.url}/v1/payments`, { ...json, authorization: `Bearer ${secrets.BANSKY_API_TOKEN}` }, banskyBody(i)),
        passthrough: (i) =>
          post(`${pass.url}/v1/payments`, { ...json, authorization: `Bearer ${secrets.BANSKY_API_TOKEN}` }, banskyBody(1_000_000 + i)),
        skeleton: (i) => post(`${skel.url}/api/v1/init-payment`, auth, shopBody(`lat-${runId}-${i}`)),
        ours: (i) => post(`${ours.url}/api/v1/init-payment`, auth, shopBody(`lat-${runId}-${i}`)),
      },
      P.samples,
    );
    console.log('  latency done');

    const initLoad = (t: Target): Load => ({
      url: `${t.url}/api/v1/init-payment`,
      method: 'POST',
      headers: auth,
      body: JSON.stringify(shopBody('[<id>]')),
      idReplacement: true,
    });
    const initTput = await throughput(
      { ours: initLoad(ours), skeleton: initLoad(skel) },
      { seconds: P.seconds, connections: CONNECTIONS, rounds: P.rounds, expect: '2xx' },
    );
    console.log('  init throughput done');
    const cpu = await cpuPerRequest(
      { ours: { pid: ours.workerdPid, load: initLoad(ours) }, skeleton: { pid: skel.workerdPid, load: initLoad(skel) } },
      { amount: P.cpuRequests, connections: 4, settleMs: 6_000, rounds: P.cpuRounds },
    );
    console.log('  CPU done');

    // Pay links of payments awaiting payment, one per Worker.
    const payId = async (t: Target) =>
      ((await (await post(`${t.url}/api/v1/init-payment`, auth, shopBody(`link-${runId}`))).json()) as { id: string }).id;
    const link = (t: Target, id: string | null): Load => ({
      url: `${t.url}/integration/pay${id ? `?id=${id}` : ''}`,
      followRedirect: false,
    });
    const payLink = await throughput(
      {
        ours: link(ours, await payId(ours)),
        'skeleton DO read + 302': link(skel, await payId(skel)),
        'bare 302': link(bare, null),
        'bare 302 + assets': link(bareAssets, null),
      },
      { seconds: P.seconds, connections: CONNECTIONS, rounds: P.rounds, expect: '3xx' },
    );
    console.log('  pay link done');

    const postbacks = await postbackLatency({
      worker: ours.url,
      token: creds.token,
      banskySecret: secrets.BANSKY_POSTBACK_SECRET,
      webhookSecret: creds.webhookSecret,
      samples: P.postbacks,
      runId,
    });
    console.log('  postbacks done');
    const memory = { ours: memoryKiB(ours.workerdPid), 'bare 302': memoryKiB(bare.workerdPid), skeleton: memoryKiB(skel.workerdPid) };
    // Payments each init-taking Worker created (latency samples, throughput, CPU rounds, the pay link's).
    const created = (n: 'ours' | 'skeleton') => P.samples + initTput[n]!.total + P.cpuRequests * P.cpuRounds + 1;
    const payments = { ours: created('ours'), skeleton: created('skeleton') };
    // Every operation's CPU, after the timed loads and the memory reading (its payments are not counted in the growth per payment).
    const cpuByOperation = await cpuPerOperation({
      ours,
      skel,
      token: creds.token,
      banskySecret: secrets.BANSKY_POSTBACK_SECRET,
      webhookSecret: creds.webhookSecret,
      runId,
      requests: P.cpuRequests,
      init: cpu,
    });
    console.log('  CPU per operation done');
    await stopAll(); // bundling is CPU-heavy: nothing is measured while it runs
    const bundles = {
      ours: bundle(join(root, 'wrangler.toml')),
      'bare 302': bundle(baseline('bare-302')),
      skeleton: bundle(baseline('skeleton')),
    };

    const raw = {
      costs,
      scale,
      latency,
      initThroughput: initTput,
      cpu,
      cpuByOperation,
      payLink,
      postbacks,
      memory,
      idleMemory,
      payments,
      bundles: Object.fromEntries(Object.entries(bundles).map(([k, b]) => [k, { raw: b.raw, gzip: b.gzip, top: b.inputs.slice(0, 10) }])),
    };
    const figures = buildFigures(raw);
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${table(figures)}\n`);
    console.log(`${cpuTable(cpuByOperation)}\n`);
    console.log(
      `Context: init p50 direct to the sandbox ${latency.direct!.p50.toFixed(2)} ms, through a pass-through Worker ${latency.passthrough!.p50.toFixed(2)} ms.`,
    );
    console.log(`Run took ${seconds.toFixed(0)} s; load average now ${loadAverage()}.`);
    const file = save(
      join(root, 'bench/results'),
      { at: new Date().toISOString(), quick, timedOnly, node: process.version, loadAverage: loadAverage(), seconds, params: P },
      figures,
      raw,
    );
    console.log(`Saved ${file.slice(root.length + 1)}`);
  } finally {
    await stopAll();
  }
}

await main();
