import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { issueSession } from '../../src/docs/session';
import { Limiter } from '../../src/platform/limits/limiter';
import { ACCOUNT_POLICY, IP_POLICY, LoginThrottle } from '../../src/platform/limits/login-throttle';
import { buildServices } from '../../src/services';
import { CANARY } from '../support/test-bindings';
import { BASE, worker } from './helpers';

// The password whose hash is CANARY.INTERNAL_DOCS_PASSWORD_HASH (see test/node/docs.support.ts).
const PASSWORD = 'canary_internal_docs_password_6b0e2f';
let ipCounter = 0;
/** Each test signs in from its own client IP, so the per-IP throttle of one test never blocks another. */
const newIp = () => `203.0.113.${++ipCounter}`;

function login(password: string, ip: string, headers: Record<string, string> = {}) {
  return worker.fetch(`${BASE}/internal/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': ip, ...headers },
    body: new URLSearchParams({ password }).toString(),
    redirect: 'manual',
  });
}

async function sessionCookie(): Promise<string> {
  const res = await login(PASSWORD, newIp());
  expect(res.status).toBe(303);
  return cookieOf(res, 'apay_internal_docs')!;
}

const internalPaths = ['/internal', '/internal/openapi.json', '/internal/anything', '/internal/docs/deploy.md'];

/** The shared operator account key: cleared before each test so one test's lockout never leaks into the next. */
const accountKey = new LoginThrottle(new Limiter(env.LIMITER), 'internal-docs').keys({ ip: '', account: 'operator' }).account;
const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0] ?? null;

describe('internal docs (/internal)', { timeout: 30_000 }, () => {
  beforeEach(() => new Limiter(env.LIMITER).reset(accountKey));

  it.each(internalPaths)('GET %s without a session is 401 with the sign-in form and nothing of the docs', async (path) => {
    const res = await worker.fetch(BASE + path);
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body).toContain('<form method="post" action="/internal/login">');
    expect(body).not.toMatch(/admin|shop_|tokens?\b|wrangler|runbook|openapi/i);
  });

  it('a correct password sets an HttpOnly, Secure, SameSite=Strict session cookie and opens the full reference', async () => {
    const res = await login(PASSWORD, newIp(), { origin: BASE });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/internal');
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('apay_internal_docs='))!;
    expect(setCookie).toMatch(/^apay_internal_docs=[\w-]{43};/); // an opaque id; the session lives server-side
    for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/internal', 'Max-Age=28800']) expect(setCookie).toContain(flag);

    const cookie = setCookie.split(';')[0]!;
    const page = await worker.fetch(`${BASE}/internal`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('"url": "/internal/openapi.json"');
    const spec = (await (await worker.fetch(`${BASE}/internal/openapi.json`, { headers: { cookie } })).json()) as Record<string, any>;
    expect(spec.paths['/admin/v1/shops'].post.operationId).toBe('adminCreateShop');
    expect(spec.paths['/api/payment-verify'].post.operationId).toBe('receiveBanskyPostback');
    expect(spec.tags[0].name).toBe('admin');
    expect(JSON.stringify(spec)).not.toContain('x-internal'); // Scalar would hide those parts
    expect(spec.info.description).toContain('# Runbook');
  });

  it('refuses a wrong password with 401 and sets no cookie', async () => {
    const res = await login('not the password', newIp());
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('Wrong password.');
  });

  it('refuses tampered, expired and foreign session cookies', async () => {
    const good = await sessionCookie();
    const [name, value] = good.split('=') as [string, string];
    const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    const expired = await issueSession(buildServices(env), CANARY.INTERNAL_DOCS_PASSWORD_HASH, new Date(Date.now() - 9 * 3600 * 1000));
    const otherKey = await issueSession(buildServices(env), `pbkdf2-sha256:100000:AAAAAAAAAAAAAAAAAAAAAA:${'B'.repeat(43)}`, new Date());
    const oldStateless = `${Math.floor(Date.now() / 1000) + 3600}.${'A'.repeat(43)}`;
    for (const bad of [flipped, expired, otherKey, oldStateless, '', 'x']) {
      const res = await worker.fetch(`${BASE}/internal/openapi.json`, { headers: { cookie: `${name}=${bad}` } });
      expect(res.status, bad).toBe(401);
    }
  });

  it('takes the password only from a POSTed form: never from a URL', async () => {
    const viaQuery = await worker.fetch(`${BASE}/internal/login?password=${PASSWORD}`, { redirect: 'manual' });
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.headers.get('set-cookie')).toBeNull();
    const viaPage = await worker.fetch(`${BASE}/internal?password=${PASSWORD}`);
    expect(viaPage.status).toBe(401);
    const html = await (await worker.fetch(`${BASE}/internal`)).text();
    expect(html).toMatch(/<form method="post"/);
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await login(PASSWORD, newIp(), { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('locks a client IP out for 15 minutes after 5 wrong passwords, even for the right one; other IPs are unaffected', async () => {
    const ip = newIp();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(`wrong-${i}`, ip)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const locked = await login(PASSWORD, ip);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(890);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    expect(await locked.text()).toContain('Try again in 15 minutes.');
    expect(locked.headers.get('set-cookie')).toBeNull();
    expect((await login(PASSWORD, newIp())).status).toBe(303);
  });

  it('never sends the password hash or the password in any answer', async () => {
    const cookie = await sessionCookie();
    for (const [path, init] of [
      ['/internal', {}],
      ['/internal', { headers: { cookie } }],
      ['/internal/openapi.json', { headers: { cookie } }],
      ['/docs', {}],
      ['/docs/openapi.json', {}],
    ] as const) {
      const res = await worker.fetch(BASE + path, init);
      const all = (await res.text()) + JSON.stringify([...res.headers]);
      expect(all).not.toContain(CANARY.INTERNAL_DOCS_PASSWORD_HASH.split(':')[3]);
      expect(all).not.toContain(PASSWORD);
    }
  });
});

// Lockout races and sign-out. Same file as the tests above: the operator
// account is one key shared by every /internal sign-in, and the tests of one file run in order.
describe('internal docs sign-in under attack, and sign-out', { timeout: 60_000 }, () => {
  beforeEach(() => new Limiter(env.LIMITER).reset(accountKey));

  const countStatuses = (statuses: number[]) => {
    const counts: Record<number, number> = {};
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
    return counts;
  };

  it('40 parallel wrong passwords from one IP: at most 5 are checked, the rest refused with 429 + Retry-After', async () => {
    const ip = newIp();
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => login(`wrong-${i}`, ip)));
    const by = countStatuses(res.map((r) => r.status));
    expect(by[401]).toBe(IP_POLICY.maxFailures); // 401 "Wrong password." = a password was checked
    expect(by[429]).toBe(40 - IP_POLICY.maxFailures);
    for (const r of res.filter((r) => r.status === 429)) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('the right password as the 30th of a parallel burst is refused, with a clear message and Retry-After', async () => {
    const ip = newIp();
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => login(i === 29 ? PASSWORD : `wrong-${i}`, ip)));
    expect(res[29]!.status).toBe(429);
    expect(res[29]!.headers.get('set-cookie')).toBeNull();
    expect(Number(res[29]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res[29]!.text()).toContain('sign-in is locked, even with the right password');
  });

  it('rotating CF-Connecting-IP does not bypass the account limit', async () => {
    const res = await Promise.all(Array.from({ length: 40 }, (_, i) => login(`wrong-${i}`, newIp())));
    const by = countStatuses(res.map((r) => r.status));
    expect(by[401]).toBe(ACCOUNT_POLICY.maxFailures);
    expect(by[429]).toBe(40 - ACCOUNT_POLICY.maxFailures);
    const fresh = await login(PASSWORD, newIp()); // a new address with the right password: still locked
    expect(fresh.status).toBe(429);
    expect(Number(fresh.headers.get('retry-after'))).toBeLessThanOrEqual(ACCOUNT_POLICY.lockoutSeconds);
  });

  it('the real operator is not locked out by a flood from other IPs: a browser that signed in before still gets in', async () => {
    const first = await login(PASSWORD, newIp());
    const device = cookieOf(first, 'apay_internal_device');
    expect(device).toMatch(/^apay_internal_device=[\w-]{22}\.[\w-]{43}$/);
    expect(first.headers.getSetCookie().find((c) => c.startsWith('apay_internal_device='))).toMatch(/HttpOnly.*Secure|Secure.*HttpOnly/);

    await Promise.all(Array.from({ length: 40 }, (_, i) => login(`wrong-${i}`, newIp())));
    expect((await login(PASSWORD, newIp())).status).toBe(429); // a stranger's browser: locked
    const operator = await login(PASSWORD, newIp(), { cookie: device! });
    expect(operator.status).toBe(303); // the operator's browser: in
    expect(cookieOf(operator, 'apay_internal_docs')).toMatch(/^apay_internal_docs=[\w-]{43}$/);
    const forged = await login(PASSWORD, newIp(), { cookie: `${device!.slice(0, -2)}AA` });
    expect(forged.status).toBe(429); // a forged device cookie counts on the shared, locked account
  });

  it('signing out ends the session server-side: the old cookie stops working at once', async () => {
    const cookie = await sessionCookie();
    expect((await worker.fetch(`${BASE}/internal/openapi.json`, { headers: { cookie } })).status).toBe(200);
    const out = await worker.fetch(`${BASE}/internal/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^apay_internal_docs=;.*Max-Age=0/);
    for (const path of ['/internal', '/internal/openapi.json']) {
      expect((await worker.fetch(BASE + path, { headers: { cookie } })).status, path).toBe(401); // a kept copy is dead too
    }
    const other = await sessionCookie(); // other sessions are untouched
    expect((await worker.fetch(`${BASE}/internal/openapi.json`, { headers: { cookie: other } })).status).toBe(200);
  });
});
