#!/usr/bin/env -S npx tsx
// The client matrix: clients generated from the served /openapi.json by five mainstream generators,
// each with its defaults and the exact commands of the docs, run a real payment against the Worker
// (wrangler dev) and the Bansky sandbox.
//
//   npm run test:clients                  every generator
//   npm run test:clients -- --only go     one of: hey-api, openapi-fetch, python, go, java
//   npm run test:clients -- --verbose     show every command's output, not only a failing one's
//
// Per generator: the docs' commands (docs/public/quick-start.md and generate-a-client.md, the
// `doc-test=` blocks, read here so they cannot drift) in a fresh folder → the shop program of
// client-matrix/programs/ type-checked or compiled against the generated client → run: it starts
// payments (numbers and a string), pays at the sandbox, verifies the postback with that language's
// Standard Webhooks library, reads, lists, resends, and meets a 400 and a 429 as typed errors; it
// prints one `check <name> ok|FAIL <why>` line per check. Tool downloads are cached by each tool
// (npm, pip, Go, Maven caches) and under .cache/clients/ (the Python venv); the projects are made in
// $TMPDIR/aimbrellapay-client-matrix/<generator> and kept until the next run (to look at a failure).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startBanskySandbox } from '../sandbox/bansky/server.ts';
import { freePort } from '../scripts/lib/ports.mjs';
import { startWorker } from '../scripts/lib/wrangler-dev.mjs';
import { sample } from '../test/node/docs.code-blocks.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PROGRAMS = join(import.meta.dirname, 'programs');
const CACHE = join(ROOT, '.cache', 'clients');
const argv = process.argv.slice(2);
const verbose = argv.includes('--verbose');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;

/** The checks every shop program reports, in the order of the table. */
const PROGRAM_CHECKS = [
  'number 1234567.89 EUR stored exactly',
  'number 19.99 USD stored exactly',
  'number 100 JPY stored exactly',
  'string 0.000000000000000001 ETH stored exactly',
  'paid at the sandbox, postback verified',
  'get → paid',
  'list with filters',
  'resend → postback verified again',
  '400 as a typed problem',
  '429 as a typed problem',
];

interface Generator {
  name: string;
  /** Commands run in the fresh project folder (docs blocks, verbatim). */
  generate: string[];
  /** Copies the shop program in and type-checks or compiles it. */
  build: string;
  /** Runs the shop program. */
  run: string;
  /** A folder of client-matrix/programs/ copied in too (code the programs of one language share). */
  shared?: string;
  /** Checks only this generator's program reports. */
  extraChecks?: string[];
  /** Environment for every command (a cached venv on PATH). */
  env?: () => Promise<Record<string, string>>;
}

const TSC =
  'npx --yes -p typescript@5.9.3 -- tsc --noEmit --strict --target es2022 --module preserve --moduleResolution bundler --allowImportingTsExtensions --skipLibCheck --types node';
const TS_SHOP_DEPS = 'npm install --silent --no-audit --no-fund --save-exact standardwebhooks@1.1.1 @types/node@20.19.9';

const GENERATORS: Generator[] = [
  {
    name: 'hey-api',
    // The quick start, verbatim, in an empty folder: generate, then its own init-payment sample.
    generate: [sample('generate-client').code, quickStartSample()],
    shared: 'ts-common',
    build: `${TS_SHOP_DEPS} && ${TSC} shop.mts`,
    run: 'npx --yes tsx@4.23.15 shop.mts',
  },
  {
    name: 'openapi-fetch',
    generate: [sample('client-openapi-fetch').code],
    shared: 'ts-common',
    build: `${TS_SHOP_DEPS} && ${TSC} shop.mts`,
    run: 'npx --yes tsx@4.23.15 shop.mts',
  },
  {
    name: 'python',
    generate: [sample('client-python').code],
    env: pythonVenv,
    // The Standard Webhooks library next to the generated client, and mypy to check the program
    // against the generated types (the client ships py.typed).
    build:
      'pip install --quiet --disable-pip-version-check standardwebhooks==1.1.0 mypy==2.4.1 && mypy --check-untyped-defs --no-error-summary shop.py',
    run: 'python shop.py',
  },
  {
    name: 'go',
    generate: [sample('client-go').code],
    build: 'go get github.com/standard-webhooks/standard-webhooks/libraries@v1.3.0 && go vet ./... && go build -o shop .',
    run: './shop',
    extraChecks: ['float32 amount refused with invalid_amount'],
  },
  {
    name: 'java',
    generate: [sample('client-java').code],
    // The client's own dependencies (its pom) and the Standard Webhooks Java library beside them.
    build: [
      'mvn -q -B -f aimbrellapay-client dependency:build-classpath -Dmdep.outputFile=../classpath.txt',
      'mvn -q -B dependency:copy -Dartifact=com.standardwebhooks:standardwebhooks:1.3.0 -DoutputDirectory=lib',
      'javac -d classes -cp "aimbrellapay-client/target/classes:lib/*:$(cat classpath.txt)" Shop.java',
    ].join(' && '),
    run: 'java -cp "classes:aimbrellapay-client/target/classes:lib/*:$(cat classpath.txt)" Shop',
  },
];

