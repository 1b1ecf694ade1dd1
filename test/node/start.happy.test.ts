import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDevVars } from '../../scripts/lib/dev-vars.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { browse, eventually, root, secretValues, submitCheckout } from './e2e.support.ts';
import { StartProcess } from './start.support.ts';

describe('npm start: the newcomer path', () => {
  const state = mkdtempSync(join(tmpdir(), 'apay-start-'));
  let env: Record<string, string>;
  let stack: StartProcess;
  let worker: string;
  let shop: string;

  beforeAll(async () => {
    const [w, b, s] = [await freePort(), await freePort(), await freePort()];
    env = {
      APAY_WORKER_PORT: String(w),
      APAY_SANDBOX_PORT: String(b),
      APAY_DEMO_SHOP_PORT: String(s),
      APAY_STATE_DIR: state,
      // A machine without the BigQuery emulator: npm start must say so in one line and go on.
      BIGQUERY_EMULATOR_BIN: '',
      GOBIN: state,
      APAY_BIGQUERY_BUILD: 'off', // Go is here: without this npm start would build the emulator
      METABASE_URL: '',
      METABASE_JAR: '',
      PATH: (process.env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => !existsSync(join(dir, 'bigquery-emulator')))
        .join(delimiter),
    };
    worker = `http://localhost:${w}`;
    shop = `http://localhost:${s}`;
    stack = new StartProcess(env);
    await stack.start();
  });
  afterAll(async () => {
    await stack?.interrupt();
    rmSync(state, { recursive: true, force: true });
  });

  it('prints the demo token and webhook secret on lines of their own, no local secret, and one line for a missing BigQuery emulator', () => {
    expect(stack.line(/^Demo shop token: (apay_test_[A-Za-z0-9]{43})$/m)[1]).toBeTruthy();
    expect(stack.line(/^Demo shop webhook secret: (whsec_\S+)$/m)[1]).toBeTruthy();
    expect(stack.output()).toContain('Created the demo shop');
    expect(stack.lines.filter((l) => l.includes('BigQuery emulator not installed'))).toHaveLength(1);
    expect(stack.output()).toMatch(/^ {2}BigQuery emulator +not running$/m);
    expect(stack.output()).toMatch(/^ {2}Metabase +not configured \(set METABASE_URL, or METABASE_JAR with Java 21\+\)$/m);
    for (const secret of secretValues(readDevVars(join(root, '.dev.vars')))) expect(stack.output()).not.toContain(secret);
  });

  it('the printed curl starts a payment; Pay at the sandbox lands on the success page with the verified postback', async () => {
    const curl = stack.line(/^ORDER=.*curl .*$/m)[0];
    const { stdout } = await promisify(execFile)('bash', ['-c', curl]);
    const started = JSON.parse(stdout) as { status: string; id: string; url: string };
    expect(started.status).toBe('success');
    expect(started.url).toBe(`${worker}/integration/pay?id=${started.id}`);

    const payLink = await browse(started.url);
    expect(payLink.hops[0]!.status).toBe(302);
    const checkoutUrl = payLink.hops[0]!.location!;
    expect(checkoutUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${env.APAY_SANDBOX_PORT}/checkout/`));
    expect(payLink.final.status).toBe(200);

    const paid = await submitCheckout(checkoutUrl, 'Pay');
    expect(paid.hops.map((h) => h.url)).toContain(`${worker}/integration/success?id=${started.id}`);
    const successPage = paid.hops.at(-1)!.url;
    expect(successPage).toMatch(new RegExp(`^${shop}/success\\?order=order-\\d+$`));
    expect(paid.final.status).toBe(200);
    expect(await paid.final.text()).toContain('not proof of payment');

    const page = await eventually(async () => {
      const html = await (await fetch(successPage)).text();
      return html.includes('id="status">paid<') && html.includes(started.id) && html.includes('payment.paid') ? html : undefined;
    }, 'the success page to show the paid status and the verified postback');
    const { verified } = (await (await fetch(`${shop}/postbacks.json`)).json()) as {
      verified: Array<{ webhookId: string; payload: { type: string; data: { id: string; status: string; amount: string } } }>;
    };
    const mine = verified.filter((p) => p.payload.data.id === started.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.payload).toMatchObject({ type: 'payment.paid', data: { status: 'paid', amount: '19.90' } });
    expect(page).toContain(mine[0]!.webhookId);
  });

  it("the demo shop's Buy button and Decline land on the error page with a verified failed postback", async () => {
    const bought = await browse(`${shop}/buy`, { method: 'POST' });
    expect(bought.hops[0]!.status).toBe(303);
    expect(bought.hops[1]!.url).toMatch(new RegExp(`^${worker}/integration/pay\\?id=pay_`));
    const checkoutUrl = bought.hops.at(-1)!.url;
    const paymentId = new URL(bought.hops[1]!.url).searchParams.get('id')!;

    const declined = await submitCheckout(checkoutUrl, 'Decline');
    expect(declined.hops.map((h) => h.url)).toContain(`${worker}/integration/error?id=${paymentId}`);
    const errorPage = declined.hops.at(-1)!.url;
    expect(errorPage).toMatch(new RegExp(`^${shop}/error\\?order=`));
    await eventually(async () => {
      const html = await (await fetch(errorPage)).text();
      return html.includes('id="status">failed<') && html.includes('payment.failed');
    }, 'the error page to show the failed status and its verified postback');
  });

  it('the demo shop accepts postbacks signed with the printed secret and rejects forged ones', async () => {
    const secret = stack.line(/^Demo shop webhook secret: (whsec_\S+)$/m)[1]!;
    const body = JSON.stringify({
      type: 'payment.paid',
      timestamp: new Date().toISOString(),
      data: {
        id: 'pay_ForgedForgedForgedForg',
        shopTransactionId: 'order-x',
        status: 'paid',
        mode: 'test',
        amount: '1.00',
        currency: 'EUR',
        type: 'fiat',
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      },
    });
    const post = (signer: Webhook, id: string) => {
      const now = new Date();
      return fetch(`${shop}/postbacks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signer.sign(id, now, body),
        },
        body,
      });
    };
    expect((await post(new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`), 'msg_forged')).status).toBe(401);
    expect((await post(new Webhook(secret), 'msg_genuine')).status).toBe(200);
  });

  it("after all that, no log line and no shop page carries the demo shop's token or webhook secret", async () => {
    const token = stack.line(/^Demo shop token: (\S+)$/m)[1]!;
    const secret = stack.line(/^Demo shop webhook secret: (\S+)$/m)[1]!;
    const logLines = stack.lines.filter((l) => /^\[(worker|bansky-sandbox|demo-shop)\]/.test(l));
    expect(logLines.length).toBeGreaterThan(5);
    for (const line of logLines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(secret);
    }
    for (const path of ['/', '/postbacks.json', '/success?order=x']) {
      const body = await (await fetch(shop + path)).text();
      expect(body).not.toContain(token);
      expect(body).not.toContain(secret.slice(6));
    }
  });

  it('Ctrl-C stops everything; the next start reuses the demo shop and its token', async () => {
    const token = stack.line(/^Demo shop token: (\S+)$/m)[1];
    const shopId = stack.line(/^Created the demo shop (shop_\S+) /m)[1];
    expect(await stack.interrupt()).toBe(0);
    expect(stack.output()).toContain('Stopped.');
    await expect(fetch(`${worker}/healthz`)).rejects.toThrow();
    await expect(fetch(`${shop}/`)).rejects.toThrow();

    stack = new StartProcess(env);
    await stack.start();
    expect(stack.line(/^Reusing the demo shop (shop_\S+) /m)[1]).toBe(shopId);
    expect(stack.line(/^Demo shop token: (\S+)$/m)[1]).toBe(token);
    const res = await fetch(`${worker}/api/v1/payments/pay_AAAAAAAAAAAAAAAAAAAAAA`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await res.json()) as { code: string }).code).toBe('payment_not_found');
  }, 180_000); // a stop and a full start
});
