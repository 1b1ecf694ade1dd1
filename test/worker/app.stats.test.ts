import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { base64url } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/app';
import type { Env } from '../../src/env';
import { type EmbeddableDashboard, MetabaseEmbedError, verifyMetabaseEmbedToken } from '../support/metabase-jwt-verifier';
import { CANARY } from '../support/test-bindings';
import { appGet, appPost, ORIGIN, signedInMember } from './app.support';
import { BASE, createShopWithToken } from './helpers';
import { recorderUrl } from './payments.support';

/**
 * The Stats page inside workerd: the figures' messages without BigQuery, the Metabase
 * guest embed with METABASE_* configured (an env of its own, as limits.rate-limit.test.ts does),
 * and the token refresh endpoint. Tokens are checked with the verifier written from Metabase's
 * jwt.clj and embedding/api/common.clj: a member of shop A never obtains one carrying shop B.
 * The figures with real data are tested in Chromium against the BigQuery emulator (node project).
 */
const SITE = 'https://metabase.example.com';
const SECRET = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
const DASHBOARD = 7;
const withMetabase = {
  ...env,
  METABASE_SITE_URL: `${SITE}/`,
  METABASE_DASHBOARD_ID: String(DASHBOARD),
  METABASE_EMBED_SECRET: SECRET,
} as Env;

// The dashboard as bigquery/metabase/dashboard.ts provisions it (shop_id and mode locked).
const dashboard: EmbeddableDashboard = {
  enable_embedding: true,
  embedding_params: { shop_id: 'locked', mode: 'locked', from: 'enabled', to: 'enabled', currency: 'enabled', status: 'enabled' },
};
const verify = (token: string) => verifyMetabaseEmbedToken(token, { secret: SECRET, dashboards: { [DASHBOARD]: dashboard, 8: dashboard } });

async function call(e: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(BASE + path, { redirect: 'manual', ...init }), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
const cookieHeader = (cookie: string) => ({ cookie: `__Host-apay_app_session=${cookie}` });
const page = (e: Env, cookie: string, path = '/app/stats') => call(e, path, { headers: cookieHeader(cookie) });

function refresh(e: Env, cookie: string | null, body: unknown, headers: Record<string, string> = { origin: ORIGIN }): Promise<Response> {
  return call(e, '/app/stats/embed-token?response=json', {
    method: 'POST',
    // embed.js sends JSON.stringify(...) as the body without a JSON content type.
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...(cookie ? cookieHeader(cookie) : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const tokenIn = (html: string) => /<metabase-dashboard token="([^"]+)"/.exec(html)?.[1] ?? null;
const claimsOf = (jwt: string) =>
  JSON.parse(new TextDecoder().decode(base64url.decode(jwt.split('.')[1]!))) as { exp: number; iat: number };

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values]),
  );
}

let shopA: string;
let shopB: string;
let memberA: Awaited<ReturnType<typeof signedInMember>>;
let memberB: Awaited<ReturnType<typeof signedInMember>>;

beforeAll(async () => {
  shopA = (await createShopWithToken({ name: 'Stats shop A' })).shopId;
  shopB = (await createShopWithToken({ name: 'Stats shop B' })).shopId;
  memberA = await signedInMember(shopA);
  memberB = await signedInMember(shopB);
});

