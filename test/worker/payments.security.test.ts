import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Problem } from '../../generated/api/types.gen';
import { CANARY } from '../support/test-bindings';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import {
  checkout,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';

describe('a payment is visible only to its shop, in its mode', () => {
  it.each([
    ['another shop (same mode)', { mode: 'test' as const }],
    ['the same shop with a live token', null],
  ])('%s → 404 payment_not_found, same as a missing payment', async (_name, otherShop) => {
    const owner = await createShopWithToken({ mode: 'test' });
    const id = (await shopApi(owner.token).init(paymentBody({ id: 'order-private' }))).data!.id;
    let otherToken: string;
    if (otherShop) otherToken = (await createShopWithToken(otherShop)).token;
    else {
      const issued = await worker.fetch(`${BASE}/admin/v1/shops/${owner.shopId}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CANARY.ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'live' }),
      });
      otherToken = ((await issued.json()) as { token: string }).token;
    }
    const other = await shopApi(otherToken).get(id);
    const missing = await shopApi(otherToken).get('pay_AAAAAAAAAAAAAAAAAAAAAA');
    expect(other.response.status).toBe(404);
    expect((other.error as Problem).code).toBe('payment_not_found');
    expect((other.error as Problem).detail).toBe((missing.error as Problem).detail);
    expect((await shopApi(owner.token).get(id)).response.status).toBe(200);
  });
});

describe('URLs a shop may not use', () => {
  let testToken: string;
  let liveToken: string;
  beforeAll(async () => {
    testToken = (await createShopWithToken({ mode: 'test', allowedRedirectHosts: ['shop.example'] })).token;
    liveToken = (await createShopWithToken({ mode: 'live', allowedRedirectHosts: ['shop.example'] })).token;
  });

  async function post(token: string, overrides: Record<string, string>) {
    const res = await worker.fetch(`${BASE}/api/v1/init-payment`, {
      method: 'POST',
      headers: shopHeaders(token),
      body: JSON.stringify(paymentBody(overrides)),
    });
    return { status: res.status, problem: (await res.json()) as Problem };
  }

  it.each([
    'https://evil.example/phish',
    'https://shop.example.evil.example/x',
    'https://evilshop.example/x',
    'https://sub.shop.example/x', // exact host only: no wildcard was allowed
    'https://user:pw@shop.example/x',
    'http://shop.example/x', // https only outside localhost
    'javascript:alert(1)',
  ])('open redirect: successUrl %s → 400 redirect_host_not_allowed', async (url) => {
    const { status, problem } = await post(testToken, { successUrl: url });
    expect(status).toBe(400);
    expect(['redirect_host_not_allowed', 'validation_failed']).toContain(problem.code);
    expect(problem.errors?.[0]?.path).toBe('/successUrl');
  });

  it('errorUrl is checked the same way', async () => {
    const { status, problem } = await post(testToken, { errorUrl: 'https://evil.example/' });
    expect([status, problem.code]).toEqual([400, 'redirect_host_not_allowed']);
  });

  it.each([
    'https://10.0.0.5/hook',
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/hook',
    'https://172.16.3.4/hook',
    'https://192.168.1.1/hook',
    'https://[fd00::1]/hook',
    'https://[fe80::1]/hook',
    'https://0x7f.0.0.1/hook',
    'https://2130706433/hook',
    'https://localhost/hook',
    'https://printer.local/hook',
    'https://db.internal/hook',
    'https://intranet/hook',
    'http://shop.example/hook',
    'http://localhost:3000/hook', // fine in test mode, never in live
  ])('SSRF: live postbackUrl %s → 400 postback_url_not_allowed', async (url) => {
    const { status, problem } = await post(liveToken, { postbackUrl: url, id: 'order-ssrf' });
    expect([status, problem.code]).toEqual([400, 'postback_url_not_allowed']);
    expect(problem.errors?.[0]?.path).toBe('/postbackUrl');
  });

  // Private and loopback targets in test mode: egress.security.test.ts (refused outside local development).
  it.each(['http://shop.example/hook'])('test-mode postbackUrl %s (plain http to a public host) is rejected too', async (url) => {
    const { status, problem } = await post(testToken, { postbackUrl: url });
    expect([status, problem.code]).toEqual([400, 'postback_url_not_allowed']);
  });

  it('test mode allows http://localhost and http://127.0.0.1 for all three URLs; live mode accepts public https (on 443 or 8443)', async () => {
    const local = await post(testToken, {
      successUrl: 'http://localhost:3000/ok',
      errorUrl: 'http://127.0.0.1:3000/err',
      postbackUrl: 'http://127.0.0.1:3000/hook',
    });
    expect(local.status).toBe(201);
    const live = await post(liveToken, { postbackUrl: 'https://hooks.shop.example:8443/apay' });
    expect(live.status).toBe(201);
  });

  it.each(['https://93.184.216.34/hook', 'https://[2606:4700:4700::1111]/hook'])(
    'a public IP literal %s is a valid live postbackUrl',
    async (url) => {
      expect((await post(liveToken, { postbackUrl: url })).status).toBe(201);
    },
  );
});

describe('secrets never leave the Worker', { timeout: 30_000 }, () => {
  afterEach(() => vi.restoreAllMocks());

  it('no canary secret in any response body, header, redirect or log line through a whole flow', async () => {
    // Onboarding answers the shop's token and webhook secret once, by design: before the capture.
    const shop = await createShopWithToken();
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    }
    const seen: string[] = [];
    const original = worker.fetch.bind(worker);
    vi.spyOn(worker, 'fetch').mockImplementation(async (input, init) => {
      const res = await original(input as Request, init);
      seen.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.clone().text()}`);
      return res;
    });

    const api = shopApi(shop.token);
    const hook = shopHookPath();
    // A paid payment with a postback, a failed init, a forged postback and a badly signed one.
    const init = await api.init(paymentBody({ id: 'order-canary', postbackUrl: recorderUrl() + hook }));
    const id = init.data!.id;
    const back = await checkout((await visit(init.data!.url)).headers.get('location')!, 'pay');
    await visit(back.headers.get('location')!);
    await relayBanskyPostbacks(id);
    await waitFor('postback', async () => (await api.get(id)).data!.postback.status === 'delivered');
    await api.init(paymentBody({ id: 'order-canary-fail', email: 'jane+init_fail@example.com' }));
    await worker.fetch(`${BASE}/api/payment-verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bansky-signature': 'sha256=00' },
      body: '{}',
    });
    const badlySigned = await api.init(paymentBody({ id: 'order-canary-bad', email: 'jane+postback_bad_signature@example.com' }));
    await checkout((await visit(badlySigned.data!.url)).headers.get('location')!, 'pay');
    await relayBanskyPostbacks(badlySigned.data!.id);
    await worker.fetch(`${BASE}/admin/v1/payments/${id}`, { headers: { authorization: `Bearer ${CANARY.ADMIN_TOKEN}` } });

    // The capture is real: the flow's own log lines and answers are in it.
    expect(lines.some((l) => l.includes('postback delivered'))).toBe(true);
    expect(lines.some((l) => l.includes('bansky init failed'))).toBe(true);
    expect(lines.some((l) => l.includes('bad signature'))).toBe(true);
    expect(seen.length).toBeGreaterThan(8);

    const shopPostbacks = (await recorded(hook)).map((r) => JSON.stringify(r));
    const secrets = Object.values(CANARY).filter((v) => v.length > 0);
    for (const text of [...seen, ...lines, ...shopPostbacks]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toContain(shop.webhookSecret);
      expect(text).not.toContain(shop.token);
    }
  });
});
