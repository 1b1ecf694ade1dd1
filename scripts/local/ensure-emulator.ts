/**
 * `npm start` on a fresh machine: builds the BigQuery emulator when it is missing and Go is here,
 * through the same idempotent script CI uses (.ci/setup.d/20-bigquery-emulator.sh), showing its
 * output and a heartbeat while Go compiles (minutes on a cold cache). Once built, the binary is
 * found at once and nothing runs. APAY_BIGQUERY_BUILD=off skips the build.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { findBigQueryEmulator } from './bigquery-emulator.mjs';

const SCRIPT = join(import.meta.dirname, '..', '..', '.ci', 'setup.d', '20-bigquery-emulator.sh');
const HEARTBEAT_MS = 15_000;

function goIsInstalled(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves true once the emulator is installed. Without Go (or with the build switched off) it says
 * nothing and resolves false: the launcher then prints its one "not installed" line with the fix.
 */
export async function ensureBigQueryEmulator(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (findBigQueryEmulator().path) return true;
  if (env.APAY_BIGQUERY_BUILD === 'off' || !goIsInstalled()) return false;
  log('BigQuery emulator missing: building it now with Go (once; several minutes on a cold Go cache) …');
  const started = Date.now();
  const child = spawn('bash', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((line) => {
        log(`[emulator build] ${line}`);
      });
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const timer = setInterval(() => log(`[emulator build] still compiling … ${Math.round((Date.now() - started) / 1000)} s`), HEARTBEAT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(timer);
  if (code !== 0 || !findBigQueryEmulator().path) {
    log(`BigQuery emulator build failed (exit ${code}); to retry: bash .ci/setup.d/20-bigquery-emulator.sh`);
    return false;
  }
  log(`BigQuery emulator built in ${Math.round((Date.now() - started) / 1000)} s; later starts skip this.`);
  return true;
}
