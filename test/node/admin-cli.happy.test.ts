import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../generated/api/client/index.ts';
import { initPayment } from '../../generated/api/sdk.gen.ts';
import { freePort } from '../../scripts/lib/ports.mjs';
import { type Stack, startStack } from '../../scripts/local/stack.ts';
import { type HttpRecorder, type RecordedRequest, startHttpRecorder } from '../support/node/http-recorder.ts';
import { browse, eventually, runCli, submitCheckout } from './e2e.support.ts';

/** An operator onboards a shop with nothing but `npm run admin`, against the running stack. */
describe('operator CLI against the local stack', () => {
  const state = mkdtempSync(join(tmpdir(), 'apay-cli-'));
  let stack: Stack;
  let recorder: HttpRecorder;
  const cli = (...args: string[]) => runCli([...args, '--base-url', stack.workerUrl]);
  const shared = { shopId: '', token: '', tokenId: '', webhookSecret: '' };

  beforeAll(async () => {
    recorder = await startHttpRecorder();
    stack = await startStack({
      workerPort: await freePort(),
      sandboxPort: await freePort(),
      shopPort: await freePort(),
      bigqueryPort: 0,
      bigquery: false,
      stateDir: state,
      log: () => {},
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await recorder?.close();
    rmSync(state, { recursive: true, force: true });
  });

  /** The shop's side: its own server calling init-payment with the token the operator handed over. */
  async function startPayment(token: string, hookPath: string, id = `order-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
    const client = createClient({ baseUrl: stack.workerUrl, auth: token });
    return initPayment({
      client,
      body: {
        id,
        email: 'buyer@example.com',
        amount: '5.00',
        currency: 'EUR',
        successUrl: 'https://corner.example/thanks',
        errorUrl: 'https://corner.example/sorry',
        postbackUrl: `${recorder.url}${hookPath}`,
      },
    });
  }

  /** Customer pays at the sandbox; resolves with the postback the shop received. */
  async function payAndAwaitPostback(url: string, hookPath: string): Promise<RecordedRequest> {
    const checkout = (await browse(url)).hops[0]!.location!;
    const paid = await submitCheckout(checkout, 'Pay', (u) => new URL(u).hostname === 'corner.example');
    // The customer ends up on the shop's own page; we stop before leaving this machine.
    expect(paid.hops.at(-1)!.url).toBe('https://corner.example/thanks');
    return eventually(async () => {
      const res = await fetch(`${recorder.url}/_recorder/requests?prefix=${encodeURIComponent(hookPath)}`);
      return ((await res.json()) as { requests: RecordedRequest[] }).requests[0];
    }, `a postback at ${hookPath}`);
  }

  const verifies = (secret: string, p: RecordedRequest) => {
    try {
      new Webhook(secret).verify(p.body, p.headers);
      return true;
    } catch {
      return false;
    }
  };

  it('onboards a shop from nothing to its first paid test payment, with a verifiable postback', async () => {
    const created = await cli('shops', 'create', '--name', 'Corner Shop', '--allow-host', 'corner.example');
    expect(created.code).toBe(0);
    shared.shopId = /Created shop (shop_[A-Za-z0-9]+)/.exec(created.stdout)![1]!;
    shared.webhookSecret = /Webhook secret .*: (whsec_\S+)/.exec(created.stdout)![1]!;

    const issued = await cli('tokens', 'issue', '--shop', shared.shopId, '--mode', 'test', '--label', 'checkout');
    expect(issued.code).toBe(0);
    shared.token = /Token .*: (apay_test_[A-Za-z0-9]{43})/.exec(issued.stdout)![1]!;
    shared.tokenId = /Issued test token (tok_[A-Za-z0-9]+)/.exec(issued.stdout)![1]!;

    const { data, response } = await startPayment(shared.token, '/corner/first');
    expect(response.status).toBe(201);
    const postback = await payAndAwaitPostback(data!.url, '/corner/first');
    expect(verifies(shared.webhookSecret, postback)).toBe(true);
    expect(JSON.parse(postback.body)).toMatchObject({ type: 'payment.paid', data: { id: data!.id, status: 'paid' } });

    const shown = await cli('payments', 'show', data!.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/status:\s+paid/);
    expect(shown.stdout).toContain(shared.shopId);
  });

  it('redelivers a postback with the same webhook-id, and lists dead letters', async () => {
    const { data } = await startPayment(shared.token, '/corner/redeliver');
    const first = await payAndAwaitPostback(data!.url, '/corner/redeliver');
    const run = await cli('postbacks', 'redeliver', '--payment', data!.id);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`queued again (webhook-id ${first.headers['webhook-id']})`);
    const again = await eventually(async () => {
      const res = await fetch(`${recorder.url}/_recorder/requests?prefix=/corner/redeliver`);
      return ((await res.json()) as { requests: RecordedRequest[] }).requests[1];
    }, 'the redelivered postback');
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(verifies(shared.webhookSecret, again)).toBe(true);

    const dead = await cli('postbacks', 'dead-letters', '--json');
    expect(dead.code).toBe(0);
    expect(JSON.parse(dead.stdout)).toEqual({ items: [], nextCursor: null });
  });

  it('lists shops and tokens readably and as JSON, never showing a token or secret again', async () => {
    const shops = await cli('shops', 'list');
    expect(shops.stdout).toMatch(new RegExp(`${shared.shopId}\\s+Corner Shop\\s+enabled\\s+corner\\.example`));
    const tokens = await cli('tokens', 'list', '--shop', shared.shopId);
    expect(tokens.stdout).toContain(`apay_test_…${shared.token.slice(-4)}`);
    const asJson = await cli('tokens', 'list', '--shop', shared.shopId, '--json');
    const page = JSON.parse(asJson.stdout) as { items: Array<{ id: string; label: string }>; nextCursor: string | null };
    expect(page.items).toEqual([expect.objectContaining({ id: shared.tokenId, label: 'checkout' })]);
    for (const out of [shops, tokens, asJson, await cli('shops', 'show', shared.shopId)]) {
      expect(out.stdout).not.toContain(shared.token);
      expect(out.stdout).not.toContain(shared.webhookSecret);
    }
  });

  it('follows nextCursor so a list shows every shop', async () => {
    for (const n of [1, 2, 3]) expect((await cli('shops', 'create', '--name', `Paged ${n}`, '--allow-host', 'p.example')).code).toBe(0);
    const all = JSON.parse((await cli('shops', 'list', '--limit', '2', '--json')).stdout) as { items: Array<{ name: string }> };
    expect(all.items.map((s) => s.name)).toEqual(expect.arrayContaining(['Corner Shop', 'Paged 1', 'Paged 2', 'Paged 3']));
    // With five shops and pages of two, this needs three pages.
    expect(all.items.length).toBeGreaterThanOrEqual(5);
  });

  it('rotates the webhook secret: during the overlap postbacks verify with both secrets', async () => {
    const rotated = await cli('webhook-secret', 'rotate', '--shop', shared.shopId, '--overlap-seconds', '600');
    expect(rotated.code).toBe(0);
    const second = /New webhook secret .*: (whsec_\S+)/.exec(rotated.stdout)![1]!;
    const { data } = await startPayment(shared.token, '/corner/overlap');
    const during = await payAndAwaitPostback(data!.url, '/corner/overlap');
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(shared.webhookSecret, during)).toBe(true);
    expect(verifies(second, during)).toBe(true);

    const third = /New webhook secret .*: (whsec_\S+)/.exec(
      (await cli('webhook-secret', 'rotate', '--shop', shared.shopId, '--overlap-seconds', '0')).stdout,
    )![1]!;
    const next = await startPayment(shared.token, '/corner/after');
    const after = await payAndAwaitPostback(next.data!.url, '/corner/after');
    expect(verifies(third, after)).toBe(true);
    expect(verifies(second, after)).toBe(false); // replaced without overlap: no longer signs
  });

  it('disable → the shop gets 403 shop_disabled; enable → works; revoke → 401', async () => {
    expect((await cli('shops', 'disable', shared.shopId)).code).toBe(0);
    const disabled = await startPayment(shared.token, '/corner/disabled');
    expect(disabled.response.status).toBe(403);
    expect((disabled.error as { code: string }).code).toBe('shop_disabled');
    expect((await cli('shops', 'enable', shared.shopId)).code).toBe(0);
    expect((await startPayment(shared.token, '/corner/enabled')).response.status).toBe(201);

    const revoked = await cli('tokens', 'revoke', '--shop', shared.shopId, '--token', shared.tokenId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('within 60 s');
    const refused = await startPayment(shared.token, '/corner/revoked');
    expect(refused.response.status).toBe(401);
  });
});
