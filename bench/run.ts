/**
 * `npm run bench`: what AimbrellaPay costs, measured side by side in one run on this machine
 * (shared and noisy, so every figure that matters is a ratio of two things measured together).
 *
 *  1. Proxy overhead: the latency a shop sees for init-payment through us vs. calling the Bansky
 *     sandbox's init directly (interleaved, same machine, same sandbox).
 *  2. Pay-link redirect throughput vs. a bare Hono Worker answering a 302 on the same workerd.
 *  3. Worker bundle size (minified and gzip) vs. the bare Hono Worker.
 *  4. workerd memory (RSS, peak) after the load, ours vs. bare.
 * Targets are printed with the results; nothing here fails a build.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort } from '../scripts/lib/ports.mjs';
import { startWorker } from '../scripts/lib/wrangler-dev.mjs';
import { startBanskySandbox } from '../sandbox/bansky/server.ts';
import { kib, ms, summarise, treeMemory } from './stats.ts';

const root = resolve(import.meta.dirname, '..');
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const INIT_SAMPLES = Number(args.get('init-samples') ?? 200);
const LOAD_SECONDS = Number(args.get('seconds') ?? 6);
const CONNECTIONS = Number(args.get('connections') ?? 16);

const TARGETS = {
  overheadP50Ms: 25, // what we add to Bansky's own latency, median
  redirectRatio: 0.5, // our pay link vs. a bare Hono 302 (we do a Durable Object read per request)
  bundleGzipKiB: 250,
};

const secrets = {
  BANSKY_API_TOKEN: 'bench_bansky_token_0123456789',
  BANSKY_POSTBACK_SECRET: 'bench_postback_secret_0123456789',
  ADMIN_TOKEN: 'bench_admin_token_0123456789abcdef',
  PAYMENT_ID_SECRET: 'bench_payment_id_secret_0123456789',
};

async function main() {
  console.log(`AimbrellaPay benchmark — ${new Date().toISOString()}, node ${process.version}\n`);
  const sandbox = await startBanskySandbox({ port: 0, apiToken: secrets.BANSKY_API_TOKEN, postbackSecret: secrets.BANSKY_POSTBACK_SECRET });
  const port = await freePort();
  const ours = await startWorker({
    port,
    logLevel: 'warn',
    vars: { ...secrets, PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, BANSKY_TEST_BASE_URL: sandbox.url, LOG_LEVEL: 'warn' },
  });
  const bare = await startWorker({ config: join(root, 'bench/bare-hono/wrangler.toml'), logLevel: 'warn' });
  try {
    const token = await onboardShop(ours.url);
    await proxyOverhead(ours.url, sandbox.url, token);
    await redirectThroughput(ours, bare, token);
    bundleSizes();
  } finally {
    await Promise.allSettled([ours.stop(), bare.stop(), sandbox.close()]);
  }
}

async function onboardShop(base: string): Promise<string> {
  const admin = { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const shop = (await (await fetch(`${base}/admin/v1/shops`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Bench', allowedRedirectHosts: ['shop.example'] }) })).json()) as { shop: { id: string } };
  const tok = (await (await fetch(`${base}/admin/v1/shops/${shop.shop.id}/tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ mode: 'test' }) })).json()) as { token: string };
  return tok.token;
}

const initBody = (i: number) => ({
  email: `bench${i}@example.com`,
  amount: '10.00',
  currency: 'EUR',
  successUrl: 'https://shop.example/ok',
  errorUrl: 'https://shop.example/err',
});

async function timed(fn: () => Promise<Response>): Promise<number> {
  const t = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`benchmark request failed: ${res.status}`);
  return performance.now() - t;
}

async function proxyOverhead(base: string, sandboxUrl: string, token: string) {
  const viaUs = (i: number) =>
    fetch(`${base}/api/v1/init-payment`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(initBody(i)) });
  const direct = (i: number) =>
    fetch(`${sandboxUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.BANSKY_API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...initBody(i), id: `pay_${String(i).padStart(22, '0')}`, type: 'fiat', postbackUrl: 'https://shop.example/pb' }),
    });
  for (let i = 0; i < 20; i++) await Promise.all([timed(() => viaUs(i)), timed(() => direct(i))]); // warm-up
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < INIT_SAMPLES; i++) {
    // Interleaved so both series see the same machine noise.
    b.push(await timed(() => direct(i)));
    a.push(await timed(() => viaUs(i)));
  }
  const us = summarise(a);
  const them = summarise(b);
  const overhead = us.p50 - them.p50;
  console.log(`1. init-payment latency, ${INIT_SAMPLES} sequential requests each (interleaved)`);
  console.log(`   direct to Bansky sandbox   p50 ${ms(them.p50)}  p95 ${ms(them.p95)}  p99 ${ms(them.p99)}`);
  console.log(`   through AimbrellaPay       p50 ${ms(us.p50)}  p95 ${ms(us.p95)}  p99 ${ms(us.p99)}`);
  console.log(`   overhead p50 ${ms(overhead)} (×${(us.p50 / them.p50).toFixed(1)} of direct)  target < ${TARGETS.overheadP50Ms} ms: ${overhead < TARGETS.overheadP50Ms ? 'met' : 'MISSED'}\n`);
}

async function load(url: string) {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: LOAD_SECONDS, followRedirect: false });
  if (r.non2xx !== r.requests.total && r['3xx'] !== r.requests.total) {
    /* every answer should be a 302 */
  }
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, redirects: r['3xx'], total: r.requests.total, errors: r.errors };
}

