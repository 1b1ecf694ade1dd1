/**
 * `npm start` on a fresh machine: the BigQuery emulator is built with Go (10–15 minutes on a cold
 * Go cache) through the same idempotent script CI uses (.ci/setup.d/20-bigquery-emulator.sh), in
 * the background: the Worker, the sandbox and the demo shop answer meanwhile, and the Worker's
 * analytics events wait on the queue until the emulator is up. The build's output goes to a file;
 * what people see is one progress line. APAY_BIGQUERY_BUILD=off skips the build.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBigQueryEmulator } from './bigquery-emulator.mjs';

const SCRIPT = join(import.meta.dirname, '..', '..', '.ci', 'setup.d', '20-bigquery-emulator.sh');

function goIsInstalled(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether `npm start` can build the emulator here (Go present, build not switched off). */
export function canBuildBigQueryEmulator(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.APAY_BIGQUERY_BUILD !== 'off' && goIsInstalled();
}

export interface EmulatorBuild {
  /** Resolves true once the binary is installed, false when the build failed or was stopped. */
  done: Promise<boolean>;
  /** Stops the build (its whole process group: go spawns compilers); the Go cache keeps the progress. */
  stop(): Promise<void>;
}

/**
 * Starts the build and returns at once. `progress` gets the one progress line, replaced as the
 * build goes on (phase, packages compiled of the total, minutes); `log` gets the lines that stay:
 * the outcome, and on failure the end of the build's output. The whole output is in `logFile`.
 */
export function buildBigQueryEmulatorInBackground(opts: {
  logFile: string;
  progress: (line: string) => void;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}): EmulatorBuild {
  const { progress, log } = opts;
  const started = Date.now();
  const file = createWriteStream(opts.logFile);
  // detached: its own process group, so stop() reaches go and its compilers too.
  const child: ChildProcess = spawn('bash', [SCRIPT], {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let phase = 'starting';
  let total = 0;
  let built = 0;
  const minutes = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
  };
  const show = () =>
    progress(
      `BigQuery emulator: building in the background (first start only) — ${
        phase === 'compiling' ? `compiled ${built} of ${total} packages` : phase
      }, ${minutes()}`,
    );
  let rest = '';
  const onData = (chunk: Buffer) => {
    file.write(chunk);
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const compiling = /^phase: compiling (\d+) packages/.exec(line);
      if (compiling) {
        phase = 'compiling';
        total = Number(compiling[1]);
      } else if (line.startsWith('phase: downloading modules')) phase = 'downloading Go modules';
      else if (line.startsWith('another build')) phase = 'waiting for another build of it';
      else if (line.startsWith('built: ')) built = Math.min(total || Number.POSITIVE_INFINITY, built + 1);
      else continue;
      show();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  show();
  const heartbeat = setInterval(show, 5_000);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
  let stopped = false;
  const done = exited.then(async (code) => {
    clearInterval(heartbeat);
    await new Promise<void>((resolve) => file.end(resolve));
    progress('');
    if (stopped) return false;
    if (code === 0 && findBigQueryEmulator().path) {
      log(`BigQuery emulator built in ${minutes()}; starting it (later starts skip the build).`);
      return true;
    }
    const tail = readFileSync(opts.logFile, 'utf8').trim().split('\n').slice(-8);
    log(`BigQuery emulator build failed (exit ${code}); analytics events stay queued. Last lines of ${opts.logFile}:`);
    for (const line of tail) log(`  ${line}`);
    log('To retry: bash .ci/setup.d/20-bigquery-emulator.sh, then restart npm start.');
    return false;
  });
  return {
    done,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopped = true;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5_000);
      await done;
      clearTimeout(timer);
    },
  };
}
