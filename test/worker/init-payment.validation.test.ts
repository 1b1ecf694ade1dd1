import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';

// Validation by the generated schema, before any payment logic runs (issue: foundation).
describe('POST /api/v1/init-payment rejects bad input with problem+json', () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await createShopWithToken());
  });

  const valid = {
    id: 'order-1',
    email: 'jane@example.com',
    amount: '10.00',
    currency: 'EUR',
    successUrl: 'https://shop.example/ok',
    errorUrl: 'https://shop.example/err',
  };

  async function post(body: string, headers: Record<string, string> = shopHeaders(token)) {
    const res = await worker.fetch(`${BASE}/api/v1/init-payment`, { method: 'POST', headers, body });
    return { res, problem: (await res.json()) as { code: string; status: number; errors?: { path: string }[]; requestId: string } };
  }

  it('malformed JSON → 400 malformed_json', async () => {
    const { res, problem } = await post('{"email": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(problem.code).toBe('malformed_json');
    expect(problem.requestId).toBe(res.headers.get('x-request-id'));
  });

  it.each([
    ['missing email', { ...valid, email: undefined }, '/email'],
    ['negative amount', { ...valid, amount: '-5.00' }, '/amount'],
    ['bad currency', { ...valid, currency: 'euro' }, '/currency'],
    ['unknown field', { ...valid, sucessUrl: 'https://shop.example/ok' }, '/sucessUrl'],
  ])('%s → 400 validation_failed naming the field', async (_name, body, path) => {
    const { res, problem } = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it('a body that is not JSON → 415 unsupported_media_type', async () => {
    const { res, problem } = await post('email=x', { ...shopHeaders(token), 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(problem.code).toBe('unsupported_media_type');
  });

  it('no token → 401 before anything else is looked at', async () => {
    const { res, problem } = await post('{', { 'content-type': 'application/json' });
    expect(res.status).toBe(401);
    expect(problem.code).toBe('unauthorized');
  });

  it('unknown route → 404 not_found problem; wrong method → 405 with Allow', async () => {
    const nf = await worker.fetch(`${BASE}/nope`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { code: string }).code).toBe('not_found');
    const na = await worker.fetch(`${BASE}/api/v1/init-payment`, { method: 'GET' });
    expect(na.status).toBe(405);
    expect(na.headers.get('allow')).toBe('POST');
  });
});
