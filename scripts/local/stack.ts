/**
 * The whole system on one machine, as `npm start` runs it: the Worker under `wrangler dev`
 * (state persisted so the demo shop survives restarts), the Bansky sandbox, the demo shop and,
 * when installed, the BigQuery emulator. Tests start it on free ports with a fresh state folder.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from '../../generated/api/client/index.ts';
import { startBanskySandbox } from '../../sandbox/bansky/server.ts';
import { DEMO_PRODUCT, startDemoShop } from '../../sandbox/demo-shop/server.ts';
import { readDevVars } from '../lib/dev-vars.mjs';
import { freePort } from '../lib/ports.mjs';
import { startWorker } from '../lib/wrangler-dev.mjs';
import { type DemoCredentials, type DemoMember, ensureDemoMember, ensureDemoShop } from './demo-credentials.ts';
import { buildBigQueryEmulatorInBackground, canBuildBigQueryEmulator } from './ensure-emulator.ts';
import { startLocalMetabase } from './metabase.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface StackOptions {
  workerPort: number;
  sandboxPort: number;
  shopPort: number;
  bigqueryPort: number;
  /** false skips the BigQuery emulator even when it is installed. */
  bigquery: boolean;
  /** wrangler's --persist-to; the demo shop's credentials are kept in the same folder. */
  stateDir: string;
  log: (line: string) => void;
  /**
   * The one line that shows the emulator build's progress, replaced each time (npm start redraws
   * it in place on a terminal); '' clears it. Defaults to nothing shown.
   */
  progress?: (line: string) => void;
  /** Where METABASE_URL / METABASE_JAR / credentials are read; without it Metabase is not started (tests). */
  env?: NodeJS.ProcessEnv;
  /** Extra Worker vars (tests shorten timings with them). */
  workerVars?: Record<string, string>;
}

export interface Stack {
  workerUrl: string;
  sandboxUrl: string;
  shopUrl: string;
  /** The emulator's URL when it is running (or being built: the Worker streams into it once up), else null. */
  bigqueryUrl: string | null;
  /** Why the BigQuery emulator is not running (the line npm start printed), else null. */
  bigqueryNote: string | null;
  /** True when the emulator was missing and is being built in the background. */
  bigqueryBuilding: boolean;
  /** Resolves true once the emulator answers with its schema (at once when it was installed), false when it will not. */
  bigqueryReady: Promise<boolean>;
  /** Metabase when METABASE_URL or METABASE_JAR is set (scripts/local/metabase.ts), and what became of it. */
  metabaseUrl: string | null;
  metabaseNote: string;
  demo: DemoCredentials;
  demoShopCreated: boolean;
  /** The demo shop's member in the shop app and a one-time link to set (or reset) the password. */
  demoMember: DemoMember;
  stop(): Promise<void>;
}

/** Ports and folders, overridable by env (tests use free ports and a temporary state folder). */
export function stackOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, log = console.log): StackOptions {
  const port = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    workerPort: port('APAY_WORKER_PORT', 8787),
    sandboxPort: port('APAY_SANDBOX_PORT', 8788),
    shopPort: port('APAY_DEMO_SHOP_PORT', 8789),
    bigqueryPort: port('APAY_BIGQUERY_PORT', 9050),
    bigquery: env.APAY_BIGQUERY !== 'off',
    stateDir: resolve(env.APAY_STATE_DIR ?? join(repoRoot, '.wrangler', 'state')),
    log,
    env,
  };
}

/**
 * wrangler reads .dev.vars; a fresh clone has only the example with safe local values. A
 * .dev.vars from an older checkout gets the settings added since, so the Worker still starts.
 */
