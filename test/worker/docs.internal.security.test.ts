import { describe, expect, it } from 'vitest';
import { issueSession } from '../../src/docs/session';
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
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

const internalPaths = ['/internal', '/internal/openapi.json', '/internal/anything', '/internal/docs/deploy.md'];

describe('internal docs (/internal)', { timeout: 30_000 }, () => {
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
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^apay_internal_docs=\d{10}\.[\w-]{43};/);
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
    const expired = await issueSession(CANARY.INTERNAL_DOCS_PASSWORD_HASH, new Date(Date.now() - 9 * 3600 * 1000));
    const otherKey = await issueSession('pbkdf2-sha256:100000:AAAAAAAAAAAAAAAAAAAAAA:' + 'B'.repeat(43), new Date());
    const later = `${Number(value.split('.')[0]) + 3600}.${value.split('.')[1]}`;
    for (const bad of [flipped, expired, otherKey, later, '', 'x']) {
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
    expect(locked.headers.get('retry-after')).toBe('900');
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
