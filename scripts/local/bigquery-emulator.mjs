// Starts goccy/bigquery-emulator (a real GoogleSQL engine behind the BigQuery REST API) for local
// runs and tests. Installed by .ci/setup.d/20-bigquery-emulator.sh into $(go env GOPATH)/bin.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { applySchema } from '../bq/schema.mjs';
import { createBigQueryClient } from '../bq/target.mjs';
import { freePort, waitForHttp } from '../lib/ports.mjs';

const BINARY = 'bigquery-emulator';
const INSTALL_HINT = 'bash .ci/setup.d/20-bigquery-emulator.sh';

/**
 * Where the binary is: $BIGQUERY_EMULATOR_BIN alone when set (the build script installs there
 * too), else Go's bin folder, then PATH.
 */
export function findBigQueryEmulator() {
  const candidates = [];
  if (process.env.BIGQUERY_EMULATOR_BIN) candidates.push(process.env.BIGQUERY_EMULATOR_BIN);
  else {
    candidates.push(join(goBinDir(), BINARY));
    for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, BINARY));
  }
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return { path };
    } catch {
      // not this one
    }
  }
  const where = process.env.BIGQUERY_EMULATOR_BIN ? process.env.BIGQUERY_EMULATOR_BIN : `${BINARY} in Go's bin folder or PATH`;
  return { reason: `BigQuery emulator not installed (no ${where}; install it with: ${INSTALL_HINT})` };
}

function goBinDir() {
  if (process.env.GOBIN) return process.env.GOBIN;
  try {
    return join(execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim().split(delimiter)[0], 'bin');
  } catch {
    return join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin');
  }
}

/**
 * Starts the emulator on `port` (a free one when omitted), in memory unless `databaseFile` is
 * given, and applies bigquery/ (events table + views) unless `withSchema` is false. Resolves
 * { url, port, stop() } once it answers, or null after printing one line saying why (binary
 * missing) — callers then run without BigQuery.
 */
export async function startBigQueryEmulator({ port, project, dataset, databaseFile, withSchema = true, log = console.warn } = {}) {
  if (!project || !dataset) throw new Error('startBigQueryEmulator needs { project, dataset }');
  const found = findBigQueryEmulator();
  if (!found.path) {
    log(found.reason);
    return null;
  }
  const restPort = port ?? (await freePort());
  const grpcPort = await freePort(); // the Storage API port; fixed defaults would clash between runs
  const args = [`--project=${project}`, `--dataset=${dataset}`, `--port=${restPort}`, `--grpc-port=${grpcPort}`, '--log-level=error'];
  if (databaseFile) args.push(`--database=${databaseFile}`);
  const child = spawn(found.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const collect = (chunk) => output.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${restPort}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/bigquery/v2/projects/${project}/datasets/${dataset}`, 60_000),
      exited.then((code) => {
        throw new Error(`bigquery-emulator exited (${code}) before it was ready:\n${output.slice(-20).join('\n')}`);
      }),
    ]);
    if (withSchema) await applySchema(createBigQueryClient({ project, dataset, baseUrl: url }), { project, dataset, location: 'US' });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    port: restPort,
    logs: () => output.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
