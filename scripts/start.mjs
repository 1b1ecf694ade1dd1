#!/usr/bin/env node
// `npm start`: the Worker (http://localhost:8787), the Bansky sandbox (8788), the demo shop (8789)
// and the BigQuery emulator (built with Go on first start when missing) — on this machine, with no
// cloud account; plus Metabase, provisioned, when METABASE_URL or METABASE_JAR (Java 21+) is set.
// Env overrides: APAY_WORKER_PORT, APAY_SANDBOX_PORT, APAY_DEMO_SHOP_PORT, APAY_BIGQUERY_PORT,
// APAY_METABASE_PORT, APAY_STATE_DIR (default .wrangler/state), APAY_BIGQUERY=off,
// APAY_BIGQUERY_BUILD=off. Ctrl-C stops everything.
import { register } from 'tsx/esm/api';

register(); // the sandbox, the demo shop and the generated client are TypeScript
const { banner, startStack, stackOptionsFromEnv } = await import('./local/stack.ts');

const options = stackOptionsFromEnv(process.env, (line) => console.log(line));
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
  console.log('Starting AimbrellaPay locally (first start takes a few seconds) …');
  stack = await startStack(options);
  if (stopping) {
    await stack.stop();
    console.log('Stopped (interrupted while starting).');
    process.exit(0);
  }
  for (const line of banner(stack)) console.log(line);
} catch (err) {
  console.error(`npm start failed: ${err?.message ?? err}`);
  if (err?.code === 'EADDRINUSE') console.error('A port is taken: is another `npm start` running? Ports can be set with APAY_*_PORT.');
  process.exit(1);
}
