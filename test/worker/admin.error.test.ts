import { describe, expect, it } from 'vitest';
import { adminCall, adminHeaders, BASE, worker } from './helpers';

const missingShop = 'shop_ZZZZZZZZZZZZZZZZ';

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as { code: string; requestId: string };
  expect(body.code).toBe(code);
  expect(body.requestId).toBeTruthy();
}

describe('admin API errors are problems with stable codes', () => {
  it.each([
    ['GET', `/admin/v1/shops/${missingShop}`, undefined],
    ['PATCH', `/admin/v1/shops/${missingShop}`, { disabled: true }],
    ['GET', `/admin/v1/shops/${missingShop}/tokens`, undefined],
    ['POST', `/admin/v1/shops/${missingShop}/tokens`, { mode: 'test' }],
    ['POST', `/admin/v1/shops/${missingShop}/webhook-secret`, { overlapSeconds: 60 }],
  ])('%s %s on an unknown shop → 404 shop_not_found', async (method, path, body) => {
    await expectProblem(await adminCall(method, path, body), 404, 'shop_not_found');
  });

  it('revoking an unknown token → 404 token_not_found', async () => {
    const { shop } = (await (await adminCall('POST', '/admin/v1/shops', { name: 'S', allowedRedirectHosts: ['s.example'] })).json()) as {
      shop: { id: string };
    };
    await expectProblem(await adminCall('DELETE', `/admin/v1/shops/${shop.id}/tokens/tok_ZZZZZZZZZZZZZZZZ`), 404, 'token_not_found');
  });

  it.each([
    ['a missing name', { allowedRedirectHosts: ['a.example'] }],
    ['a host with a scheme', { name: 'A', allowedRedirectHosts: ['https://a.example'] }],
    ['a host with a path', { name: 'A', allowedRedirectHosts: ['a.example/x'] }],
    ['an unknown field', { name: 'A', allowedRedirectHosts: ['a.example'], webhookSecret: 'whsec_mine' }],
  ])('creating a shop with %s → 400 validation_failed', async (_, body) => {
    await expectProblem(await adminCall('POST', '/admin/v1/shops', body), 400, 'validation_failed');
  });

  it('an empty update → 400 validation_failed', async () => {
    const { shop } = (await (await adminCall('POST', '/admin/v1/shops', { name: 'E', allowedRedirectHosts: ['e.example'] })).json()) as {
      shop: { id: string };
    };
    await expectProblem(await adminCall('PATCH', `/admin/v1/shops/${shop.id}`, {}), 400, 'validation_failed');
  });

  it('a token of an unknown mode → 400 validation_failed', async () => {
    const { shop } = (await (await adminCall('POST', '/admin/v1/shops', { name: 'M', allowedRedirectHosts: ['m.example'] })).json()) as {
      shop: { id: string };
    };
    await expectProblem(await adminCall('POST', `/admin/v1/shops/${shop.id}/tokens`, { mode: 'prod' }), 400, 'validation_failed');
  });

  it('malformed JSON → 400 malformed_json', async () => {
    const res = await worker.fetch(`${BASE}/admin/v1/shops`, { method: 'POST', headers: adminHeaders, body: '{"name":' });
    await expectProblem(res, 400, 'malformed_json');
  });

  it('a limit outside 1..100 → 400 validation_failed', async () => {
    await expectProblem(await adminCall('GET', '/admin/v1/shops?limit=0'), 400, 'validation_failed');
    await expectProblem(await adminCall('GET', '/admin/v1/shops?limit=101'), 400, 'validation_failed');
  });
});