export function ensureDevVars(log: (line: string) => void, dir = repoRoot): Record<string, string> {
  const devVars = join(dir, '.dev.vars');
  const example = join(dir, '.dev.vars.example');
  if (!existsSync(devVars)) {
    copyFileSync(example, devVars);
    log('Created .dev.vars from .dev.vars.example (local values only).');
    return readDevVars(devVars);
  }
  const have = readDevVars(devVars);
  const missing = Object.entries(readDevVars(example)).filter(([key]) => !(key in have));
  if (missing.length > 0) {
    appendFileSync(devVars, `\n# Added by npm start from .dev.vars.example\n${missing.map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
    log(`Added ${missing.map(([k]) => k).join(', ')} to .dev.vars from .dev.vars.example.`);
  }
  return readDevVars(devVars);
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const { log } = opts;
  const secrets = ensureDevVars(log);
  mkdirSync(opts.stateDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log(`while stopping: ${(err as Error).message}`));
  };
  try {
    // BigQuery first, without waiting for it: when the emulator is installed it starts beside the
    // rest; when it is missing it is built in the background. Either way the Worker is pointed at
    // its fixed address from the start, and its analytics events wait on the queue until it answers.
    const bigquery = opts.bigquery
      ? await localBigQuery(opts, log)
      : {
          url: null,
          project: null,
          note: 'BigQuery emulator switched off (APAY_BIGQUERY=off).',
          building: false,
          ready: Promise.resolve(false),
          stop: async () => {},
        };
    stops.push(() => bigquery.stop());

    const sandbox = await startBanskySandbox({
      port: opts.sandboxPort,
      apiToken: secrets.BANSKY_API_TOKEN ?? '',
      postbackSecret: secrets.BANSKY_POSTBACK_SECRET ?? '',
      log: (line) => log(`[bansky-sandbox] ${line}`),
    });
    stops.push(() => sandbox.close());

    const metabase = await startLocalMetabase({ env: opts.env ?? {}, stateDir: opts.stateDir, log });
    stops.push(() => metabase.stop());

    const publicBaseUrl = `http://localhost:${opts.workerPort}`;
    let ready = false;
    const worker = await startWorker({
      port: opts.workerPort,
      persistTo: opts.stateDir,
      vars: {
        PUBLIC_BASE_URL: publicBaseUrl,
        BANSKY_TEST_BASE_URL: sandbox.url,
        ...(bigquery.url && bigquery.project
          ? {
              BIGQUERY_BASE_URL: bigquery.url,
              BIGQUERY_PROJECT: bigquery.project,
              BIGQUERY_RETRY_MAX_SECONDS: String(BIGQUERY_RETRY_MAX_SECONDS),
            }
          : {}),
        ...(metabase.url && metabase.embedSecret ? { METABASE_SITE_URL: metabase.url, METABASE_EMBED_SECRET: metabase.embedSecret } : {}),
        ...(metabase.dashboardId && metabase.dashboardId > 0 ? { METABASE_DASHBOARD_ID: String(metabase.dashboardId) } : {}),
        ...(opts.workerVars ?? {}),
      },
      // wrangler's start-up banner is noise here; request logs after start are useful.
      onLine: (line) => ready && log(`[worker] ${line}`),
    });
    ready = true;
    stops.push(() => worker.stop());

    const admin = createClient({ baseUrl: worker.url, auth: secrets.ADMIN_TOKEN });
    const { creds, created } = await ensureDemoShop(admin, join(opts.stateDir, 'demo-shop.json'), log);
    const demoMember = await ensureDemoMember(admin, creds.shopId);

    const shop = await startDemoShop({
      port: opts.shopPort,
      apiBaseUrl: publicBaseUrl,
      token: creds.token,
      webhookSecret: creds.webhookSecret,
      log: (line) => log(`[demo-shop] ${line}`),
    });
    stops.push(() => shop.close());
    // An installed emulator has been starting beside the rest (seconds): the banner shows it running.
    if (!bigquery.building) await bigquery.ready;

    return {
      workerUrl: publicBaseUrl,
      sandboxUrl: sandbox.url,
      shopUrl: shop.url,
      bigqueryUrl: bigquery.url,
      bigqueryNote: bigquery.note,
      bigqueryBuilding: bigquery.building,
      bigqueryReady: bigquery.ready,
      metabaseUrl: metabase.url,
      metabaseNote: metabase.note,
      demo: creds,
      demoShopCreated: created,
      demoMember,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * While the emulator is missing or being built, the Worker retries a queued row at least this often,
 * so events arrive within this many seconds of the emulator coming up. The queue's 100 tries then
 * last ≈ 30 minutes before a row is dead-lettered: twice the slowest cold build measured (15 min).
 */
const BIGQUERY_RETRY_MAX_SECONDS = 20;
const BIGQUERY_PROJECT = 'aimbrellapay-local'; // what `npm run stats` looks for by default

interface LocalBigQuery {
  /** Where the Worker streams to; null when there will be no emulator in this run. */
  url: string | null;
  project: string | null;
  note: string | null;
  /** True while the binary is being built (the emulator comes up later). */
  building: boolean;
  ready: Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The BigQuery emulator with the events table and views applied, its data kept beside the
 * Worker's state: started at once when installed, built first (in the background) when Go is
 * here, otherwise absent after one line saying why — BigQuery is optional locally, the payment
 * flow does not need it.
 */
async function localBigQuery(opts: StackOptions, log: (line: string) => void): Promise<LocalBigQuery> {
  const module = join(repoRoot, 'scripts', 'local', 'bigquery-emulator.mjs');
  if (!existsSync(module)) {
    const note = 'BigQuery emulator: launcher not in this checkout; analytics events stay queued.';
    log(note);
    return { url: null, project: null, note, building: false, ready: Promise.resolve(false), stop: async () => {} };
  }
  const { findBigQueryEmulator, startBigQueryEmulator } = (await import(
    pathToFileURL(module).href
  )) as typeof import('./bigquery-emulator.mjs');
  const found = findBigQueryEmulator();
  const env = opts.env ?? process.env;
  if (!found.path && !canBuildBigQueryEmulator(env)) {
    const note = found.reason ?? 'BigQuery emulator not installed';
    log(note);
    return { url: null, project: null, note, building: false, ready: Promise.resolve(false), stop: async () => {} };
  }
  const port = opts.bigqueryPort || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const state = { note: null as string | null, running: null as { stop(): Promise<void> } | null, stopped: false };
  const build = found.path
    ? null
    : buildBigQueryEmulatorInBackground({
        logFile: join(opts.stateDir, 'bigquery-emulator-build.log'),
        progress: opts.progress ?? (() => {}),
        log,
        env,
      });
  const start = async (): Promise<boolean> => {
    if (build && !(await build.done)) return false;
    if (state.stopped) return false;
    try {
      const running = await startBigQueryEmulator({
        port,
        project: BIGQUERY_PROJECT,
        dataset: 'aimbrellapay',
        databaseFile: join(opts.stateDir, 'bigquery.db'),
        log,
      });
      if (!running) return false;
      state.running = running;
      if (state.stopped) await running.stop();
      else if (build) log(`BigQuery emulator on ${url}: the queued analytics events stream into it now.`);
      return !state.stopped;
    } catch (err) {
      const why = (err as Error).message.replace(/\s*\n\s*/g, ' ').slice(0, 300);
      state.note = `BigQuery emulator did not start (${why}); analytics events stay queued.`;
      log(state.note);
      return false;
    }
  };
  const ready = start();
  return {
    url,
    project: BIGQUERY_PROJECT,
    get note() {
      return state.note;
    },
    building: build !== null,
    ready,
    async stop() {
      state.stopped = true;
      await build?.stop();
      await ready;
      await state.running?.stop();
    },
  };
}

/** What `npm start` prints once everything answers; the credential lines are matched by tests. */
export function banner(stack: Stack): string[] {
  const order = 'order-$(date +%s)';
  const body =
    `{"id":"'$ORDER'","email":"customer@example.com","amount":"${DEMO_PRODUCT.amount}","currency":"${DEMO_PRODUCT.currency}",` +
    `"successUrl":"${stack.shopUrl}/success?order='$ORDER'","errorUrl":"${stack.shopUrl}/error?order='$ORDER'",` +
    `"postbackUrl":"${stack.shopUrl}/postbacks"}`;
  return [
    '',
    'AimbrellaPay is running locally:',
    `  Worker (API, pay links, docs)  ${stack.workerUrl}   (docs: ${stack.workerUrl}/docs)`,
    `  Bansky sandbox                 ${stack.sandboxUrl}`,
    `  Demo shop                      ${stack.shopUrl}`,
    `  BigQuery emulator              ${bigqueryLine(stack)}`,
    `  Metabase                       ${stack.metabaseUrl ? `${stack.metabaseUrl}   (${stack.metabaseNote})` : stack.metabaseNote}`,
    '',
    stack.demoShopCreated
      ? `Created the demo shop ${stack.demo.shopId} (test mode).`
      : `Reusing the demo shop ${stack.demo.shopId} (test mode).`,
    `Demo shop token: ${stack.demo.token}`,
    `Demo shop webhook secret: ${stack.demo.webhookSecret}`,
    '',
    'Start a payment (paste into a shell; open the "url" it answers in a browser and click Pay):',
    `ORDER=${order}; curl -sS -X POST ${stack.workerUrl}/api/v1/init-payment -H 'Authorization: Bearer ${stack.demo.token}' -H 'Content-Type: application/json' -d '${body}'`,
    '',
    `Or open ${stack.shopUrl} and click Buy. Verified postbacks show on the demo shop's pages.`,
    '',
    `Shop app (payments, postbacks, tokens): ${stack.workerUrl}/app — the demo shop's member is ${stack.demoMember.email}.`,
    stack.demoMember.active
      ? `  Sign in at ${stack.workerUrl}/app/sign-in with the password you set. Forgot it? This one-time link sets a new one (72 h):`
      : '  Open this one-time link (valid 72 h) to set a password and sign in:',
    `  ${stack.demoMember.inviteUrl}`,
    'Operator CLI: npm run admin -- --help. Press Ctrl-C to stop everything.',
  ];
}

function bigqueryLine(stack: Stack): string {
  if (!stack.bigqueryUrl) return 'not running';
  if (stack.bigqueryBuilding) return `${stack.bigqueryUrl} once built (first start only; analytics events wait on the queue meanwhile)`;
  if (stack.bigqueryNote) return 'not running (see the line above)';
  return `${stack.bigqueryUrl}   (figures: npm run stats)`;
}
