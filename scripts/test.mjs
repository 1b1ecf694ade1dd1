#!/usr/bin/env node
// `npm test`: every check, in order.
//   prerequisites (.ci/setup.d/*.sh) →
//   spec lint → biome (lint + format) → knip (unused files, exports, dependencies) → type-check
//   → generated/ is fresh
//   → the chaos run's short form (`npm run chaos -- --short`: fails on anything lost, an
//     unexplained duplicate or a failed expectation; table in test-artifacts/chaos/)
//   → schemathesis contract tests (when contract-tests/run.mjs exists)
//   → the client matrix (`npm run test:clients`: five generators, a real payment each)
//   → vitest (workerd + node projects), last so its count line closes the log
//
// The log is quiet: each step's whole output goes to test-artifacts/steps/<n>-<step>.log and the
// log gets one line per step (time and what was checked). A failing step's output (its tail, or
// vitest's failure details) is printed under its line. The steps after a failure still run, so the
// log always ends with the count line `vitest: N passed, N failed, N skipped`, and the exit code is
// non-zero when any step failed.
//
// The one-line summaries avoid the shape of a test runner's summary ("0 passed", "no tests ran",
// "=== No issues found ===") on purpose: CI reads the closing lines to count tests, and only
// vitest's line is a count of tests.
//
// Pass-through: `npm test -- --only vitest` runs the steps whose name starts with that.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const bin = (n) => join(root, 'node_modules', '.bin', n);
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(root, '.wrangler', 'config'),
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

const ARTIFACTS = join(root, 'test-artifacts');
const STEP_LOGS = join(ARTIFACTS, 'steps');
const VITEST_JSON = join(ARTIFACTS, 'vitest.json');
const CHAOS_JSON = join(ARTIFACTS, 'chaos', 'latest-short.json');
const CONTRACT_SUMMARY = join(root, 'contract-tests', 'reports', 'summary.json');
/** Lines of a failing step's output printed into the log (the whole output stays in its file). */
const TAIL_LINES = 60;

// System packages the tests need (Chromium, php-cli, the BigQuery emulator): each script is
// idempotent and returns at once when its thing is installed, so a fresh machine needs nothing
// but `npm install && npm test` (apt needs root, as on CI).
const setupScripts = existsSync(join(root, '.ci', 'setup.d'))
  ? readdirSync(join(root, '.ci', 'setup.d'))
      .filter((f) => f.endsWith('.sh'))
      .sort()
  : [];

/**
 * A step: its name, the command, and `summary(output)` → the words after its name on its line.
 * `failure(output)` picks what of a failing step's output is printed (default: the tail).
 */
