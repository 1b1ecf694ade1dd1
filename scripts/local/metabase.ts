/**
 * Metabase for `npm start`, when the user has one: METABASE_URL (a running instance), or
 * METABASE_JAR (started here with Java 21+, its data beside the Worker's state). Either way it is
 * provisioned (scripts/metabase/provision.ts). Local admin login and embedding secret are generated
 * once and kept in <state>/metabase.json. Without credentials for real BigQuery the cards are not
 * created: Metabase connects to BigQuery with a service account. (Its BigQuery driver has a `host`
 * option that could point it at the local emulator; that is untested here.) The Stats page's
 * built-in figures and charts read the emulator either way.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provision } from '../metabase/provision.ts';

export interface LocalMetabase {
  url: string | null;
  dashboardId: number | null;
  embedSecret: string | null;
  note: string;
  stop(): Promise<void>;
}

const none = (note: string): LocalMetabase => ({ url: null, dashboardId: null, embedSecret: null, note, stop: async () => {} });

function javaMajorVersion(): number | null {
  try {
    const out = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return parseJavaVersion(out);
  } catch (err) {
    const stderr = (err as { stderr?: Buffer | string }).stderr;
    return stderr ? parseJavaVersion(stderr.toString()) : null;
  }
}

/** `openjdk version "21.0.2"` → 21; `java version "1.8.0_381"` → 8. */
export function parseJavaVersion(text: string): number | null {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return null;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

function localSettings(stateDir: string): { email: string; password: string; embedSecret: string } {
  const file = join(stateDir, 'metabase.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const settings = {
    email: 'admin@aimbrellapay.local',
    password: `apay-${randomBytes(12).toString('hex')}1`,
    embedSecret: randomBytes(32).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(settings, null, 2), { mode: 0o600 });
  return settings;
}

async function waitForHealth(url: string, log: (line: string) => void, exited: Promise<unknown>, timeoutMs = 300_000): Promise<void> {
  const started = Date.now();
  let stop = false;
  void exited.then(() => {
    stop = true;
  });
  while (!stop && Date.now() - started < timeoutMs) {
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if ((Date.now() - started) % 15_000 < 1_000) log(`[metabase] starting … ${Math.round((Date.now() - started) / 1000)} s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(stop ? 'Metabase exited while starting' : 'Metabase did not answer /api/health in 5 minutes');
}

export async function startLocalMetabase(opts: {
  env: NodeJS.ProcessEnv;
  stateDir: string;
  log: (line: string) => void;
}): Promise<LocalMetabase> {
  const { env, log } = opts;
  let url = env.METABASE_URL?.replace(/\/+$/, '') ?? null;
  let stop = async () => {};
  if (!url && !env.METABASE_JAR) return none('not configured (set METABASE_URL, or METABASE_JAR with Java 21+)');
  mkdirSync(opts.stateDir, { recursive: true });
  const local = localSettings(opts.stateDir);
  if (!url) {
    const java = javaMajorVersion();
    if (!java || java < 21) return none(`METABASE_JAR is set but Java 21+ is needed (found ${java ?? 'no java'})`);
    const port = env.APAY_METABASE_PORT ?? '3000';
    url = `http://localhost:${port}`;
    const dataDir = join(opts.stateDir, 'metabase');
    mkdirSync(dataDir, { recursive: true });
    log(`Starting Metabase from ${env.METABASE_JAR} on ${url} (a minute or two) …`);
    const child = spawn('java', ['-jar', env.METABASE_JAR!], {
      cwd: dataDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...env, MB_JETTY_PORT: port, MB_DB_FILE: join(dataDir, 'metabase.db'), MB_CHECK_FOR_UPDATES: 'false' },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    stop = async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    };
    try {
      await waitForHealth(url, log, exited);
    } catch (err) {
      await stop();
      return none(`${(err as Error).message}`);
    }
  }
  const embedSecret = env.METABASE_EMBED_SECRET || local.embedSecret;
  try {
    const result = await provision(
      {
        url,
        credentials: env.METABASE_API_KEY
          ? { apiKey: env.METABASE_API_KEY }
          : { email: env.METABASE_ADMIN_EMAIL || local.email, password: env.METABASE_ADMIN_PASSWORD || local.password },
        embedSecret,
        bigQuery: {
          project: env.BIGQUERY_PROJECT || 'aimbrellapay-local',
          dataset: env.BIGQUERY_DATASET || 'aimbrellapay',
          serviceAccountJson: env.BIGQUERY_SERVICE_ACCOUNT_JSON || null,
        },
      },
      { log: (line) => log(`[metabase] ${line}`) },
    );
    const note = result.blocked ? `provisioned without cards: ${result.blocked}` : `provisioned, dashboard #${result.dashboardId}`;
    return { url, dashboardId: result.dashboardId, embedSecret, note, stop };
  } catch (err) {
    return { url, dashboardId: null, embedSecret: null, note: `provisioning failed: ${(err as Error).message}`, stop };
  }
}