async function redirectThroughput(ours: { url: string; pid?: number }, bare: { url: string; pid?: number }, token: string) {
  const res = await fetch(`${ours.url}/api/v1/init-payment`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(initBody(999_999)) });
  const { id } = (await res.json()) as { id: string };
  const ourUrl = `${ours.url}/integration/pay?id=${id}`;
  const bareUrl = `${bare.url}/integration/pay`;
  await load(ourUrl); // warm-up, not counted
  await load(bareUrl);
  // A-B-A-B so a noisy neighbour hurts both sides alike.
  const rounds = [await load(ourUrl), await load(bareUrl), await load(ourUrl), await load(bareUrl)];
  const oursRps = (rounds[0]!.rps + rounds[2]!.rps) / 2;
  const bareRps = (rounds[1]!.rps + rounds[3]!.rps) / 2;
  const ratio = oursRps / bareRps;
  console.log(`2. pay-link redirect throughput, ${CONNECTIONS} connections × ${LOAD_SECONDS} s, two rounds each`);
  console.log(`   bare Hono 302          ${bareRps.toFixed(0)} req/s  p50 ${rounds[1]!.p50} ms  p99 ${rounds[1]!.p99} ms`);
  console.log(`   AimbrellaPay pay link  ${oursRps.toFixed(0)} req/s  p50 ${rounds[0]!.p50} ms  p99 ${rounds[0]!.p99} ms  (3xx ${rounds[0]!.redirects}/${rounds[0]!.total}, errors ${rounds[0]!.errors})`);
  console.log(`   ratio ${ratio.toFixed(2)} of bare  target ≥ ${TARGETS.redirectRatio}: ${ratio >= TARGETS.redirectRatio ? 'met' : 'MISSED'}`);
  if (ours.pid && bare.pid) {
    const [m1, m2] = await Promise.all([treeMemory(ours.pid), treeMemory(bare.pid)]);
    const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
    console.log(`   workerd memory after load: AimbrellaPay RSS ${mib(m1.rssKiB)} (peak ${mib(m1.peakKiB)}), bare RSS ${mib(m2.rssKiB)} (peak ${mib(m2.peakKiB)}); ratio ${(m1.rssKiB / m2.rssKiB).toFixed(2)}`);
  }
  console.log('');
}

function bundleSize(config: string) {
  const out = mkdtempSync(join(tmpdir(), 'apay-bundle-'));
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--minify', '--outdir', out, '--config', config], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', XDG_CONFIG_HOME: join(root, '.wrangler', 'config') },
    });
    const js = readdirSync(out).filter((f) => f.endsWith('.js'));
    const bytes = Buffer.concat(js.map((f) => readFileSync(join(out, f))));
    return { raw: bytes.length, gzip: gzipSync(bytes).length };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function bundleSizes() {
  const ours = bundleSize(join(root, 'wrangler.toml'));
  const bare = bundleSize(join(root, 'bench/bare-hono/wrangler.toml'));
  console.log('3. Worker bundle (wrangler deploy --dry-run --minify)');
  console.log(`   bare Hono     ${kib(bare.raw)} minified, ${kib(bare.gzip)} gzip`);
  console.log(`   AimbrellaPay  ${kib(ours.raw)} minified, ${kib(ours.gzip)} gzip  target < ${TARGETS.bundleGzipKiB} KiB gzip: ${ours.gzip / 1024 < TARGETS.bundleGzipKiB ? 'met' : 'MISSED'}`);
}

await main();
