#!/usr/bin/env node
// `npm start`: the Worker (http://localhost:8787), the Bansky sandbox (8788), the demo shop (8789)
// and the BigQuery emulator — on this machine, with no cloud account. On a first start the
// emulator is built with Go in the background (10–15 min on a cold Go cache) while the rest
// already answers; the Worker's analytics events wait on the queue and stream in once it is up.
// Plus Metabase, provisioned, when METABASE_URL or METABASE_JAR (Java 21+) is set.
// Env overrides: APAY_WORKER_PORT, APAY_SANDBOX_PORT, APAY_DEMO_SHOP_PORT, APAY_BIGQUERY_PORT,
// APAY_METABASE_PORT, APAY_STATE_DIR (default .wrangler/state), APAY_BIGQUERY=off,
// APAY_BIGQUERY_BUILD=off. Ctrl-C stops everything.
import { register } from 'tsx/esm/api';

register(); // the sandbox, the demo shop and the generated client are TypeScript
const { banner, startStack, stackOptionsFromEnv } = await import('./local/stack.ts');

// The emulator build's progress is one line: redrawn in place on a terminal (other lines are
// printed above it), printed at most once a minute otherwise (a log file, CI).
const tty = Boolean(process.stdout.isTTY);
let status = '';
let statusPrintedAt = 0;
const log = (line) => {
  if (tty && status) process.stdout.write('\r\x1b[2K');
  console.log(line);
  if (tty && status) process.stdout.write(status);
};
const progress = (line) => {
  if (tty) {
    process.stdout.write(`\r\x1b[2K${line}`);
    status = line;
  } else if (line && Date.now() - statusPrintedAt >= 60_000) {
    statusPrintedAt = Date.now();
    console.log(line);
  }
};
const options = { ...stackOptionsFromEnv(process.env, log), progress };
let stack;
let stopping = false;

async function shutdown(signal) {
  if (stopping) {
    console.log('Stopping forcefully.');
    process.exit(130);
  }
  stopping = true;
  if (!stack) return; // still starting: the start-up code below stops what it started
  console.log(`\n${signal}: stopping the demo shop, the Worker, the Bansky sandbox and the BigQuery emulator …`);
  await stack.stop();
  console.log('Stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  log('Starting AimbrellaPay locally …');
  stack = await startStack(options);
  if (stopping) {
    await stack.stop();
    console.log('Stopped (interrupted while starting).');
    process.exit(0);
  }
  for (const line of banner(stack)) log(line);
} catch (err) {
  console.error(`npm start failed: ${err?.message ?? err}`);
  if (err?.code === 'EADDRINUSE') console.error('A port is taken: is another `npm start` running? Ports can be set with APAY_*_PORT.');
  process.exit(1);
}
