import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Problem } from '../../generated/api/types.gen';
import { app } from '../../src/app';
import type { ShopRecord } from '../../src/core/shops/shop-store';
import { type Env, parseConfig, type Vars } from '../../src/env';
import { sendTestPostback } from '../../src/shop-app/test-postback';
import { appPost, ORIGIN, signedInMember } from './app.support';
import { BASE, createShopWithToken, shopHeaders } from './helpers';
import { failNext, paymentBody, recorded, recorderUrl, shopHookPath } from './payments.support';

/**
 * Where our servers may send a request on a shop's say-so. A deployment (no LOCAL_DEVELOPMENT, as
 * wrangler.toml has it) posts only to public https, in test mode too, whatever the spelling of a
 * loopback or private address; a local development deployment (npm start, these tests' bindings)
 * may post to them in test mode. The "Send test postback" page never shows a loopback service's
 * answer, and shows an excerpt of a body only from the shop's own hosts.
 */
const deployed = { ...env, LOCAL_DEVELOPMENT: '' } as Env;

async function call(e: Env, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(BASE + path, { redirect: 'manual', ...init }), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const LOOPBACK_AND_PRIVATE = [
  'http://127.0.0.1:8787/admin/v1/shops',
  'http://localhost:8787/admin/v1/shops',
  'http://localhost./hook',
  'http://LOCALHOST/hook',
  'http://app.localhost/hook',
  'http://127.1/hook',
  'http://127.0.1/hook',
  'http://2130706433/hook',
  'http://0x7f000001/hook',
  'http://0x7f.0.0.1/hook',
  'http://0177.0.0.1/hook',
  'http://%31%32%37.0.0.1/hook',
  'http://127.255.255.254/hook',
  'http://[::1]/hook',
  'http://[0:0:0:0:0:0:0:1]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:7f00:1]/hook',
  'http://0.0.0.0/hook',
  'http://0/hook',
  'http://[::]/hook',
  'https://127.0.0.1/hook',
  'https://localhost/hook',
  'http://10.0.0.5/hook',
  'http://172.16.3.4/hook',
  'http://192.168.1.1/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00::1]/hook',
  'http://[fe80::1]/hook',
  'http://127.0.0.1.nip.io/hook',
];

let shop: { shopId: string; token: string };
beforeAll(async () => {
  shop = await createShopWithToken({ mode: 'test', allowedRedirectHosts: ['shop.example'] });
});

describe('a deployment posts only to public https, in test mode too', () => {
  it.each(LOOPBACK_AND_PRIVATE)('test-mode postbackUrl %s → 400 postback_url_not_allowed', async (postbackUrl) => {
    const res = await call(deployed, '/api/v1/init-payment', {
      method: 'POST',
      headers: shopHeaders(shop.token),
      body: JSON.stringify(paymentBody({ postbackUrl })),
    });
    const problem = (await res.json()) as Problem;
    expect([res.status, problem.code, problem.errors?.[0]?.path]).toEqual([400, 'postback_url_not_allowed', '/postbackUrl']);
  });

  it('test-mode redirects to http://localhost still work: the shop developer’s own browser follows them, not our servers', async () => {
    const res = await call(deployed, '/api/v1/init-payment', {
      method: 'POST',
      headers: shopHeaders(shop.token),
      body: JSON.stringify(
        paymentBody({ successUrl: 'http://localhost:3000/ok', errorUrl: 'http://127.0.0.1:3000/err', postbackUrl: undefined }),
      ),
    });
    expect(res.status).toBe(201);
  });

  it.each(LOOPBACK_AND_PRIVATE)('"Send test postback" to %s is not sent', async (url) => {
    const m = await signedInMember(shop.shopId);
    const res = await call(deployed, '/app/developers/test-postback', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `__Host-apay_app_session=${m.cookie}`, origin: ORIGIN },
      body: new URLSearchParams({ url, _csrf: m.csrf }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Not sent:');
  });
});

describe('a local development deployment (the tests’ bindings) reaches loopback in test mode', () => {
  it('a test postback to a loopback service shows its status and time, never its body', async () => {
    const m = await signedInMember(shop.shopId);
    const hook = `${shopHookPath()}/admin/v1/shops`;
    await failNext(hook, 1, 401);
    const res = await appPost('/app/developers/test-postback', { url: recorderUrl() + hook, _csrf: m.csrf }, { cookie: m.cookie });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('HTTP 401');
    expect(html).toMatch(/in \d+ ms/);
    expect(html).not.toContain('failing on purpose'); // the loopback service's body
    expect(html).toContain('The answer&#39;s body is not shown for local and private addresses.');
    expect(await recorded(hook)).toHaveLength(1); // it was sent: the status is real
  });

  it('live mode stays public https only', async () => {
    const live = await createShopWithToken({ mode: 'live', allowedRedirectHosts: ['shop.example'] });
    const res = await call(env as Env, '/api/v1/init-payment', {
      method: 'POST',
      headers: shopHeaders(live.token),
      body: JSON.stringify(paymentBody({ postbackUrl: `${recorderUrl()}/hook` })),
    });
    expect([res.status, ((await res.json()) as Problem).code]).toEqual([400, 'postback_url_not_allowed']);
  });
});

describe('the answer shown for a test postback', () => {
  afterEach(() => vi.restoreAllMocks());
  const clock = { now: () => new Date() };
  const record = { allowedRedirectHosts: ['shop.example', '*.shop.example'], webhookSecrets: [] } as unknown as ShopRecord;
  const withSecret = (s: ShopRecord): ShopRecord =>
    ({
      ...s,
      webhookSecrets: [{ secret: `whsec_${btoa('k'.repeat(24))}`, createdAt: new Date(0).toISOString(), expiresAt: null }],
    }) as unknown as ShopRecord;
  // The shop's own server (a public host, reached through the runtime's fetch).
  const answering = (status: number, body: string) =>
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response(body, { status }));

  it('from one of the shop’s own hosts: a short excerpt, on one line, without control characters', async () => {
    answering(500, `{"error":"db down"}\r\n\u001b[31m${'x'.repeat(1000)}`);
    const result = await sendTestPostback(withSecret(record), 'test', 'https://api.shop.example/hooks', {
      clock,
      timeoutMs: 1000,
      reach: { localDevelopment: false },
    });
    expect(result).toMatchObject({ ok: false, httpStatus: 500, withheld: null });
    const excerpt = (result as { excerpt: string }).excerpt;
    expect(excerpt.startsWith('{"error":"db down"} [31m')).toBe(true);
    expect(excerpt.length).toBe(200);
    expect(excerpt).not.toMatch(/\p{Cc}/u);
  });

  it('from any other public host: status and time only', async () => {
    answering(401, '{"detail":"admin token required"}');
    const result = await sendTestPostback(withSecret(record), 'test', 'https://someone-else.example/admin', {
      clock,
      timeoutMs: 1000,
      reach: { localDevelopment: false },
    });
    expect(result).toMatchObject({ ok: false, httpStatus: 401, excerpt: null });
    expect((result as { withheld: string }).withheld).toContain('shop.example');
  });
});

describe('the local development setting cannot reach a deployment', () => {
  it('the Worker refuses LOCAL_DEVELOPMENT unless PUBLIC_BASE_URL is a loopback address', () => {
    const base = { ...env } as unknown as Vars;
    expect(() => parseConfig({ ...base, LOCAL_DEVELOPMENT: 'true', PUBLIC_BASE_URL: 'https://api.aimbrellapay.example' })).toThrow(
      /LOCAL_DEVELOPMENT: is only for local development/,
    );
    for (const local of ['http://localhost:8787', 'http://127.0.0.1:9999', 'http://[::1]:8787']) {
      expect(parseConfig({ ...base, LOCAL_DEVELOPMENT: 'true', PUBLIC_BASE_URL: local }).localDevelopment).toBe(true);
    }
    expect(parseConfig({ ...base, LOCAL_DEVELOPMENT: '', PUBLIC_BASE_URL: 'https://api.aimbrellapay.example' }).localDevelopment).toBe(
      false,
    );
  });
});
