import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zBanskyInitResponse, zBanskyPaymentStatus, zBanskyPostback } from '../../generated/api/zod.gen.ts';
import { signBanskyPostback } from '../../sandbox/bansky/postbacks.ts';
import { type BanskySandbox, startBanskySandbox } from '../../sandbox/bansky/server.ts';

// The sandbox must speak the bansky-upstream contract, or tests against it prove nothing.
describe('Bansky sandbox speaks the Bansky contract', () => {
  let sandbox: BanskySandbox;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ signature: string; body: string }> = [];
  const auth = { authorization: 'Bearer sandbox-test-token', 'content-type': 'application/json' };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ signature: String(req.headers['x-bansky-signature']), body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/payment-verify`;
    sandbox = await startBanskySandbox({ port: 0, apiToken: 'sandbox-test-token', postbackSecret: 'sandbox-secret', postbackDelayMs: 50 });
  });
  afterAll(async () => {
    await sandbox.close();
    receiver.close();
  });

  const init = (id: string, email: string) => ({
    id,
    email,
    amount: '12.50',
    currency: 'EUR',
    type: 'fiat',
    successUrl: 'http://shop.test/ok',
    errorUrl: 'http://shop.test/err',
    postbackUrl: receiverUrl,
  });
  const post = (body: unknown, headers = auth) =>
    fetch(`${sandbox.url}/v1/payments`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('init answers {url} per the contract, and the page is a no-JS form with Pay and Decline', async () => {
    const res = await post(init('pay_AAAAAAAAAAAAAAAAAAAAA1', 'a@example.com'));
    expect(res.status).toBe(200);
    const { url } = zBanskyInitResponse.parse(await res.json());
    const html = await (await fetch(url)).text();
    expect(html).toContain('<form method="post"');
    expect(html).toMatch(/<button[^>]*value="pay"[^>]*>Pay</);
    expect(html).toMatch(/<button[^>]*value="decline"[^>]*>Decline</);
    expect(html).not.toContain('<script');
  });

  it('Pay redirects to successUrl and posts a correctly signed postback', async () => {
    const id = 'pay_AAAAAAAAAAAAAAAAAAAAA2';
    const { url } = (await (await post(init(id, 'b@example.com'))).json()) as { url: string };
    const res = await fetch(url, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('http://shop.test/ok');
    await expect.poll(() => received.filter((r) => r.body.includes(id)).length).toBe(1);
    const pb = received.find((r) => r.body.includes(id))!;
    expect(zBanskyPostback.parse(JSON.parse(pb.body))).toMatchObject({ id, status: 'paid', amount: '12.50', currency: 'EUR' });
    expect(pb.signature).toBe(signBanskyPostback(pb.body, 'sandbox-secret'));
    expect(sandbox.stats(id).initCalls).toBe(1);
  });

  it('init is idempotent on our id: the same body gets the same checkout, another body a 409; the lookup carries the open checkout', async () => {
    const id = 'pay_AAAAAAAAAAAAAAAAAAAAI1';
    const first = zBanskyInitResponse.parse(await (await post(init(id, 'i@example.com'))).json());
    const again = await post(init(id, 'i@example.com'));
    expect([again.status, zBanskyInitResponse.parse(await again.json()).url]).toEqual([200, first.url]);
    const other = await post({ ...init(id, 'i@example.com'), amount: '13.00' });
    expect([other.status, ((await other.json()) as { error: string }).error]).toEqual([409, 'conflict']);
    expect(sandbox.stats(id)).toMatchObject({ initCalls: 3, sessions: [expect.objectContaining({ amount: '12.50' })] });
    const lookup = zBanskyPaymentStatus.parse(await (await fetch(`${sandbox.url}/v1/payments/${id}`, { headers: auth })).json());
    expect([lookup.status, lookup.url]).toEqual(['pending', first.url]);
    await fetch(first.url, { method: 'POST', body: new URLSearchParams({ action: 'decline' }), redirect: 'manual' });
    const done = zBanskyPaymentStatus.parse(await (await fetch(`${sandbox.url}/v1/payments/${id}`, { headers: auth })).json());
    expect([done.status, done.url]).toEqual(['failed', undefined]);
  });

  it('rejects a wrong token and a body that breaks the contract', async () => {
    expect((await post({}, { ...auth, authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post({ id: 'x' })).status).toBe(400);
  });

  it('fault switches: init_fail → 500, init_garbage → 200 off-contract, postback_bad_signature', async () => {
    expect((await post(init('pay_AAAAAAAAAAAAAAAAAAAAA3', 'c+init_fail@example.com'))).status).toBe(500);
    const garbage = await post(init('pay_AAAAAAAAAAAAAAAAAAAAA4', 'c+init_garbage@example.com'));
    expect(garbage.status).toBe(200);
    expect(zBanskyInitResponse.safeParse(await garbage.json()).success).toBe(false);

    const id = 'pay_AAAAAAAAAAAAAAAAAAAAA5';
    const { url } = (await (await post(init(id, 'd+postback_bad_signature@example.com'))).json()) as { url: string };
    await fetch(url, { method: 'POST', body: new URLSearchParams({ action: 'decline' }), redirect: 'manual' });
    await expect.poll(() => received.filter((r) => r.body.includes(id)).length).toBe(1);
    const pb = received.find((r) => r.body.includes(id))!;
    expect(JSON.parse(pb.body).status).toBe('failed');
    expect(pb.signature).not.toBe(signBanskyPostback(pb.body, 'sandbox-secret'));
  });
});