const steps = [
  ...setupScripts.map((f) => ({ name: `prerequisites: ${f}`, cmd: 'bash', args: [join('.ci', 'setup.d', f)] })),
  {
    name: 'spec lint',
    cmd: bin('redocly'),
    args: ['lint', 'openapi.yaml', '--format=stylish'],
    summary: (out) => `openapi.yaml valid, ${plural(Number(/You have (\d+) warnings?/.exec(out)?.[1] ?? 0), 'warning')}`,
  },
  {
    name: 'biome (lint + format)',
    cmd: bin('biome'),
    args: ['check'],
    summary: (out) => `${/Checked (\d+) files?/.exec(out)?.[1] ?? '?'} files clean`,
  },
  { name: 'knip (unused files, exports, dependencies)', cmd: bin('knip'), args: [], summary: () => 'nothing unused' },
  { name: 'type-check (Worker)', cmd: bin('tsc'), args: ['--noEmit'], summary: () => 'no type errors' },
  { name: 'type-check (Node side)', cmd: bin('tsc'), args: ['--noEmit', '-p', 'tsconfig.node.json'], summary: () => 'no type errors' },
  { name: 'generated is fresh', cmd: process.execPath, args: ['scripts/check-generated.mjs'], summary: () => 'matches openapi.yaml' },
  // Bounded (≈3 min, 5 at most), loopback only: its own wrangler dev, sandbox, BigQuery emulator and
  // shops on free ports, in a process group of its own that dies with it.
  {
    name: 'chaos run (--short)',
    cmd: 'npm',
    args: ['run', '--silent', 'chaos', '--', '--short'],
    before: () => rmSync(CHAOS_JSON, { force: true }),
    summary: chaosSummary,
    // The table and the verdict are what explain a failure; they close the run's output.
    failure: (out) => out.split('\n').slice(-TAIL_LINES).join('\n'),
  },
];
if (existsSync(join(root, 'contract-tests', 'run.mjs'))) {
  steps.push({
    name: 'contract tests (schemathesis)',
    cmd: process.execPath,
    args: ['contract-tests/run.mjs'],
    before: () => rmSync(CONTRACT_SUMMARY, { force: true }),
    summary: contractSummary,
  });
}
// The client matrix: five mainstream generators build clients from the served /openapi.json and pay
// with them (client-matrix/README.md). Its table stays in the step's file; the log gets the counts.
if (existsSync(join(root, 'client-matrix', 'run.ts'))) {
  steps.push({
    name: 'client matrix (generated clients)',
    cmd: 'npm',
    args: ['run', '--silent', 'test:clients'],
    summary: (out) => {
      const m = /client matrix: (\d+) generators, (\d+) checks passed, (\d+) failed/.exec(out);
      return m ? `${m[1]} generators, ${m[2]} checks ok${m[3] !== '0' ? `, ${m[3]} not ok` : ''}` : 'no summary written';
    },
  });
}
// vitest last: the JSON report gives the closing count line; the default reporter's output (with
// each failure's details) goes to the step's file, and its failure section into the log.
steps.push({
  name: 'vitest',
  cmd: bin('vitest'),
  args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`],
  before: () => rmSync(VITEST_JSON, { force: true }),
  summary: () => {
    const r = vitestCounts();
    return r ? `${r.files} files` : 'no report written';
  },
  failure: vitestFailures,
});

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const selected = steps.filter((s) => !only || s.name.startsWith(only));
mkdirSync(STEP_LOGS, { recursive: true });
const failed = [];
for (const step of selected) {
  const i = steps.indexOf(step);
  const file = join(STEP_LOGS, `${String(i + 1).padStart(2, '0')}-${step.name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}.log`);
  step.before?.();
  const started = Date.now();
  const code = await run(step, file);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const out = readFileSync(file, 'utf8');
  let words = '';
  try {
    words = step.summary?.(out) ?? '';
  } catch (err) {
    words = `(summary unreadable: ${err.message})`;
  }
  const where = file.slice(root.length + 1);
  if (code === 0) {
    console.log(`✓ ${step.name} (${secs}s)${words ? `: ${words}` : ''}`);
  } else {
    failed.push(step.name);
    // No summary words here: they describe a passing step ("362 files clean" over a failed check misleads).
    console.log(`✗ ${step.name} FAILED (${secs}s, exit ${code}); whole output in ${where}`);
    const shown = stripVTControlCharacters((step.failure ?? tail)(out)).replace(/\n+$/, '');
    console.log(shown.replace(/^/gm, '  │ '));
  }
}
if (failed.length) console.log(`${plural(failed.length, 'step')} of ${selected.length} failed: ${failed.join(', ')}`);
// The closing line: the number of tests, in the plain form CI and people both read.
const counts = selected.some((s) => s.name === 'vitest') ? vitestCounts() : null;
if (counts) console.log(`vitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failed.length ? 1 : 0);

/** Runs a step with stdout and stderr into `file`; resolves with its exit code. */
function run(step, file) {
  return new Promise((resolvePromise) => {
    const out = createWriteStream(file);
    out.write(`$ ${[step.cmd, ...step.args].join(' ')}\n`);
    const child = spawn(step.cmd, step.args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    // Ctrl-C reaches the step through the terminal's process group; we only wait for it.
    child.on('error', (err) => out.write(`\n${err.message}\n`));
    child.on('close', (code, signal) => out.end(() => resolvePromise(code ?? (signal ? 1 : 0))));
  });
}

function tail(out) {
  return out.split('\n').slice(-TAIL_LINES).join('\n');
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function vitestCounts() {
  if (!existsSync(VITEST_JSON)) return null;
  const r = JSON.parse(readFileSync(VITEST_JSON, 'utf8'));
  return {
    passed: r.numPassedTests ?? 0,
    failed: r.numFailedTests ?? 0,
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
    files: (r.testResults ?? []).length,
  };
}

/** vitest's own failure section ("Failed Tests", "Unhandled Errors") up to its summary, else the tail. */
function vitestFailures(out) {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => /⎯ (Failed Tests|Failed Suites|Unhandled Errors?) \d*/.test(l));
  if (start === -1) return tail(out);
  const end = lines.findIndex((l, i) => i > start && /^\s*Test Files\s/.test(l));
  const section = lines.slice(start, end === -1 ? undefined : end);
  const MAX = 400;
  return section.length > MAX
    ? [...section.slice(0, MAX), `… ${section.length - MAX} more lines in the step's file`].join('\n')
    : section.join('\n');
}

function chaosSummary() {
  if (!existsSync(CHAOS_JSON)) return 'no table written';
  const r = JSON.parse(readFileSync(CHAOS_JSON, 'utf8'));
  const sum = (k) => r.lines.reduce((a, l) => a + (l[k] ?? 0), 0);
  const verdict = r.verdict ? `, ${r.verdict}` : '';
  return `${plural(r.lines.length, 'scenario line')}, ${sum('tried')} tried, ${sum('lost')} lost, ${sum('unexplained')} unexplained duplicates${verdict}`;
}

function contractSummary() {
  if (!existsSync(CONTRACT_SUMMARY)) return 'no summary written';
  const s = JSON.parse(readFileSync(CONTRACT_SUMMARY, 'utf8'));
  const issues = s.main.issues + s.forgedSignatures.issues;
  return (
    `${s.main.operations} operations checked with ${s.main.requests} requests` +
    ` and ${s.forgedSignatures.requests} forged-signature postbacks, ${plural(issues, 'issue')} (seed ${s.seed})`
  );
}
