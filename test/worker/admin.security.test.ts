import { describe, expect, it } from 'vitest';
import { CANARY } from '../support/test-bindings';
import { adminCall, BASE, createShopWithToken, worker } from './helpers';

const someShop = 'shop_AAAAAAAAAAAAAAAA';
const somePayment = 'pay_AAAAAAAAAAAAAAAAAAAAAA';

/** Every operation of the admin API, with a body that would be valid so only auth can fail. */
const adminOperations: Array<[string, string, unknown?]> = [
  ['GET', '/admin/v1/shops'],
  ['POST', '/admin/v1/shops', { name: 'X', allowedRedirectHosts: ['x.example'] }],
  ['GET', `/admin/v1/shops/${someShop}`],
  ['PATCH', `/admin/v1/shops/${someShop}`, { disabled: true }],
  ['GET', `/admin/v1/shops/${someShop}/tokens`],
  ['POST', `/admin/v1/shops/${someShop}/tokens`, { mode: 'live' }],
  ['DELETE', `/admin/v1/shops/${someShop}/tokens/tok_AAAAAAAAAAAAAAAA`],
  ['POST', `/admin/v1/shops/${someShop}/webhook-secret`, {}],
  ['GET', `/admin/v1/payments/${somePayment}`],
  ['POST', `/admin/v1/payments/${somePayment}/redeliver`],
  ['GET', '/admin/v1/postbacks/dead-letters'],
];

async function callWith(authorization: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  return worker.fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function expectUnauthorized(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as { code: string; requestId: string };
  expect(problem.code).toBe('unauthorized');
  expect(problem.requestId).toBeTruthy();
  expect(JSON.stringify(problem)).not.toContain(CANARY.ADMIN_TOKEN);
}

describe.each(adminOperations)('admin %s %s', (method, path, body) => {
  it('refuses a request without a token', async () => {
    await expectUnauthorized(await callWith(undefined, method, path, body));
  });

  it('refuses a wrong admin token, including one that differs only in its last character', async () => {
    await expectUnauthorized(await callWith('Bearer not-the-admin-token-at-all', method, path, body));
    const nearMiss = CANARY.ADMIN_TOKEN.slice(0, -1) + (CANARY.ADMIN_TOKEN.endsWith('x') ? 'y' : 'x');
    await expectUnauthorized(await callWith(`Bearer ${nearMiss}`, method, path, body));
  });

  it('refuses the admin token in another scheme or with a prefix', async () => {
    await expectUnauthorized(await callWith(`Basic ${CANARY.ADMIN_TOKEN}`, method, path, body));
    await expectUnauthorized(await callWith(`Bearer x${CANARY.ADMIN_TOKEN}`, method, path, body));
  });

  it('refuses a valid shop token (test and live)', async () => {
    for (const mode of ['test', 'live'] as const) {
      const { token } = await createShopWithToken({ mode });
      await expectUnauthorized(await callWith(`Bearer ${token}`, method, path, body));
    }
  });
});

describe('admin authentication side effects', () => {
  it('a refused create leaves no shop behind', async () => {
    const before = (await (await adminCall('GET', '/admin/v1/shops?limit=100')).json()) as { items: unknown[] };
    await callWith('Bearer wrong', 'POST', '/admin/v1/shops', { name: 'Intruder', allowedRedirectHosts: ['evil.example'] });
    const after = (await (await adminCall('GET', '/admin/v1/shops?limit=100')).json()) as { items: { name: string }[] };
    expect(after.items.length).toBe(before.items.length);
    expect(after.items.map((s) => s.name)).not.toContain('Intruder');
  });
});
