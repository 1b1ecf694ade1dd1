import { pbkdf2Sync } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports.mjs';
import type { RunningWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { startBanskySandbox, type BanskySandbox } from '../../sandbox/bansky/server.ts';
import { CANARY } from '../support/test-bindings.ts';
import { sample } from './docs.code-blocks.ts';
import {
  hasCommand,
  pythonWithStandardWebhooks,
  runShell,
  runShellJson,
  sampleWorkdir,
  startSampleProcess,
  writeSample,
  type SampleProcess,
} from './docs.sample-runner.ts';
import { CHROMIUM_PATH, launchChromium, ROOT, startDocsWorker } from './docs.support.ts';

type Json = Record<string, any>;

// Every sample of the integration guide and the operator docs, run as written against the Worker
// (wrangler dev), the Bansky sandbox and real postback servers, with Chromium clicking "Pay".
describe.skipIf(!existsSync(CHROMIUM_PATH) && !process.env.CI)('the docs samples work against a local AimbrellaPay', () => {
  let sandbox: BanskySandbox;
  let worker: RunningWorker;
  let browser: Browser;
  let workdir: string;
  let shop: { shopId: string; token: string; webhookSecret: string };
  let env: Record<string, string>;
  const servers: SampleProcess[] = [];

  async function admin(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await fetch(worker.url + path, {
      method,
      headers: { authorization: `Bearer ${CANARY.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Json;
  }

  /** Starts a postback sample on a free port; resolves once it answers HTTP. */
  async function startPostbackServer(command: string, args: (port: number) => string[]): Promise<{ url: string; proc: SampleProcess }> {
    const port = await freePort();
    const proc = startSampleProcess(command, args(port), { cwd: workdir, env: { ...env, PORT: String(port) } });
    servers.push(proc);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await fetch(url + '/');
        return { url, proc };
      } catch (err) {
        if (i > 150) throw new Error(`${command} did not start: ${proc.output()}`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The customer: opens the pay link in Chromium, clicks Pay on Bansky's page, lands on the shop. */
  async function payInBrowser(payUrl: string, shopUrl: string) {
    const page = await browser.newPage();
    try {
      await page.goto(payUrl);
      // Wait for the shop's answer, not its rendering: Chromium shows its own page for a bodiless 404.
      await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(`${shopUrl}/checkout/thanks`)),
        page.getByRole('button', { name: 'Pay' }).click(),
      ]);
    } finally {
      await page.close();
    }
  }

  async function initPaymentTo(shopUrl: string, id: string): Promise<Json> {
    const res = await fetch(`${worker.url}/api/v1/init-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shop.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id,
        email: 'jane.doe@example.com',
        amount: '20.00',
        currency: 'EUR',
        successUrl: `${shopUrl}/checkout/thanks?order=${id}`,
        errorUrl: `${shopUrl}/checkout/failed?order=${id}`,
        postbackUrl: `${shopUrl}/hooks/aimbrellapay`,
      }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Json;
  }

  /** A postback signed with another secret: every sample must refuse it. */
  async function forgedPostback(url: string): Promise<number> {
    const body = JSON.stringify({ type: 'payment.paid', timestamp: new Date().toISOString(), data: { id: 'pay_forged', status: 'paid' } });
    const forger = new Webhook(Buffer.from('not-the-shop-secret-0123456789ab').toString('base64'));
    const res = await fetch(`${url}/hooks/aimbrellapay`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': forger.sign('msg_forged', new Date(), body),
      },
      body,
    });
    return res.status;
  }

  async function expectRealPostbackVerified(proc: SampleProcess, url: string, id: string) {
    const payment = await initPaymentTo(url, id);
    await payInBrowser(payment.url, url);
    const [line] = await proc.waitFor(new RegExp(`verified msg_\\S+: payment\\.paid ${payment.id} paid`));
    expect(line).toContain(payment.id);
    expect(await forgedPostback(url)).toBe(400);
  }

  beforeAll(async () => {
    sandbox = await startBanskySandbox({ port: 0, apiToken: CANARY.BANSKY_API_TOKEN, postbackSecret: CANARY.BANSKY_POSTBACK_SECRET });
    [worker, browser] = await Promise.all([startDocsWorker({ BANSKY_TEST_BASE_URL: sandbox.url }), launchChromium()]);
    const created = await admin('POST', '/admin/v1/shops', { name: 'Docs samples shop', allowedRedirectHosts: ['shop.example'] });
    const issued = await admin('POST', `/admin/v1/shops/${created.shop.id}/tokens`, { mode: 'test', label: 'docs samples' });
    shop = { shopId: created.shop.id, token: issued.token, webhookSecret: created.webhookSecret };
    env = { AIMBRELLAPAY_URL: worker.url, AIMBRELLAPAY_TOKEN: shop.token, AIMBRELLAPAY_WEBHOOK_SECRET: shop.webhookSecret };
    workdir = sampleWorkdir();
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await browser?.close();
    await worker?.stop();
    await sandbox?.close();
  });

  describe('integration guide', () => {
    let nodeShop: { url: string; proc: SampleProcess };
    let paymentId: string;

    beforeAll(async () => {
      writeSample(workdir, 'postback-server.mjs', sample('verify-postback-node'));
      nodeShop = await startPostbackServer(process.execPath, () => ['postback-server.mjs']);
    });

    it('quick start: curl starts a payment, the customer pays, the Node sample verifies the postback, curl reads "paid"', async () => {
      const started = await runShellJson(sample('init-payment-curl'), { cwd: workdir, env, shopUrl: nodeShop.url });
      expect(started).toMatchObject({ status: 'success', id: expect.stringMatching(/^pay_/) });
      expect(started.url).toBe(`${worker.url}/integration/pay?id=${started.id}`);
      paymentId = started.id;

      await payInBrowser(started.url, nodeShop.url);
      await nodeShop.proc.waitFor(new RegExp(`verified msg_\\S+: payment\\.paid ${paymentId} paid`));

      await expect
        .poll(() => runShellJson(sample('payment-status-curl'), { cwd: workdir, env: { ...env, PAYMENT_ID: paymentId } }), { timeout: 30_000, interval: 500 })
        .toMatchObject({ id: paymentId, shopTransactionId: 'order-10042', status: 'paid', mode: 'test', postback: { status: 'delivered' } });
    });

    it('idempotency: sending the quick start request again answers 200 Idempotent-Replayed with the same payment', async () => {
      const again = await runShellJson(sample('init-payment-curl'), { cwd: workdir, env, shopUrl: nodeShop.url });
      expect(again.id).toBe(paymentId);
      // The same request with curl -i, to see what the Idempotency section shows: status and header.
      const withHeaders = { ...sample('init-payment-curl'), code: sample('init-payment-curl').code.replace('curl -sS', 'curl -sS -i') };
      const raw = await runShell(withHeaders, { cwd: workdir, env, shopUrl: nodeShop.url });
      expect(raw.stdout).toMatch(/^HTTP\/1\.1 200 OK\r?\n/);
      expect(raw.stdout).toMatch(/^idempotent-replayed: true\r?$/im);
    });

    it('a client generated from /docs/openapi.json starts a payment with the documented TypeScript', async () => {
      const generated = await runShell(sample('generate-client'), { cwd: workdir, env });
      expect(generated.status, generated.stderr + generated.stdout).toBe(0);
      writeSample(workdir, 'init-payment.ts', sample('init-payment-node'), nodeShop.url);
      const run = await runShell({ ...sample('init-payment-node'), code: 'npx tsx init-payment.ts' }, { cwd: workdir, env });
      expect(run.status, `${run.stderr}\n${run.stdout}`).toBe(0);
      const id = /Redirect the customer to \S+\/integration\/pay\?id=(pay_\w+)/.exec(run.stdout)?.[1];
      expect(id, run.stdout).toBeDefined();
      expect(run.stdout).toContain(`Payment ${id} is awaiting_payment`);
    });

    it('the error sample answers the documented problem', async () => {
      const documented = JSON.parse(sample('error-curl', 'output').code) as Json;
      const actual = await runShellJson(sample('error-curl'), { cwd: workdir, env });
      const stable = ({ type, title, status, code, errors }: Json) => ({ type, title, status, code, errors });
      expect(stable(actual)).toEqual(stable(documented));
      expect(actual.requestId).toEqual(expect.any(String));
    });

    it('the Node postback sample refuses a postback signed with another secret', async () => {
      expect(await forgedPostback(nodeShop.url)).toBe(400);
    });

    it('the Python postback sample verifies a real postback and refuses a forged one', async () => {
      const python = pythonWithStandardWebhooks();
      writeSample(workdir, 'postback_server.py', sample('verify-postback-python'));
      const pyShop = await startPostbackServer(python, () => ['postback_server.py']);
      await expectRealPostbackVerified(pyShop.proc, pyShop.url, 'order-python-1');
    }, 240_000);

    it.skipIf(!hasCommand('php') && !process.env.CI)('the PHP postback sample verifies a real postback and refuses a forged one', async () => {
      writeSample(workdir, 'postback.php', sample('verify-postback-php'));
      const phpShop = await startPostbackServer('php', (port) => ['-S', `127.0.0.1:${port}`, 'postback.php']);
      await expectRealPostbackVerified(phpShop.proc, phpShop.url, 'order-php-1');
    });
  });

  describe('operator docs', () => {
    const operatorEnv = () => ({ APAY_BASE_URL: worker.url, APAY_ADMIN_TOKEN: CANARY.ADMIN_TOKEN });

    it('the CLI samples onboard a shop whose token can start a payment', async () => {
      const created = await runShell(sample('onboard-shop-cli'), { cwd: workdir, env: operatorEnv() });
      expect(created.status, created.stderr).toBe(0);
      const shopId = /shop_[A-Za-z0-9]+/.exec(created.stdout)?.[0];
      expect(created.stdout).toMatch(/whsec_[A-Za-z0-9+/=]+/);
      const issued = await runShell(sample('issue-token-cli'), { cwd: workdir, env: { ...operatorEnv(), SHOP_ID: shopId! } });
      expect(issued.status, issued.stderr).toBe(0);
      const token = /apay_test_[A-Za-z0-9]+/.exec(issued.stdout)?.[0];
      expect(token, issued.stdout).toBeDefined();

      const res = await fetch(`${worker.url}/api/v1/init-payment`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a@example.com', amount: '5.00', currency: 'EUR', successUrl: 'https://shop.example/ok', errorUrl: 'https://checkout.shop.example/err' }),
      });
      expect(res.status).toBe(201);
    });

    it('the deploy dry run bundles the Worker', async () => {
      const dryRun = await runShell(sample('deploy-dry-run'), { cwd: ROOT, env: { TMPDIR: workdir } });
      expect(dryRun.status, dryRun.stderr).toBe(0);
      expect(dryRun.stdout).toMatch(/Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
      expect(dryRun.stdout).toContain('--dry-run: exiting now.');
    }, 120_000);

    it('the piped docs:hash-password makes a hash of exactly that password', async () => {
      const made = await runShell(sample('hash-password-pipe'), { cwd: ROOT, env: { NEW_PASSWORD: 'a-new-docs-password-42' } });
      expect(made.status, made.stderr).toBe(0);
      const [, iterations, salt, hash] = /^pbkdf2-sha256:(\d+):([\w-]+):([\w-]+)\n$/.exec(made.stdout)!;
      expect(Number(iterations)).toBe(100_000);
      const expected = pbkdf2Sync('a-new-docs-password-42', Buffer.from(salt!, 'base64url'), 100_000, 32, 'sha256');
      expect(Buffer.from(hash!, 'base64url').equals(expected)).toBe(true);
    });

    it('the admin API curl samples onboard a shop and issue a token', async () => {
      const created = await runShellJson(sample('onboard-shop-curl'), { cwd: workdir, env: operatorEnv() });
      expect(created).toMatchObject({ shop: { id: expect.stringMatching(/^shop_/), allowedRedirectHosts: ['shop.example', '*.shop.example'] } });
      expect(created.webhookSecret).toMatch(/^whsec_/);
      const issued = await runShellJson(sample('issue-token-curl'), { cwd: workdir, env: { ...operatorEnv(), SHOP_ID: created.shop.id } });
      expect(issued.token).toMatch(/^apay_test_/);
    });
  });
});
