/**
 * What the doc samples run against, as a reader's machine would have it: the Worker under wrangler
 * dev, the Bansky sandbox, a shop onboarded through the admin API, Chromium as the customer's
 * browser, and the reader's environment variables (AIMBRELLAPAY_URL, _TOKEN, _WEBHOOK_SECRET).
 */
import type { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import { type BanskySandbox, startBanskySandbox } from '../../sandbox/bansky/server.ts';
import { freePort } from '../../scripts/lib/ports.mjs';
import type { RunningWorker } from '../../scripts/lib/wrangler-dev.mjs';
import { CANARY } from '../support/test-bindings.ts';
import { type SampleProcess, sampleWorkdir, startSampleProcess } from './docs.sample-runner.ts';
import { launchChromium, startDocsWorker } from './docs.support.ts';

type Json = Record<string, any>;

export class SampleStack {
  private readonly processes: SampleProcess[] = [];
  private constructor(
    readonly sandbox: BanskySandbox,
    readonly worker: RunningWorker,
    private readonly chromium: Browser | null,
    readonly workdir: string,
  ) {}

  shop!: { shopId: string; token: string; webhookSecret: string };
  /** The variables the quick start tells readers to export. */
  env!: Record<string, string>;

  static async start({ browser = true } = {}): Promise<SampleStack> {
    const sandbox = await startBanskySandbox({ port: 0, apiToken: CANARY.BANSKY_API_TOKEN, postbackSecret: CANARY.BANSKY_POSTBACK_SECRET });
    const [worker, chromium] = await Promise.all([
      startDocsWorker({ BANSKY_TEST_BASE_URL: sandbox.url }),
      browser ? launchChromium() : Promise.resolve(null),
    ]);
    const stack = new SampleStack(sandbox, worker, chromium, sampleWorkdir());
    const created = await stack.admin('POST', '/admin/v1/shops', { name: 'Docs samples shop', allowedRedirectHosts: ['shop.example'] });
    const issued = await stack.admin('POST', `/admin/v1/shops/${created.shop.id}/tokens`, { mode: 'test', label: 'docs samples' });
    stack.shop = { shopId: created.shop.id, token: issued.token, webhookSecret: created.webhookSecret };
    stack.env = {
      AIMBRELLAPAY_URL: worker.url,
      AIMBRELLAPAY_TOKEN: stack.shop.token,
      AIMBRELLAPAY_WEBHOOK_SECRET: stack.shop.webhookSecret,
    };
    return stack;
  }

  async stop(): Promise<void> {
    for (const p of this.processes) await p.stop();
    await this.chromium?.close();
    await this.worker.stop();
    await this.sandbox.close();
  }

  async admin(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await fetch(this.worker.url + path, {
      method,
      headers: { authorization: `Bearer ${CANARY.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Json;
  }

  /** Starts a postback sample on a free port; resolves once it answers HTTP. */
  async startPostbackServer(command: string, args: (port: number) => string[]): Promise<{ url: string; proc: SampleProcess }> {
    const port = await freePort();
    const proc = startSampleProcess(command, args(port), { cwd: this.workdir, env: { ...this.env, PORT: String(port) } });
    this.processes.push(proc);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await fetch(`${url}/`);
        return { url, proc };
      } catch (err) {
        if (i > 150) throw new Error(`${command} did not start: ${proc.output()}`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The customer: opens the pay link in Chromium, clicks Pay on Bansky's page, lands on the shop. */
  async payInBrowser(payUrl: string, shopUrl: string): Promise<void> {
    if (!this.chromium) throw new Error('this stack was started without a browser');
    const page = await this.chromium.newPage();
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

  async initPaymentTo(shopUrl: string, id: string): Promise<Json> {
    const res = await fetch(`${this.worker.url}/api/v1/init-payment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.shop.token}`, 'content-type': 'application/json' },
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

  /** Pays a new payment whose postback goes to a sample server, and waits for the sample's "verified" line. */
  async expectRealPostbackVerified(server: { url: string; proc: SampleProcess }, id: string): Promise<void> {
    const payment = await this.initPaymentTo(server.url, id);
    await this.payInBrowser(payment.url, server.url);
    const [line] = await server.proc.waitFor(new RegExp(`verified msg_\\S+: payment\\.paid ${payment.id} paid`));
    expect(line).toContain(payment.id);
  }
}

/** A postback signed with another secret: every sample must refuse it. Resolves to the HTTP status. */
export async function sendForgedPostback(url: string): Promise<number> {
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
