/**
 * `npm run chaos [-- --short]`: AimbrellaPay under faults, on loopback, bounded. The Worker runs
 * under wrangler dev on a fresh state folder (as `npm start` runs it), next to the Bansky sandbox
 * and a recording shop server; schedules are shortened through the Worker's vars only. Prints one
 * table — tried, succeeded, lost, duplicated, explained — a line per scenario, writes it as JSON
 * under test-artifacts/chaos/, and exits 1 when a line shows anything lost, an unexplained
 * duplicate or a failed expectation. Scenarios and what each line means: docs/internal/runbook.md.
 *
 * Order: scenario 1 on the first Worker, then 2 (SIGKILL, restart on the same state with a 60 s
 * pay link); on the restarted Worker 6 starts at once (it waits for link expiry), then 5, 2's
 * checks, 3 and 4, and the checks that wait for expiry or dead-lettering come last.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAverage } from '../../bench/stats.ts';
import { freePort } from '../lib/ports.mjs';
import { startBanskyProxy } from './bansky-proxy.ts';
import { type Ctx, PAY_LINK_TTL_SECONDS, type Params, SANDBOX, secs, undocumented5xx, WORKER_VARS } from './common.ts';
import { inOwnGroup, supervise } from './group.ts';
import { Api, createShop, pool, type RunningWorker, StatusLog, startChaosWorker, startSandbox } from './harness.ts';
import { startProbes } from './probe.ts';
import { type Line, lineOk, lineOnTime, save, table } from './report.ts';
import { loadScenario } from './s1-load.ts';
import {
  cleanRestartBefore,
  cleanRestartLine,
  restartBefore,
  restartHalfStarted,
  restartPostbacks,
  restartPostbacksAtDeadline,
  restartReadable,
} from './s2-restart.ts';
import { outageScenario } from './s3-outage.ts';
import { isolationFinish, isolationScenario } from './s4-isolation.ts';
import { faultsLines, faultsScenario } from './s5-faults.ts';
import { reconcileLines, reconcileStart } from './s6-reconcile.ts';
import { banskyDownScenario } from './s8-bansky-down.ts';
import { ANALYTICS, analyticsLine, startChaosBigQuery } from './s9-analytics.ts';
import { startChaosShops } from './shop.ts';

const root = resolve(import.meta.dirname, '..', '..');
const short = process.argv.includes('--short');
const keepState = process.argv.includes('--keep-state');
/** The whole run's ceiling (the brief: ≤ 2 min short, ≤ 6 min full, with headroom for a slow machine). */
const LIMIT_S = short ? 300 : 600;

const P: Params = short
  ? {
      short,
      inits: 300,
      concurrency: 50,
      loadShops: 3,
      restartRetrying: 10,
      restartDead: 3,
      restartLoadMs: 1200,
      outagePayments: 8,
      outageDownMs: 7000,
      isolationB: 8,
      isolationA: 5,
      perFault: 1,
      reconcile: 4,
      reconcileControls: 1,
    }
  : {
      short,
      inits: 2000,
      concurrency: 50,
      loadShops: 4,
      restartRetrying: 30,
      restartDead: 6,
      restartLoadMs: 2500,
      outagePayments: 30,
      outageDownMs: 15_000,
      isolationB: 20,
      isolationA: 25,
      perFault: 3,
      reconcile: 10,
      reconcileControls: 3,
    };

const SHOPS = (p: Params) => [
  ...Array.from({ length: p.loadShops }, (_, i) => `load${i}`),
  'restart',
  'outage',
  'iso-a',
  'iso-b',
  'faults',
  'recon',
  'bansky',
];

let log = (line: string) => console.log(line);
/** The step the run is in, named when something throws: which line failed and why. */
let phase = 'starting';

/** Cores and the 1-minute load: a run on a machine busier than its cores can say "inconclusive". */
function machine(): { cores: number; load1: number; text: string } {
  const cores = availableParallelism();
  const load1 = Number(loadAverage().split(' ')[0]);
  return { cores, load1, text: `load average ${loadAverage()} on ${cores} cores` };
}

