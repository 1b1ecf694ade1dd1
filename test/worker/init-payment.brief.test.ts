import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, createShopWithToken, worker } from './helpers';
import { sandboxStats } from './payments.support';

/**
 * The product brief's request is the interface shops were promised: `Authorization: Token <t>`
 * and a numeric amount, exactly as the brief writes them.
 */
const BRIEF = {
  id: 'sddc',
  email: 'user@example.com',
  name: 'UserName',
  amount: 100,
  currency: 'USD',
  type: 'fiat',
  successUrl: 'https://shop.example/success',
  errorUrl: 'https://shop.example/error',
  postbackUrl: 'https://shop.example/api/payment-verify',
};

type Problem = { code: string; detail?: string; errors?: Array<{ path: string; in?: string; message: string }> };

describe('the brief’s own request', () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await createShopWithToken());
  });

  const post = (body: unknown, authorization = `Token ${token}`) =>
    worker.fetch(`${BASE}/api/v1/init-payment`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const uniq = (id: string) => `${id}-${crypto.randomUUID().slice(0, 8)}`;

  it('answers 201 {status, id, url} with the Token scheme, verbatim', async () => {
    const res = await post({ ...BRIEF, id: uniq('sddc') });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { status: string; id: string; url: string };
    expect(body.status).toBe('success');
    expect(body.id).toMatch(/^pay_[A-Za-z0-9]{22}$/);
    expect(body.url).toBe(`${env.PUBLIC_BASE_URL}/integration/pay?id=${body.id}`);
  });

  it.each([['Bearer'], ['bearer'], ['token'], ['TOKEN']])('accepts the %s scheme alike', async (scheme) => {
    const res = await post({ ...BRIEF, id: uniq('scheme') }, `${scheme} ${token}`);
    expect(res.status).toBe(201);
  });

  it('a 401 says both schemes and carries WWW-Authenticate', async () => {
    for (const authorization of ['', 'Basic abc', `Token nope_${token}`, `Token`]) {
      const res = await post({ ...BRIEF, id: uniq('auth') }, authorization);
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/Bearer .*Token /);
      expect(((await res.json()) as Problem).detail).toContain('Authorization: Token <token>');
    }
  });

  it('100, "100" and "100.00" USD are one payment: an idempotent replay, not a conflict', async () => {
    const id = uniq('idem');
    const first = await post({ ...BRIEF, id });
    expect(first.status).toBe(201);
    const { id: paymentId } = (await first.json()) as { id: string };
    for (const amount of ['100.00', '100', 1e2, 100.0, '100.000']) {
      const again = await post({ ...BRIEF, id, amount });
      expect(again.status, String(amount)).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(((await again.json()) as { id: string }).id).toBe(paymentId);
    }
    // Leaving out the inferred type is the same request too; another amount is not.
    const { type: _type, ...untyped } = BRIEF;
    expect((await post({ ...untyped, id })).status).toBe(200);
    expect((await post({ ...BRIEF, id, amount: 100.01 })).status).toBe(409);
    expect((await sandboxStats('test', paymentId)).initCalls).toBe(1);
  });

  it.each([
    [100, 'USD', '100.00'],
    [19.9, 'USD', '19.90'],
    ['19.9', 'EUR', '19.90'],
    ['10.500', 'EUR', '10.50'],
    ['100.00', 'JPY', '100'],
    [1500, 'JPY', '1500'],
    [0.00125, 'BTC', '0.00125000'],
    ['1.000000000000000001', 'ETH', '1.000000000000000001'],
    [1234567.89, 'EUR', '1234567.89'],
    ['0.00000025', 'BTC', '0.00000025'],
  ])('amount %j %s is stored, answered and sent to Bansky as "%s"', async (amount, currency, canonical) => {
    const res = await post({ ...BRIEF, id: uniq('canon'), amount, currency, type: undefined });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const read = await worker.fetch(`${BASE}/api/v1/payments/${id}`, { headers: { authorization: `Token ${token}` } });
    expect(((await read.json()) as { amount: string }).amount).toBe(canonical);
    expect((await sandboxStats('test', id)).sessions.map((s) => s.amount)).toEqual([canonical]);
  });

  it.each([
    ['10.001', 'USD', 'at most 2 decimals'],
    ['10.5', 'JPY', 'no decimals'],
    ['0', 'USD', 'greater than zero'],
    ['-5', 'USD', 'greater than zero'],
    ['1.00000000000000001', 'ETH', 'send this amount as a string'],
    ['123456789012.3456', 'BTC', 'send this amount as a string'],
    ['0.30000000000000004', 'ETH', 'send this amount as a string'],
    ['1000000000000', 'USD', 'less than 1000000000000'],
    // What a float32 encoder (Go's float32, Java's Float) makes of 1234567.89 EUR: refused, never
    // charged as 1234567.90.
    ['1.2345679e+06', 'EUR', 'exponent notation (1.2345679e+06) is refused'],
    ['1.2345679E6', 'EUR', 'send the exact amount as a decimal string'],
    ['2.5e-7', 'BTC', 'exponent notation'],
    ['1e2', 'USD', 'exponent notation'],
    ['1e20', 'USD', 'exponent notation'],
  ])('the JSON number %s %s is refused: %s', async (amountText, currency, message) => {
    const body = JSON.stringify({ ...BRIEF, id: uniq('num'), currency, type: undefined }).replace('"amount":100', `"amount":${amountText}`);
    const res = await post(body);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.code).toMatch(/^(invalid_amount|validation_failed)$/);
    expect(problem.errors?.[0]).toMatchObject({ path: '/amount' });
    expect(problem.errors?.[0]?.message).toContain(message);
  });

  it('the same precise amounts are accepted as strings', async () => {
    const res = await post({ ...BRIEF, id: uniq('str'), amount: '1.00000000000000001', currency: 'ETH', type: undefined });
    expect(res.status).toBe(201);
  });

  it.each([[true], [null], [[100]], [{ value: 100 }], ['ten']])(
    'a wrong amount type (%j) says which forms are accepted',
    async (amount) => {
      const res = await post({ ...BRIEF, id: uniq('type'), amount });
      expect(res.status).toBe(400);
      const problem = (await res.json()) as Problem;
      const issue = problem.errors?.find((e) => e.path === '/amount');
      expect(issue?.message).toContain('JSON number (100, 19.9) or a decimal string ("19.90")');
    },
  );

  it.each([
    ['sussessUrl', 'successUrl'],
    ['sucessUrl', 'successUrl'],
    ['postbackURL', 'postbackUrl'],
    ['emial', 'email'],
    ['Currency', 'currency'],
  ])('a misspelt field %s suggests %s', async (wrong, right) => {
    const body: Record<string, unknown> = { ...BRIEF, id: uniq('typo') };
    body[wrong] = body[right] ?? 'x';
    delete body[right];
    const res = await post(body);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.errors).toContainEqual({ path: `/${wrong}`, in: 'body', message: `unknown field "${wrong}": did you mean "${right}"?` });
  });

  it('an unknown field nothing like a known one is named without a guess', async () => {
    const res = await post({ ...BRIEF, id: uniq('typo'), flavour: 'vanilla' });
    expect(((await res.json()) as Problem).errors).toContainEqual({ path: '/flavour', in: 'body', message: 'unknown field "flavour"' });
  });
});

describe('errors[].path is a JSON Pointer for every part of the request', () => {
  it('a bad path parameter → /id in path', async () => {
    const { token } = await createShopWithToken();
    const res = await worker.fetch(`${BASE}/api/v1/payments/not-a-payment-id`, { headers: { authorization: `Token ${token}` } });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.errors?.[0]).toMatchObject({ path: '/id', in: 'path' });
  });

  it('a bad query parameter → /limit in query', async () => {
    const res = await worker.fetch(`${BASE}/admin/v1/shops?limit=1000`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.errors?.[0]).toMatchObject({ path: '/limit', in: 'query' });
  });
});