describe('the Stats page without BigQuery or Metabase (the test bindings)', () => {
  it('says plainly that charts are not available, shows nothing for operators, with the strict CSP', async () => {
    const res = await appGet('/app/stats', memberA.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Stats</h1>');
    expect(html).toContain('Charts are not available on this installation yet.');
    // Nothing for operators on a merchant's page: no setting names, commands, internal links or a "connect" box.
    for (const operatorText of [
      'METABASE_',
      'npm run',
      '/internal',
      'provision',
      'Interactive dashboard not connected',
      'BigQuery is not configured',
      'wrangler',
    ])
      expect(html, operatorText).not.toContain(operatorText);
    expect(html).not.toContain('<metabase-dashboard');
    expect(html).not.toContain('embed.js');
    expect(html).not.toContain(CANARY.METABASE_EMBED_SECRET);
    // No range picker when there is nothing to pick a range of.
    expect(html).not.toContain('range-picker');
    const odd = await (await appGet('/app/stats?range=%3Cscript%3E', memberA.cookie)).text();
    expect(odd).not.toContain('<script>');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('a partly configured embed is logged for operators (which settings are missing), never shown', async () => {
    const lines: string[] = [];
    const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    );
    try {
      const html = await (await page(env as Env, memberA.cookie)).text();
      expect(html).not.toContain('METABASE_');
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const line = lines.find((l) => l.includes('metabase embed partly configured'));
    expect(line).toBeDefined();
    expect(line).toContain('METABASE_SITE_URL');
    expect(line).toContain('METABASE_DASHBOARD_ID');
    expect(line).not.toContain(CANARY.METABASE_EMBED_SECRET);
  });

  it('the refresh endpoint answers 404 when Metabase is not configured', async () => {
    const res = await refresh(env as Env, memberA.cookie, { entityType: 'dashboard', entityId: DASHBOARD });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Metabase is not configured' });
  });
});

describe('the Stats page when BigQuery is unreachable', () => {
  it('shows a clear message, not a 500, and asked with query parameters (no shop id in the SQL text)', async () => {
    const prefix = `/bigquery-down-${crypto.randomUUID().slice(0, 8)}`;
    await fetch(`${recorderUrl()}/_recorder/fail`, { method: 'POST', body: JSON.stringify({ prefix, times: 100, status: 503 }) });
    const down = { ...env, BIGQUERY_PROJECT: 'apay-down', BIGQUERY_BASE_URL: recorderUrl() + prefix } as Env;
    const res = await page(down, memberA.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('BigQuery cannot be reached right now');
    expect(html).not.toContain('METABASE_');

    const { requests } = (await (await fetch(`${recorderUrl()}/_recorder/requests?prefix=${prefix}`)).json()) as {
      requests: Array<{ path: string; body: string }>;
    };
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.path).toBe(`${prefix}/bigquery/v2/projects/apay-down/queries`);
      const body = JSON.parse(r.body) as { query: string; queryParameters: Array<{ name: string; parameterValue: { value: string } }> };
      expect(body.query).not.toContain(shopA);
      expect(body.queryParameters).toContainEqual({ name: 'shop_id', parameterType: { type: 'STRING' }, parameterValue: { value: shopA } });
      expect(body.queryParameters).toContainEqual({ name: 'mode', parameterType: { type: 'STRING' }, parameterValue: { value: 'test' } });
    }
  });
});

describe('the Stats page with Metabase configured', () => {
  it("carries a token Metabase's rules accept, for exactly the member's shop and mode, expiring within 10 minutes", async () => {
    const res = await page(withMetabase, memberA.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    const token = tokenIn(html)!;
    expect(token).toBeTruthy();
    const verified = await verify(token);
    expect(verified).toEqual({ dashboardId: DASHBOARD, params: { shop_id: [shopA], mode: ['test'] } });
    const { exp, iat } = claimsOf(token);
    expect(exp - iat).toBeLessThanOrEqual(600);
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(600_000);
    expect(html).not.toContain(SECRET);
    // The config for embed.js travels in data attributes read by our own script (no inline script).
    expect(html).toContain(`data-instance-url="${SITE}" data-provider-uri="/app/stats/embed-token"`);
    const scripts = [...html.matchAll(/<script src="([^"]+)" defer(?:="")?><\/script>/g)].map((m) => m[1]);
    const ours = scripts.indexOf('/assets/stats-embed.js');
    const theirs = scripts.indexOf(`${SITE}/app/embed.js`);
    expect(ours).toBeGreaterThanOrEqual(0);
    expect(theirs).toBeGreaterThan(ours); // both deferred: run in document order, the config first
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script at all
    expect(html).toContain('with-title="true"');
    // dashboard-id beside the token: older embed.js releases refresh a token only from this attribute.
    expect(html).toContain(`<metabase-dashboard token="${token}" dashboard-id="${DASHBOARD}" with-title="true">`);
    // Downloads cannot be turned off on Metabase's open-source edition: the page does not pretend to.
    expect(html).not.toContain('with-downloads');
  });

  it("member B's page carries B's shop, never A's; switching to live mode signs for live", async () => {
    const b = await verify(tokenIn(await (await page(withMetabase, memberB.cookie)).text())!);
    expect(b.params).toEqual({ shop_id: [shopB], mode: ['test'] });
    const m = await signedInMember(shopA);
    expect((await appPost('/app/mode', { mode: 'live', back: '/app/stats', _csrf: m.csrf }, { cookie: m.cookie })).status).toBe(303);
    const live = await verify(tokenIn(await (await page(withMetabase, m.cookie)).text())!);
    expect(live.params).toEqual({ shop_id: [shopA], mode: ['live'] });
  });

  it('admits the Metabase origin exactly in script-src, frame-src and connect-src, and nowhere else; other pages stay strict', async () => {
    const res = await page(withMetabase, memberA.cookie);
    const csp = res.headers.get('content-security-policy')!;
    const d = directives(csp);
    expect(d.get('script-src')).toEqual(["'self'", SITE]);
    expect(d.get('frame-src')).toEqual([SITE]);
    expect(d.get('connect-src')).toEqual(["'self'", SITE]);
    for (const [name, values] of d)
      if (!['script-src', 'frame-src', 'connect-src'].includes(name)) expect(values, name).not.toContain(SITE);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('*');
    for (const path of ['/app/payments', '/app/developers', '/app/no-such-page']) {
      const other = (await page(withMetabase, memberA.cookie, path)).headers.get('content-security-policy')!;
      expect(other, path).not.toContain(SITE);
      expect(other, path).not.toContain('frame-src');
    }
  });

  it('a misconfigured site URL (with a path) fails loudly instead of loosening the CSP', async () => {
    const bad = { ...withMetabase, METABASE_SITE_URL: `${SITE}/metabase` } as Env;
    const res = await page(bad, memberA.cookie);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(SECRET);
  });
});

describe('the embed token refresh endpoint (guestEmbedProviderUri)', () => {
  const ask = { entityType: 'dashboard', entityId: DASHBOARD, customContext: null };

  it("signs a fresh token for the session's shop and mode, whatever the body says", async () => {
    for (const body of [
      ask,
      { ...ask, entityId: String(DASHBOARD) },
      { ...ask, customContext: { shop_id: shopB } },
      { ...ask, params: { shop_id: [shopB] }, shopId: shopB },
    ]) {
      const res = await refresh(withMetabase, memberA.cookie, body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const { jwt } = (await res.json()) as { jwt: string };
      expect((await verify(jwt)).params).toEqual({ shop_id: [shopA], mode: ['test'] });
    }
  });

  it('refuses another dashboard, another entity type or a body it cannot read (403, no token)', async () => {
    for (const body of [
      { ...ask, entityId: 8 },
      { ...ask, entityId: '8' },
      { ...ask, entityId: `${DASHBOARD}; 8` },
      { ...ask, entityType: 'question' },
      { entityId: DASHBOARD },
      'not json',
      '',
      JSON.stringify({ ...ask, pad: 'x'.repeat(5000) }),
    ]) {
      const res = await refresh(withMetabase, memberA.cookie, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(403);
      const text = await res.text();
      expect(text).not.toContain('jwt');
      expect(text).not.toContain('eyJ');
    }
  });

  it('refuses a cross-site request, and one that does not say where it comes from', async () => {
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: SITE }, // not even Metabase's own origin: the embed's script runs in our page
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      {},
    ] as Array<Record<string, string>>) {
      const res = await refresh(withMetabase, memberA.cookie, ask, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.text()).not.toContain('eyJ');
    }
    expect((await refresh(withMetabase, memberA.cookie, ask, { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('without a valid session: 401 JSON, no token', async () => {
    const [shopId, secret] = memberA.cookie.split('.') as [string, string];
    for (const cookie of [null, 'garbage', `${shopId}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, `${shopB}.${secret}`]) {
      const res = await refresh(withMetabase, cookie, ask);
      expect(res.status, String(cookie)).toBe(401);
      expect(await res.json()).toEqual({ error: 'not signed in' });
    }
    const gone = await signedInMember(shopA);
    await call(env as Env, `/admin/v1/shops/${shopA}/members/${gone.memberId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${CANARY.ADMIN_TOKEN}` },
    });
    expect((await refresh(withMetabase, gone.cookie, ask)).status).toBe(401);
  });

  it('never carries shop B for a member of shop A, by any route (the verifier refuses B-less tampering too)', async () => {
    const tokens: string[] = [];
    tokens.push(tokenIn(await (await page(withMetabase, memberA.cookie)).text())!);
    for (const body of [ask, { ...ask, customContext: shopB }]) {
      const res = await refresh(withMetabase, memberA.cookie, body);
      if (res.status === 200) tokens.push(((await res.json()) as { jwt: string }).jwt);
    }
    expect(tokens.length).toBe(3);
    for (const t of tokens) {
      expect(JSON.stringify(await verify(t))).not.toContain(shopB);
      // Re-signing A's token with B's shop needs the secret: a forged payload fails Metabase's check.
      const [h, , s] = t.split('.');
      const forged = `${h}.${base64url.encode(JSON.stringify({ resource: { dashboard: DASHBOARD }, params: { shop_id: [shopB], mode: ['test'] }, exp: claimsOf(t).exp }))}.${s}`;
      await expect(verify(forged)).rejects.toBeInstanceOf(MetabaseEmbedError);
    }
  });
});
