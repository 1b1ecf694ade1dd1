import { describe, expect, it } from 'vitest';
import { HSTS } from '../../src/api/http/security-headers';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';

// nosniff on every kind of answer; HSTS when served over https (BASE is https).
describe('security headers on every response', () => {
  const kinds: Array<[string, string, RequestInit?]> = [
    ['customer page (HTML)', '/integration/pay?id=pay_AAAAAAAAAAAAAAAAAAAAAA'],
    ['customer page, bad link (validation hook)', '/integration/pay'],
    ['served spec', '/openapi.json'],
    ['health JSON', '/healthz'],
    ['problem: unknown path', '/nope'],
    ['problem: 401', '/api/v1/payments/pay_AAAAAAAAAAAAAAAAAAAAAA'],
    ['problem: 405', '/api/v1/init-payment', { method: 'GET' }],
    ['public docs', '/docs'],
    ['internal docs sign-in form', '/internal'],
    ['static asset', '/favicon.svg'],
  ];

  it.each(kinds)('%s: %s', async (_kind, path, init) => {
    const res = await worker.fetch(BASE + path, { redirect: 'manual', ...init });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
  });

  it('API JSON of a signed-in shop', async () => {
    const { token } = await createShopWithToken();
    const res = await worker.fetch(`${BASE}/api/v1/init-payment`, { method: 'POST', headers: shopHeaders(token), body: '{' });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
  });

  it('no HSTS over plain http (local development), nosniff still', async () => {
    const res = await worker.fetch('http://localhost:8787/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});
