import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBanskySandbox } from '../../sandbox/bansky/server.ts';
import { readDevVars } from '../../scripts/lib/dev-vars.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type RunningWorker, startWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { browse, eventually, root, submitCheckout } from './e2e.support.ts';

/**
 * `aimbrellapay listen` as a shop runs it: the CLI packed with `npm pack`, installed into an empty
 * folder outside the repository, run with `npx` against the local stack (wrangler dev and the
 * Bansky sandbox), forwarding to a receiver that verifies with the `standardwebhooks` library.
 */
interface Received {
  webhookId: string;
  type: string;
  paymentId: string;
}

function startReceiver(secret: string): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const payload = new Webhook(secret).verify(body, req.headers as Record<string, string>) as { type: string; data: { id: string } };
        received.push({ webhookId: String(req.headers['webhook-id']), type: payload.type, paymentId: payload.data.id });
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end('bad signature');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}/hooks`, received });
    }),
  );
}

class CliProcess {
  out = '';
  err = '';
  exit: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.setEncoding('utf8').on('data', (c) => (this.out += c));
    proc.stderr!.setEncoding('utf8').on('data', (c) => (this.err += c));
    this.exit = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }
  lines = (re: RegExp) => this.out.split('\n').filter((l) => re.test(l));
}

describe('aimbrellapay listen, packed and installed as a shop would', { timeout: 240_000 }, () => {
  const secrets = readDevVars(join(root, '.dev.vars.example'));
  const cleanup: Array<() => unknown> = [];
  let worker: RunningWorker;
  let workerPort: number;
  let persistTo: string;
  let sandboxUrl: string;
  let shopDir: string;

  const startOurWorker = () =>
    startWorker({
      port: workerPort,
      persistTo,
      vars: { ...secrets, PUBLIC_BASE_URL: `http://127.0.0.1:${workerPort}`, BANSKY_TEST_BASE_URL: sandboxUrl },
    });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(worker.url + path, {
      method,
      headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, any>;
  };
  const shopWithToken = async () => {
    const { shop, webhookSecret } = await admin('POST', '/admin/v1/shops', { name: 'CLI shop', allowedRedirectHosts: ['shop.example'] });
    const issued = await admin('POST', `/admin/v1/shops/${shop.id}/tokens`, { mode: 'test' });
    return {
      shopId: shop.id as string,
      token: issued.token as string,
      tokenId: issued.id as string,
      webhookSecret: webhookSecret as string,
    };
  };
  const pay = async (token: string, id: string, button: 'Pay' | 'Decline') => {
    const res = await fetch(`${worker.url}/api/v1/init-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id,
        email: 'jane@example.com',
        amount: '12.50',
        currency: 'EUR',
        successUrl: 'https://shop.example/ok',
        errorUrl: 'https://shop.example/err',
      }),
    });
    if (res.status !== 201) throw new Error(`init ${res.status}: ${await res.text()}`);
    const started = (await res.json()) as { id: string; url: string };
    const link = await browse(started.url, {}, (u) => u.startsWith('https://shop.example/'));
    await submitCheckout(link.hops.at(-1)!.url, button, (u) => u.startsWith('https://shop.example/'));
    return started.id;
  };
  /** `npx aimbrellapay listen …` in the shop's project; `bin` runs what npx runs, for the tool's own exit code. */
  const listen = (token: string, forwardTo: string, extra: string[] = [], via: 'npx' | 'bin' = 'npx') =>
    new CliProcess(
      spawn(
        via === 'npx' ? 'npx' : join(shopDir, 'node_modules', '.bin', 'aimbrellapay'),
        [...(via === 'npx' ? ['--no-install', 'aimbrellapay'] : []), 'listen', '--forward-to', forwardTo, ...extra],
        {
          cwd: shopDir,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, AIMBRELLAPAY_TOKEN: token, AIMBRELLAPAY_URL: worker.url },
          detached: true, // its own process group, as in a terminal: Ctrl-C reaches npx and the tool alike
        },
      ),
    );

  beforeAll(async () => {
    const sandbox = await startBanskySandbox({
      port: 0,
      apiToken: secrets.BANSKY_API_TOKEN!,
      postbackSecret: secrets.BANSKY_POSTBACK_SECRET!,
    });
    cleanup.push(() => sandbox.close());
    sandboxUrl = sandbox.url;
    workerPort = await freePort();
    persistTo = mkdtempSync(join(tmpdir(), 'apay-cli-state-'));
    cleanup.push(() => rmSync(persistTo, { recursive: true, force: true }));
    worker = await startOurWorker();

    // npm pack, then an empty project outside the repository that installs the tarball.
    const work = mkdtempSync(join(tmpdir(), 'aimbrellapay-cli-'));
    cleanup.push(() => rmSync(work, { recursive: true, force: true }));
    execFileSync('npm', ['pack', join(root, 'packages', 'cli'), '--pack-destination', work, '--silent'], { stdio: 'pipe' });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    shopDir = join(work, 'my-shop');
    mkdirSync(shopDir);
    writeFileSync(join(shopDir, 'package.json'), JSON.stringify({ name: 'my-shop', private: true }));
    // `ws`, the tool's one dependency, comes from the registry (npm's cache first, as the repository installs the same version).
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(work, tarball)], {
      cwd: shopDir,
      stdio: 'pipe',
    });
  });
  afterAll(async () => {
    await worker?.stop();
    for (const c of cleanup.reverse()) await c();
  });

  it('forwards a paid and a failed payment verified with standardwebhooks, reconnects to a restarted Worker, ends on revocation', async () => {
    const shop = await shopWithToken();
    const receiver = await startReceiver(shop.webhookSecret);
    cleanup.push(() => receiver.server.close());
    const cli = listen(shop.token, receiver.url, ['--events', 'payment.paid,payment.failed']);
    await eventually(async () => cli.out.includes('Ready.'), `the CLI's Ready line (${cli.err})`);

    const paid = await pay(shop.token, 'cli-paid-1', 'Pay');
    const failed = await pay(shop.token, 'cli-failed-1', 'Decline');
    await eventually(async () => receiver.received.length >= 2, 'both postbacks at the receiver');
    expect(receiver.received).toEqual(
      expect.arrayContaining([
        { webhookId: `msg_${paid}_paid`, type: 'payment.paid', paymentId: paid },
        { webhookId: `msg_${failed}_failed`, type: 'payment.failed', paymentId: failed },
      ]),
    );
    // One line per event: time, type, payment, the local answer and its duration.
    await eventually(async () => cli.lines(/→ 204/).length >= 2, 'two forwarded lines');
    expect(
      cli
        .lines(/→ 204/)
        .map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, '').replace(/\(\d+ ms\)/, '(N ms)'))
        .sort(),
    ).toEqual([`payment.failed   ${failed}  → 204 (N ms)`, `payment.paid     ${paid}  → 204 (N ms)`].sort());

    // The Worker restarts on the same state: the CLI reconnects on its own and keeps forwarding.
    await worker.stop();
    worker = await startOurWorker();
    await eventually(async () => cli.lines(/^Ready\./).length >= 2, `a second Ready line (${cli.out})`, 90_000);
    expect(cli.out).toMatch(/Disconnected \(.+\); reconnecting in/);
    const afterRestart = await pay(shop.token, 'cli-paid-2', 'Pay');
    await eventually(async () => receiver.received.some((r) => r.paymentId === afterRestart), 'the payment after the restart');

    // Revoking the token ends the session, and the CLI says why.
    await admin('DELETE', `/admin/v1/shops/${shop.shopId}/tokens/${shop.tokenId}`);
    expect(await cli.exit).toBe(1);
    expect(cli.err).toContain('the token was revoked');
  });

  it('Ctrl-C ends it cleanly; a live token is refused before connecting', async () => {
    const shop = await shopWithToken();
    const cli = listen(shop.token, 'http://127.0.0.1:9/hooks', [], 'bin');
    await eventually(async () => cli.out.includes('Ready.'), `the CLI's Ready line (${cli.err})`);
    process.kill(-cli.proc.pid!, 'SIGINT'); // what Ctrl-C in a terminal does: the whole foreground group
    expect(await cli.exit).toBe(0);
    expect(cli.out).toContain('Stopping.');

    const live = listen('apay_live_xxxxxxxxxxxxxxxxxxxxxxxx', 'http://127.0.0.1:9/hooks', [], 'bin');
    expect(await live.exit).toBe(2);
    expect(live.err).toContain('test mode only');
  });
});