// ── run ──────────────────────────────────────────────────────────────────────────────────────

const started = Date.now();
const secrets = {
  ADMIN_TOKEN: `matrix_admin_${hex(16)}`,
  BANSKY_API_TOKEN: `matrix_bansky_${hex(16)}`,
  BANSKY_POSTBACK_SECRET: `matrix_postback_${hex(16)}`,
  PAYMENT_ID_SECRET: `matrix_payment_id_${hex(16)}`,
};
// Each program gets its own token and sends about 50 requests before it provokes the 429.
const RATE_LIMIT_PER_TOKEN = 100;

const chosen = GENERATORS.filter((g) => !only || g.name === only);
if (chosen.length === 0) throw new Error(`--only ${only}: no such generator (${GENERATORS.map((g) => g.name).join(', ')})`);

const sandbox = await startBanskySandbox({
  port: 0,
  apiToken: secrets.BANSKY_API_TOKEN,
  postbackSecret: secrets.BANSKY_POSTBACK_SECRET,
  postbackDelayMs: 200,
});
const port = await freePort();
const worker = await startWorker({
  port,
  logLevel: 'warn',
  vars: {
    ...secrets,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    BANSKY_TEST_BASE_URL: sandbox.url,
    BANSKY_LIVE_BASE_URL: sandbox.url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_TOKEN: String(RATE_LIMIT_PER_TOKEN),
    RATE_LIMIT_PER_IP: '1000000',
    // The programs ask for the postback again right after the first delivery.
    POSTBACK_RESEND_INTERVAL_SECONDS: '0',
  },
});

const results = new Map<string, Map<string, { ok: boolean; why?: string }>>();
const durations = new Map<string, number>();
let exitCode = 0;
try {
  // Two at a time, Java (the slowest: Maven) first: the others run beside it. Each generator has
  // its own shop and token, so neither the data nor the rate limits of one meet another's.
  const queue = [...chosen].sort((a, b) => Number(b.name === 'java') - Number(a.name === 'java'));
  const lane = async () => {
    for (let gen = queue.shift(); gen; gen = queue.shift()) results.set(gen.name, await runGenerator(gen));
  };
  await Promise.all([lane(), lane()]);
} finally {
  await worker.stop();
  await sandbox.close();
}

printTable();
process.exit(exitCode);

// ── one generator ────────────────────────────────────────────────────────────────────────────