async function main(): Promise<number> {
  const started = Date.now();
  log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  const step = (name: string) => {
    phase = name;
    log(name);
  };
  console.log(
    `AimbrellaPay chaos run${short ? ' (--short)' : ''} — ${new Date().toISOString()}, node ${process.version}, ${machine().text}`,
  );
  const artifacts = join(root, 'test-artifacts', 'chaos');
  mkdirSync(artifacts, { recursive: true });
  const logFile = join(artifacts, `worker${short ? '-short' : ''}.log`);
  rmSync(logFile, { force: true });
  const stateDir = mkdtempSync(join(tmpdir(), 'apay-chaos-'));
  const [sandbox, bigquery] = await Promise.all([startSandbox(SANDBOX), startChaosBigQuery()]);
  const proxy = await startBanskyProxy(sandbox.url);
  const shops = await startChaosShops();
  const port = await freePort();
  const statuses = new StatusLog();
  let worker: RunningWorker | null = null;
  let probes: ReturnType<typeof startProbes> | null = null;
  const lines: Line[] = [];
  // Bounded whatever happens: past the limit the run stops (code 2) and its group is killed.
  const watchdog = setTimeout(() => {
    console.error(`chaos run FAILED: over ${LIMIT_S} s in "${phase}", giving up (${machine().text})`);
    if (lines.length) console.log(`\nlines finished before that:\n${table(lines)}`);
    void (worker as RunningWorker | null)
      ?.stop()
      .catch(() => {})
      .finally(() => process.exit(2));
  }, LIMIT_S * 1000);
  const analyticsVars: Record<string, string> =
    'url' in bigquery
      ? {
          BIGQUERY_BASE_URL: bigquery.url,
          BIGQUERY_PROJECT: ANALYTICS.project,
          BIGQUERY_DATASET: ANALYTICS.dataset,
          BIGQUERY_RETRY_MAX_SECONDS: '2',
        }
      : {};
  try {
    const vars = { ...WORKER_VARS, ...analyticsVars, BANSKY_TEST_BASE_URL: proxy.url };
    worker = await startChaosWorker({ port, stateDir, vars, logFile, label: 'first start' });
    const api = new Api(worker.url, statuses);
    const creds = Object.fromEntries(await Promise.all(SHOPS(P).map(async (n) => [n, await createShop(worker!.url, n)] as const)));
    for (const c of Object.values(creds)) shops.addShop(c.name, c.webhookSecret);
    probes = startProbes(() => api.url, creds.load0!);
    const ctx: Ctx = { P, api, sandbox, shops, statuses, creds, runId: Date.now().toString(36), log, probes };
    log(
      `Worker on ${worker.url} (state ${stateDir}), sandbox ${sandbox.url} (through a relay at ${proxy.url}), shops ${shops.url}, ` +
        `BigQuery ${'url' in bigquery ? bigquery.url : `absent (${bigquery.reason})`}; ${Object.keys(creds).length} shops onboarded`,
    );

    step('1: load with reused ids');
    const load = await loadScenario(ctx);
    lines.push(load.line);

    step('2: SIGKILL mid-load, during postback deliveries');
    const restartVars = { ...vars, PAY_LINK_TTL_SECONDS: String(PAY_LINK_TTL_SECONDS) };
    const restart = await restartBefore(ctx, worker, async () => {
      worker = await startChaosWorker({ port, stateDir, vars: restartVars, logFile, label: 'restart after SIGKILL' });
    });
    log(`  restarted (${worker!.url})`);
    const atDeadline = restartPostbacksAtDeadline(ctx, restart); // sleeps until one retry interval + grace after the restart
    step('6: Bansky postbacks lost (waits for the pay links to expire)');
    const recon = await reconcileStart(ctx);
    step('5: Bansky faults');
    const faults = await faultsScenario(ctx);
    phase = '2a: every tried id after the restart';
    const s2a = await restartReadable(ctx, restart, load.payments);
    const s2deadline = await atDeadline;
    step('3: shop endpoint down, then up');
    const outage = await outageScenario(ctx);
    step('4: one shop hanging, another on time');
    const isolation = await isolationScenario(ctx);
    step('2c: clean stop (SIGINT) and restart');
    const clean = await cleanRestartBefore(ctx, async () => {
      await worker!.stop();
      worker = await startChaosWorker({ port, stateDir, vars: restartVars, logFile, label: 'restart after SIGINT' });
    });
    step('waiting for expiries, reconciliations and dead-letters');
    const [s2aEnd, s2b, s2c, s4, s5, s6] = await Promise.all([
      restartHalfStarted(ctx, restart, s2a),
      restartPostbacks(ctx, restart, s2deadline),
      cleanRestartLine(ctx, clean),
      isolationFinish(ctx, isolation),
      faultsLines(ctx, faults),
      reconcileLines(ctx, recon),
    ]);
    // Bansky refusing and then slow comes after every other line has settled: its relay slows
    // every call to Bansky, so the status checks lines 5 and 6 wait for at pay-link expiry would
    // time out inside its window and those payments would expire instead of being found paid.
    step('8: Bansky unreachable, then slow');
    const banskyDown = await banskyDownScenario(ctx, proxy);
    lines.push(s2aEnd, s2b, s2c, outage, s4, ...s5, ...s6, ...banskyDown);
    step("the shop's view, Bansky's ledger and the analytics");
    lines.push(await probes.line());
    lines.push(await ledgerLine(ctx));
    lines.push(await analyticsLine(ctx, bigquery));

    const seconds = (Date.now() - started) / 1000;
    console.log(`\n${table(lines)}\n`);
    const ok = lines.every(lineOk);
    const onTime = lines.every(lineOnTime);
    const m = machine();
    const loaded = m.load1 > m.cores;
    // Inconclusive, not failed: the machine is busier than its cores and every failure is a
    // documented timeout (Bansky's or ours) with nothing lost and nothing duplicated unexplained.
    const inconclusive = !ok && loaded && lines.filter((l) => !lineOk(l)).every((l) => l.onlyTimeouts === true);
    const verdict = inconclusive
      ? 'INCONCLUSIVE: nothing lost, no unexplained duplicate; the only failures are documented timeouts on a machine busier than its cores.'
      : !ok
        ? 'FAILED: see the lines below (docs/internal/runbook.md, "Chaos run").'
        : !onTime
          ? `Nothing lost, no unexplained duplicate; some lines LATE${short ? ' (reported, not failing the short run: machine load can cause it)' : ''}.`
          : 'Every line: 0 lost, 0 unexplained duplicates, every expectation held, on time.';
    console.log(`Run took ${seconds.toFixed(0)} s; ${m.text}${loaded ? ' (busier than its cores)' : ''}. ${verdict}`);
    for (const l of lines.filter((x) => !lineOk(x)))
      console.log(
        `  ${inconclusive ? 'timed out' : 'FAILED'} line "${l.scenario}": ${[l.lost ? `${l.lost} lost` : '', l.duplicated - l.explained ? `${l.duplicated - l.explained} unexplained duplicates` : '', ...l.failed].filter(Boolean).join('; ')}`,
      );
    const file = save(
      artifacts,
      {
        at: new Date().toISOString(),
        short,
        seconds,
        node: process.version,
        machine: m,
        verdict: inconclusive ? 'inconclusive' : !ok ? 'failed' : onTime ? 'passed' : 'passed, some late',
        params: P,
        workerVars: WORKER_VARS,
        payLinkTtlAfterRestart: PAY_LINK_TTL_SECONDS,
        sandbox: SANDBOX,
      },
      lines,
    );
    console.log(`Saved ${file.slice(root.length + 1)}; the Worker's log is ${logFile.slice(root.length + 1)}`);
    return (ok || inconclusive) && (onTime || short) ? 0 : 1;
  } catch (err) {
    // A step that could not go on: say which, why, and what had finished.
    console.error(`\nchaos run FAILED in "${phase}": ${err instanceof Error ? (err.stack ?? err.message) : err}`);
    if (lines.length) console.log(`\nlines finished before that:\n${table(lines)}`);
    console.log(`${machine().text}; the Worker's log is ${logFile.slice(root.length + 1)}`);
    return 2;
  } finally {
    const t = Date.now();
    await probes?.line().catch(() => {});
    await (worker as RunningWorker | null)?.stop().catch(() => {});
    await Promise.race([
      Promise.all([shops.close(), proxy.close(), sandbox.close(), 'stop' in bigquery ? bigquery.stop() : undefined]),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
    if (!keepState) rmSync(stateDir, { recursive: true, force: true });
    clearTimeout(watchdog);
    log(`stopped in ${secs(Date.now() - t)}`);
  }
}

/**
 * Bansky's ledger against ours: every checkout session the sandbox opened in the whole run, whoever
 * asked, must be a payment we can read — else money could move on a page we have forgotten.
 */
async function ledgerLine(ctx: Ctx): Promise<Line> {
  const ledger = await ctx.sandbox.ledger();
  const ids = [...new Set(ledger.sessions.map((x) => x.paymentId))];
  const unknown = (await pool(ids, 20, async (id) => ((await ctx.api.adminPayment('ledger', id).catch(() => null)) ? null : id))).filter(
    (x): x is string => x !== null,
  );
  const paid = ledger.sessions.filter((x) => x.outcome === 'paid').length;
  return {
    scenario: "0 Bansky's ledger: every checkout session is a payment we know",
    tried: ledger.sessions.length,
    succeeded: ledger.sessions.length - ledger.sessions.filter((x) => unknown.includes(x.paymentId)).length,
    lost: unknown.length,
    duplicated: 0,
    explained: 0,
    failed: undocumented5xx(ctx, 'ledger'),
    notes: `${ledger.sessions.length} checkout sessions for ${ids.length} payments (${paid} paid at Bansky), read back through the admin API${unknown.length ? `; unknown: ${unknown.slice(0, 3).join(', ')}` : ''}`,
  };
}

// The run's processes live in a group of their own, killed on every exit path (group.ts).
if (!inOwnGroup()) await supervise();
const code = await main().catch((err) => {
  console.error(`chaos run FAILED in "${phase}": ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  return 2;
});
// Keep-alive sockets to the stopped Worker must not hold the run open.
process.exit(code);
