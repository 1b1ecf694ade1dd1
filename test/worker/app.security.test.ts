import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/platform/lib/secret-box';
import { Limiter } from '../../src/platform/limits/limiter';
import { APP_SIGN_IN_POLICIES, LoginThrottle } from '../../src/platform/limits/login-throttle';
import { MemberService, type MembersNamespace } from '../../src/shop-app/members/service';
import { appGet, appPost, invite, ORIGIN, PASSWORD, sessionCookieOf, signedInMember } from './app.support';
import { adminCall, BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import { paymentBody, recorderUrl, shopApi } from './payments.support';

/**
 * Every /app route against every way in that must fail (docs/architecture.md#security): no session, a tampered
 * cookie, an expired session, a removed member, another shop's member, a cross-site POST.
 */
type Route = {
  method: 'GET' | 'POST';
  path: (ctx: Ctx) => string;
  fields?: (ctx: Ctx) => Record<string, string>;
  /**
   * A script's same-origin fetch, not a form (the Metabase embed's token refresh): JSON body, 401
   * JSON without a session, and no CSRF token to send, so it is guarded by Origin alone.
   */
  fetch?: unknown;
};
interface Ctx {
  paymentId: string;
  tokenId: string;
}

const ROUTES: Route[] = [
  { method: 'GET', path: () => '/app' },
  { method: 'GET', path: () => '/app/payments' },
  { method: 'GET', path: (x) => `/app/payments/${x.paymentId}` },
  { method: 'GET', path: () => '/app/developers' },
  { method: 'GET', path: () => '/app/stats' },
  { method: 'GET', path: () => '/app/no-such-page' },
  { method: 'POST', path: (x) => `/app/payments/${x.paymentId}/resend` },
  { method: 'POST', path: () => '/app/developers/tokens', fields: () => ({ label: 'intruder' }) },
  { method: 'POST', path: (x) => `/app/developers/tokens/${x.tokenId}/revoke` },
  { method: 'POST', path: () => '/app/developers/webhook-secret' },
  { method: 'POST', path: () => '/app/developers/test-postback', fields: () => ({ url: `${recorderUrl()}/security-matrix` }) },
  { method: 'POST', path: () => '/app/mode', fields: () => ({ mode: 'live' }) },
  { method: 'POST', path: () => '/app/sign-out' },
  { method: 'POST', path: () => '/app/stats/embed-token', fetch: { entityType: 'dashboard', entityId: 1, customContext: null } },
];

const membersNs = () => env.MEMBERS as unknown as MembersNamespace;
const serviceAt = (now: () => Date) =>
  new MemberService({
    ns: membersNs(),
    kv: env.KV,
    throttle: new LoginThrottle(new Limiter(env.LIMITER), 'app', APP_SIGN_IN_POLICIES),
    box: new SecretBox(env.WEBHOOK_SECRET_KEYS),
    clock: { now },
    publicBaseUrl: BASE,
  });

let victim: { shopId: string; token: string; tokenId: string; webhookSecrets: number; tokens: number };
let ctx: Ctx;

async function shopState(shopId: string) {
  const shop = (await env.KV.get<{ webhookSecrets: unknown[] }>(`shop:${shopId}`, 'json'))!;
  const tokens = (await (await adminCall('GET', `/admin/v1/shops/${shopId}/tokens`)).json()) as { items: { revokedAt: string | null }[] };
  return {
    webhookSecrets: shop.webhookSecrets.length,
    tokens: tokens.items.length,
    revoked: tokens.items.filter((t) => t.revokedAt).length,
  };
}

beforeAll(async () => {
  const shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'], name: 'Victim shop' });
  const paymentId = (await shopApi(shop.token).init(paymentBody({ id: 'victim-order' }))).data!.id;
  const state = await shopState(shop.shopId);
  victim = { ...shop, webhookSecrets: state.webhookSecrets, tokens: state.tokens };
  ctx = { paymentId, tokenId: shop.tokenId };
});

function call(route: Route, cookie: string | null, csrf = '', origin?: string | null) {
  const path = route.path(ctx);
  if (route.method === 'GET') return appGet(path, cookie);
  if (route.fetch) return fetchPost(path, route.fetch, cookie, origin === undefined ? ORIGIN : origin);
  return appPost(path, { ...(route.fields?.(ctx) ?? {}), _csrf: csrf }, { cookie, origin });
}

function fetchPost(path: string, body: unknown, cookie: string | null, origin: string | null, headers: Record<string, string> = {}) {
  return worker.fetch(BASE + path, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'text/plain;charset=UTF-8',
      ...(cookie ? { cookie: `__Host-apay_app_session=${cookie}` } : {}),
      ...(origin ? { origin } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function expectSignedOut(res: Response) {
  if (res.headers.get('content-type')?.startsWith('application/json')) {
    // The fetch route: a script cannot follow a redirect to a sign-in page.
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'not signed in' });
    return;
  }
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/app/sign-in');
  const body = await res.text();
  expect(body).not.toContain('Victim shop');
  expect(body).not.toContain(ctx.paymentId);
}

async function expectVictimUntouched() {
  const now = await shopState(victim.shopId);
  expect(now).toEqual({ webhookSecrets: victim.webhookSecrets, tokens: victim.tokens, revoked: 0 });
  expect((await worker.fetch(`${BASE}/api/v1/payments/${ctx.paymentId}`, { headers: shopHeaders(victim.token) })).status).toBe(200);
}

describe.each(ROUTES.map((r) => [`${r.method} ${r.path({ paymentId: '{payment}', tokenId: '{token}' })}`, r] as const))(
  '%s',
  (_name, route) => {
    it('without a session: sent to sign-in, nothing happens', async () => {
      await expectSignedOut(await call(route, null));
      await expectVictimUntouched();
    });

    it('with a tampered cookie: sent to sign-in', async () => {
      const m = await signedInMember(victim.shopId);
      const [shopId, secret] = m.cookie.split('.') as [string, string];
      const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      for (const cookie of [`${shopId}.${flipped}`, `${shopId}.${secret}x`, `shop_AAAAAAAAAAAAAAAA.${secret}`, secret, 'garbage']) {
        await expectSignedOut(await call(route, cookie, m.csrf));
      }
      await expectVictimUntouched();
    });

    it('with an expired session: sent to sign-in', async () => {
      // Signed in 13 h ago (beyond the 12 h absolute limit) with a clock passed to the domain.
      const past = serviceAt(() => new Date(Date.now() - 13 * 3600_000));
      const email = `old-${crypto.randomUUID().slice(0, 8)}@shop.example`;
      const link = await past.invite(victim.shopId, email, 'operator');
      const accepted = await past.acceptInvite(link.inviteUrl.split('/app/invite/')[1]!, PASSWORD);
      expect(accepted.ok).toBe(true);
      await expectSignedOut(await call(route, accepted.ok ? accepted.cookie : null));
      await expectVictimUntouched();
    });

    it('as a removed member: sent to sign-in', async () => {
      const m = await signedInMember(victim.shopId);
      expect((await adminCall('DELETE', `/admin/v1/shops/${victim.shopId}/members/${m.memberId}`)).status).toBe(200);
      await expectSignedOut(await call(route, m.cookie, m.csrf));
      await expectVictimUntouched();
    });

    it("as another shop's member: none of the victim's data, none of its objects changed", async () => {
      const other = await createShopWithToken({ name: 'Other shop' });
      const m = await signedInMember(other.shopId);
      const res = await call(route, m.cookie, m.csrf);
      const body = await res.text();
      expect(body).not.toContain('Victim shop');
      expect(body).not.toContain('victim-order');
      expect(body).not.toContain(`${victim.token.slice(-4)}<`);
      if (route.path(ctx).includes(ctx.paymentId)) expect(res.status).toBe(404);
      if (route.path(ctx).includes(ctx.tokenId)) expect(res.status).toBe(404);
      await expectVictimUntouched();
    });

    if (route.fetch) {
      it('cross-site, or without saying where it comes from: refused with 403 (Origin is its CSRF guard)', async () => {
        const m = await signedInMember(victim.shopId);
        for (const [origin, headers] of [
          ['https://evil.example', {}],
          ['null', {}],
          [null, { 'sec-fetch-site': 'cross-site' }],
          [null, { 'sec-fetch-site': 'same-site' }],
          [null, {}],
        ] as const) {
          const res = await fetchPost(route.path(ctx), route.fetch, m.cookie, origin, headers);
          expect(res.status, `${origin} ${JSON.stringify(headers)}`).toBe(403);
          expect(await res.text()).not.toContain('eyJ');
        }
        await expectVictimUntouched();
      });
    } else if (route.method === 'POST') {
      it('cross-site (or without the CSRF token): refused with 403, nothing happens', async () => {
        const m = await signedInMember(victim.shopId);
        const before = await shopState(victim.shopId);
        for (const [csrf, origin] of [
          [m.csrf, 'https://evil.example'],
          [m.csrf, 'null'],
          ['', undefined],
          ['wrong-token', undefined],
        ] as const) {
          const res = await call(route, m.cookie, csrf, origin);
          expect(res.status).toBe(403);
        }
        const crossSiteFetch = await appPost(
          route.path(ctx),
          { ...(route.fields?.(ctx) ?? {}), _csrf: m.csrf },
          { cookie: m.cookie, origin: null, headers: { 'sec-fetch-site': 'cross-site' } },
        );
        expect(crossSiteFetch.status).toBe(403);
        expect(await shopState(victim.shopId)).toEqual(before);
        expect((await appGet('/app/payments', m.cookie)).status).toBe(200); // still signed in: sign-out was refused too
      });
    }
  },
);

describe('sign-in and invite forms without a session', () => {
  it('refuse a cross-site sign-in and a cross-site set-password', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    const res = await appPost('/app/sign-in', { email: m.email, password: PASSWORD }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(sessionCookieOf(res)).toBeNull();
    const { token } = await invite(shopId, `x-${crypto.randomUUID().slice(0, 6)}@shop.example`);
    const accept = await appPost(`/app/invite/${token}`, { password: PASSWORD, confirm: PASSWORD }, { origin: 'https://evil.example' });
    expect(accept.status).toBe(403);
    expect((await appGet(`/app/invite/${token}`)).status).toBe(200); // still unused
  });

  it('the app pages do not exist in the shop API and vice versa', async () => {
    const { token } = await createShopWithToken();
    expect((await worker.fetch(`${BASE}/app/payments`, { headers: shopHeaders(token), redirect: 'manual' })).status).toBe(303);
  });
});

describe('lockout', () => {
  const ip = () => `203.0.113.${Math.floor(Math.random() * 250)}`;

  it('locks an account after 5 wrong passwords, with a clear message, even for the right password', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    for (let i = 0; i < 5; i++) {
      const res = await appPost('/app/sign-in', { email: m.email, password: `wrong ${i}` }, { headers: { 'cf-connecting-ip': ip() } });
      expect(res.status).toBe(401);
    }
    const locked = await appPost('/app/sign-in', { email: m.email, password: PASSWORD }, { headers: { 'cf-connecting-ip': ip() } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await locked.text()).toContain(
      'Too many failed sign-ins for this account. Sign-in is locked for 15 minutes, even with the right password.',
    );
    expect(sessionCookieOf(locked)).toBeNull();
  });

  it('locks an IP after 20 failures across accounts', async () => {
    const from = { 'cf-connecting-ip': '198.51.100.77' };
    for (let i = 0; i < 20; i++) await appPost('/app/sign-in', { email: `nobody${i}@shop.example`, password: 'x' }, { headers: from });
    const locked = await appPost('/app/sign-in', { email: 'someone@shop.example', password: 'x' }, { headers: from });
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain('Too many failed sign-ins from your network.');
    const elsewhere = await appPost(
      '/app/sign-in',
      { email: 'someone@shop.example', password: 'x' },
      { headers: { 'cf-connecting-ip': '198.51.100.78' } },
    );
    expect(elsewhere.status).toBe(401);
  });

  it('lifts after 15 minutes (clock injected), and a success clears the account counter', async () => {
    const { shopId } = await createShopWithToken();
    let now = Date.now();
    const svc = serviceAt(() => new Date(now));
    const email = `lock-${crypto.randomUUID().slice(0, 8)}@shop.example`;
    const link = await svc.invite(shopId, email, 'operator');
    await svc.acceptInvite(link.inviteUrl.split('/app/invite/')[1]!, PASSWORD);
    for (let i = 0; i < 5; i++) expect(await svc.signIn(email, 'wrong', '192.0.2.1')).toEqual({ ok: false, reason: 'wrong' });
    expect(await svc.signIn(email, PASSWORD, '192.0.2.1')).toMatchObject({ ok: false, reason: 'locked', scope: 'account' });
    now += 14 * 60_000;
    expect(await svc.signIn(email, PASSWORD, '192.0.2.1')).toMatchObject({ ok: false, reason: 'locked', retryAfterSeconds: 60 });
    now += 60_001;
    expect(await svc.signIn(email, PASSWORD, '192.0.2.1')).toMatchObject({ ok: true });
    for (let i = 0; i < 4; i++) await svc.signIn(email, 'wrong', '192.0.2.2');
    expect(await svc.signIn(email, PASSWORD, '192.0.2.2')).toMatchObject({ ok: true });
    await svc.signIn(email, 'wrong', '192.0.2.2');
    expect(await svc.signIn(email, PASSWORD, '192.0.2.2')).toMatchObject({ ok: true }); // counter started again
  });
});

describe('invite expiry and session lifetimes (clock injected)', () => {
  it('an invite link works for 72 hours, then answers 410', async () => {
    const { shopId } = await createShopWithToken();
    const t0 = Date.now();
    const link = await serviceAt(() => new Date(t0)).invite(shopId, `inv-${crypto.randomUUID().slice(0, 8)}@shop.example`, 'operator');
    const token = link.inviteUrl.split('/app/invite/')[1]!;
    expect(link.expiresAt).toBe(new Date(t0 + 72 * 3600_000).toISOString());
    expect(await serviceAt(() => new Date(t0 + 72 * 3600_000 - 1)).inviteState(token)).toMatchObject({ ok: true });
    expect(await serviceAt(() => new Date(t0 + 72 * 3600_000)).inviteState(token)).toEqual({ ok: false, reason: 'expired' });
    expect(await serviceAt(() => new Date(t0 + 72 * 3600_000)).acceptInvite(token, PASSWORD)).toEqual({ ok: false, reason: 'expired' });

    const old = await serviceAt(() => new Date(Date.now() - 73 * 3600_000)).invite(
      shopId,
      `late-${crypto.randomUUID().slice(0, 8)}@shop.example`,
      'operator',
    );
    const oldToken = old.inviteUrl.split('/app/invite/')[1]!;
    const page = await appGet(`/app/invite/${oldToken}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This invite link has expired');
    expect((await appPost(`/app/invite/${oldToken}`, { password: PASSWORD, confirm: PASSWORD })).status).toBe(410);
  });

  it('a session ends after 2 h idle or 12 h in all, and activity keeps it alive until then', async () => {
    const { shopId } = await createShopWithToken();
    const t0 = Date.now();
    let now = t0;
    const svc = serviceAt(() => new Date(now));
    const link = await svc.invite(shopId, `sess-${crypto.randomUUID().slice(0, 8)}@shop.example`, 'operator');
    const accepted = await svc.acceptInvite(link.inviteUrl.split('/app/invite/')[1]!, PASSWORD);
    const cookie = accepted.ok ? accepted.cookie : '';
    for (let h = 1; h <= 11; h++) {
      now = t0 + h * 3600_000 + 59 * 60_000 - 3600_000 * 0; // active every ~hour: never idle for 2 h
      now = t0 + h * 3600_000;
      expect(await svc.resolve(cookie), `hour ${h}`).not.toBeNull();
    }
    now = t0 + 12 * 3600_000;
    expect(await svc.resolve(cookie)).toBeNull();

    const second = await svc.acceptInvite(
      (await svc.invite(shopId, `idle-${crypto.randomUUID().slice(0, 8)}@shop.example`, 'operator')).inviteUrl.split('/app/invite/')[1]!,
      PASSWORD,
    );
    const idleCookie = second.ok ? second.cookie : '';
    const start = now;
    now = start + 2 * 3600_000 - 1;
    expect(await svc.resolve(idleCookie)).not.toBeNull();
    now = now + 2 * 3600_000;
    expect(await svc.resolve(idleCookie)).toBeNull();
  });

  it('a member of one shop cannot be invited to another', async () => {
    const a = await createShopWithToken();
    const b = await createShopWithToken();
    const email = `one-${crypto.randomUUID().slice(0, 8)}@shop.example`;
    await invite(a.shopId, email);
    const res = await adminCall('POST', `/admin/v1/shops/${b.shopId}/members`, { email });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('member_conflict');
  });
});

describe('live tokens need live mode enabled by the operator', () => {
  it('refuses a live token until the shop is live-enabled; test tokens are self-serve', async () => {
    const { shopId } = await createShopWithToken();
    const m = await signedInMember(shopId);
    expect((await appPost('/app/developers/tokens', { label: 'ci', _csrf: m.csrf }, { cookie: m.cookie })).status).toBe(200);
    await appPost('/app/mode', { mode: 'live', _csrf: m.csrf }, { cookie: m.cookie });
    const refused = await appPost('/app/developers/tokens', { label: 'prod', _csrf: m.csrf }, { cookie: m.cookie });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Live mode is not enabled for this shop yet.');
    expect((await adminCall('PATCH', `/admin/v1/shops/${shopId}`, { liveEnabled: true })).status).toBe(200);
    const created = await appPost('/app/developers/tokens', { label: 'prod', _csrf: m.csrf }, { cookie: m.cookie });
    expect(created.status).toBe(200);
    expect(await created.text()).toMatch(/value="apay_live_[A-Za-z0-9]{43}"/);
    const tokens = (await (await adminCall('GET', `/admin/v1/shops/${shopId}/tokens`)).json()) as {
      items: { mode: string; label: string | null }[];
    };
    expect(
      tokens.items
        .filter((t) => t.label === 'prod' || t.label === 'ci')
        .map((t) => t.mode)
        .sort(),
    ).toEqual(['live', 'test']);
  });
});