async function runGenerator(gen: Generator): Promise<Map<string, { ok: boolean; why?: string }>> {
  const checks = new Map<string, { ok: boolean; why?: string }>();
  const fail = (name: string, why: string) => checks.set(name, { ok: false, why });
  const t0 = Date.now();
  const shop = await provisionShop(`Client matrix: ${gen.name}`);
  const env = {
    AIMBRELLAPAY_URL: worker.url,
    AIMBRELLAPAY_TOKEN: shop.token,
    AIMBRELLAPAY_WEBHOOK_SECRET: shop.webhookSecret,
    MATRIX_RATE_LIMIT: String(RATE_LIMIT_PER_TOKEN),
    ...(await gen.env?.()),
  };
  // A fresh, empty project folder per run, as a shop starts from: outside the repository, so that
  // `npm install` makes a package.json of its own instead of finding ours above it.
  const dir = join(tmpdir(), 'aimbrellapay-client-matrix', gen.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  for (const [i, code] of gen.generate.entries()) {
    const r = await shell(code, dir, env);
    if (r.status !== 0) {
      fail('generate', tail(r.output));
      return finish();
    }
    if (i === 0) checks.set('generate', { ok: true });
  }
  cpSync(join(PROGRAMS, gen.name), dir, { recursive: true });
  if (gen.shared) cpSync(join(PROGRAMS, gen.shared), dir, { recursive: true });
  const built = await shell(gen.build, dir, env);
  if (built.status !== 0) {
    fail('compile / type-check', tail(built.output));
    return finish();
  }
  checks.set('compile / type-check', { ok: true });

  const ran = await shell(gen.run, dir, env, 180_000);
  for (const line of ran.output.split('\n')) {
    const m = /^check (.+?) (ok|FAIL)(?: (.*))?$/.exec(line);
    if (m) checks.set(m[1]!, m[2] === 'ok' ? { ok: true } : { ok: false, why: m[3] ?? '' });
  }
  for (const name of [...PROGRAM_CHECKS, ...(gen.extraChecks ?? [])]) {
    if (!checks.has(name)) fail(name, `not reported (exit ${ran.status}): ${tail(ran.output)}`);
  }
  return finish();

  function finish() {
    durations.set(gen.name, Date.now() - t0);
    const failed = [...checks.values()].some((c) => !c.ok);
    if (failed || verbose) {
      console.log(`── ${gen.name} (${secs(Date.now() - t0)}) ──`);
      for (const [name, c] of checks)
        if (!c.ok || verbose) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${name}${c.why ? `\n${indent(c.why)}` : ''}`);
    }
    if (failed) exitCode = 1;
    return checks;
  }
}

/** The quick start's TypeScript sample, saved and run as its first line says: `// init-payment.mts: npx … (…)`. */
function quickStartSample(): string {
  const { code } = sample('init-payment-node');
  const [, file, run] = /^\/\/ (\S+): (npx .+?) \(/m.exec(code) ?? [];
  if (!file || !run) throw new Error('the quick start sample no longer names its file and how to run it');
  return `cat > ${file} <<'SAMPLE'\n${code}SAMPLE\n${run}`;
}

/** The docs' install block for the Python generator, run once per change of it in .cache/clients/python. */
async function pythonVenv(): Promise<Record<string, string>> {
  const dir = join(CACHE, 'python');
  const install = sample('client-python-install').code;
  const stamp = join(dir, '.install.sha256');
  const want = createHash('sha256').update(install).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const r = await shell(install, dir, {});
    if (r.status !== 0) throw new Error(`the Python install block failed:\n${r.output}`);
    writeFileSync(stamp, want);
  }
  // What `. .venv/bin/activate` does.
  const venv = join(dir, '.venv');
  return { VIRTUAL_ENV: venv, PATH: `${join(venv, 'bin')}:${process.env.PATH}` };
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function provisionShop(name: string): Promise<{ token: string; webhookSecret: string }> {
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(worker.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { shop: { id: string }; token: string; webhookSecret: string };
  };
  const created = await admin('/admin/v1/shops', { name, allowedRedirectHosts: ['shop.example'] });
  const issued = await admin(`/admin/v1/shops/${created.shop.id}/tokens`, { mode: 'test', label: 'client matrix' });
  return { token: issued.token, webhookSecret: created.webhookSecret };
}

/**
 * `bash -eu -o pipefail` with the repository's tools off PATH (a shop has none of them), stdout and
 * stderr together. Asynchronous: the Bansky sandbox runs in this process.
 */
async function shell(
  code: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 300_000,
): Promise<{ status: number | null; output: string }> {
  const child: ChildProcess = spawn('bash', ['-eu', '-o', 'pipefail', '-c', code], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', GOFLAGS: '-mod=mod', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const timer = setTimeout(() => {
    output += `\n[client matrix] killed after ${timeoutMs / 1000}s`;
    child.kill('SIGKILL');
  }, timeoutMs);
  const status = await new Promise<number | null>((r) => child.once('close', r));
  clearTimeout(timer);
  if (verbose) console.log(`$ ${code.trim()}\n${output}`);
  return { status, output };
}

function printTable() {
  const names = chosen.map((g) => g.name).filter((n) => results.has(n));
  const rows = ['generate', 'compile / type-check', ...PROGRAM_CHECKS, ...new Set(chosen.flatMap((g) => g.extraChecks ?? []))];
  const width = Math.max(...rows.map((r) => r.length));
  let passed = 0;
  let failed = 0;
  /** ok, FAIL (a check that failed or never ran) or – (not a check of this generator). */
  const cell = (gen: string, row: string) => {
    const extra = !PROGRAM_CHECKS.includes(row) && row !== 'generate' && row !== 'compile / type-check';
    if (extra && !GENERATORS.find((g) => g.name === gen)?.extraChecks?.includes(row)) return '–';
    const ok = results.get(gen)?.get(row)?.ok === true;
    if (ok) passed++;
    else failed++;
    return ok ? 'ok' : 'FAIL';
  };
  console.log(`${'check'.padEnd(width)}  ${names.map((n) => n.padEnd(14)).join('')}`);
  for (const row of rows) console.log(`${row.padEnd(width)}  ${names.map((n) => cell(n, row).padEnd(14)).join('')}`);
  console.log(`${'seconds'.padEnd(width)}  ${names.map((n) => secs(durations.get(n) ?? 0).padEnd(14)).join('')}`);
  console.log(`client matrix: ${names.length} generators, ${passed} checks passed, ${failed} failed (${secs(Date.now() - started)})`);
}

function hex(n: number) {
  return randomBytes(n).toString('hex');
}
function secs(ms: number) {
  return `${(ms / 1000).toFixed(0)}s`;
}
function tail(s: string) {
  return s.trim().split('\n').slice(-25).join('\n');
}
function indent(s: string) {
  return s.replace(/^/gm, '      ');
}
