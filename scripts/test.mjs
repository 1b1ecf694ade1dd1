#!/usr/bin/env node
// `npm test`: every check, in order, stopping at the first failure so the cause is on screen.
//   prerequisites (.ci/setup.d/*.sh) →
//   spec lint → biome (lint + format) → knip (unused files, exports, dependencies) → type-check
//   → generated/ is fresh
//   → the chaos run's short form (`npm run chaos -- --short`: fails on anything lost, an
//     unexplained duplicate or a failed expectation; table in test-artifacts/chaos/)
//   → schemathesis contract tests (when contract-tests/run.mjs exists)
//   → vitest (workerd + node projects), last so its summary closes the log
// Pass-through: `npm test -- --only vitest` runs one step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (n) => join(root, 'node_modules', '.bin', n);
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(root, '.wrangler', 'config'),
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
};

const VITEST_JSON = join(root, 'test-artifacts', 'vitest.json');

// System packages the tests need (Chromium, php-cli, the BigQuery emulator): each script is
// idempotent and returns at once when its thing is installed, so a fresh machine needs nothing
// but `npm install && npm test` (apt needs root, as on CI).
const setupScripts = existsSync(join(root, '.ci', 'setup.d'))
  ? readdirSync(join(root, '.ci', 'setup.d'))
      .filter((f) => f.endsWith('.sh'))
      .sort()
  : [];

const steps = [
  ...setupScripts.map((f) => [`prerequisites: ${f}`, 'bash', [join('.ci', 'setup.d', f)]]),
  ['spec lint', bin('redocly'), ['lint', 'openapi.yaml', '--format=stylish']],
  ['biome (lint + format)', bin('biome'), ['check']],
  ['knip (unused files, exports, dependencies)', bin('knip'), []],
  ['type-check (Worker)', bin('tsc'), ['--noEmit']],
  ['type-check (Node side)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.node.json']],
  ['generated is fresh', process.execPath, ['scripts/check-generated.mjs']],
  // Bounded (≈2 min), loopback only: its own wrangler dev, sandbox and shops on free ports.
  ['chaos run (--short)', 'npm', ['run', '--silent', 'chaos', '--', '--short']],
];
if (existsSync(join(root, 'contract-tests', 'run.mjs'))) {
  steps.push(['contract tests (schemathesis)', process.execPath, ['contract-tests/run.mjs']]);
}
// vitest last: its own summary ("Test Files … / Tests …") is then the last block CI keeps of a long
// log (the chaos table and schemathesis' report used to push it out of the kept tail). The JSON
// report feeds the closing count lines; the default reporter is what people read.
steps.push(['vitest', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`]]);

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
let passed = 0;
for (const [name, cmd, args] of steps) {
  if (only && !name.startsWith(only)) continue;
  console.log(`\n── ${name} ──`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed (${secs}s)`);
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${name} (${secs}s)`);
  passed++;
}
console.log(`\nall ${passed} test steps passed`);
// One closing line with the number of tests, in the plain form CI and humans both read.
if (existsSync(VITEST_JSON) && (!only || 'vitest'.startsWith(only))) {
  const r = JSON.parse(readFileSync(VITEST_JSON, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  const files = r.testResults ?? [];
  const failedFiles = files.filter((f) => f.status === 'failed').length;
  // vitest's own summary form, then ours: the log's last lines say how many tests ran.
  console.log(` Test Files  ${failedFiles ? `${failedFiles} failed | ` : ''}${files.length - failedFiles} passed (${files.length})`);
  console.log(`      Tests  ${r.numFailedTests ? `${r.numFailedTests} failed | ` : ''}${r.numPassedTests} passed (${r.numTotalTests})`);
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
}
