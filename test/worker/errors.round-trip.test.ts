import { beforeAll, describe, expect, it } from 'vitest';
import type { Payment, Problem } from '../../generated/api/types.gen';
import { BASE, createShopWithToken, shopHeaders, worker } from './helpers';
import {
  checkout,
  failNext,
  paymentBody,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';

/** Errors that let a client fix everything in one round trip: every field, every reason, where it is. */
let test: { shopId: string; token: string };
let live: { shopId: string; token: string };
beforeAll(async () => {
  test = await createShopWithToken({ mode: 'test', allowedRedirectHosts: ['shop.example', '*.shop.example'] });
  live = await createShopWithToken({ mode: 'live', allowedRedirectHosts: ['shop.example'] });
});

async function init(token: string, body: string | object): Promise<{ status: number; problem: Problem }> {
  const res = await worker.fetch(`${BASE}/api/v1/init-payment`, {
    method: 'POST',
    headers: shopHeaders(token),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, problem: (await res.json()) as Problem };
}

describe('400: every rule the request breaks, at once', () => {
  it('redirect_host_not_allowed lists both URLs, names the allowed hosts, and says localhost works in test mode', async () => {
    const { status, problem } = await init(
      test.token,
      paymentBody({ successUrl: 'https://evil.example/ok', errorUrl: 'https://shop.example.evil.example/err' }),
    );
    expect([status, problem.code]).toEqual([400, 'redirect_host_not_allowed']);
    expect(problem.errors?.map((e) => [e.path, e.code])).toEqual([
      ['/successUrl', 'redirect_host_not_allowed'],
      ['/errorUrl', 'redirect_host_not_allowed'],
    ]);
    expect(problem.allowedRedirectHosts).toEqual(['shop.example', '*.shop.example']);
    expect(problem.detail).toContain('shop.example, *.shop.example');
    expect(problem.detail).toContain('http://localhost');
  });

  it('in live mode the hint names the hosts and not localhost', async () => {
    const { problem } = await init(live.token, paymentBody({ errorUrl: 'https://evil.example/err' }));
    expect([problem.code, problem.allowedRedirectHosts]).toEqual(['redirect_host_not_allowed', ['shop.example']]);
    expect(problem.detail).not.toContain('localhost');
  });

  it('an amount, two redirect hosts and a postback URL wrong together: four entries, each with its code', async () => {
    const { status, problem } = await init(
      live.token,
      paymentBody({
        amount: '10.001',
        successUrl: 'https://a.example/',
        errorUrl: 'https://b.example/',
        postbackUrl: 'http://hooks.shop.example/',
      }),
    );
    expect([status, problem.code]).toEqual([400, 'invalid_amount']);
    expect(problem.errors?.map((e) => [e.path, e.code])).toEqual([
      ['/amount', 'invalid_amount'],
      ['/successUrl', 'redirect_host_not_allowed'],
      ['/errorUrl', 'redirect_host_not_allowed'],
      ['/postbackUrl', 'postback_url_not_allowed'],
    ]);
    expect(problem.allowedRedirectHosts).toEqual(['shop.example']);
  });
});

describe('409 idempotency_conflict names the fields that differ', () => {
  it('amount (with both values) and email (without echoing it); fields sent the same way are not named', async () => {
    const first = paymentBody({ id: 'order-conflict-fields', amount: '49.90', email: 'jane@example.com' });
    expect((await init(test.token, first)).status).toBe(201);
    // 49.9 and "49.90" are one amount: only a real difference is a conflict.
    expect((await init(test.token, { ...first, amount: 49.9 })).status).toBe(200);
    const { status, problem } = await init(test.token, { ...first, amount: '59.90', email: 'john@example.com' });
    expect([status, problem.code]).toEqual([409, 'idempotency_conflict']);
    expect(problem.errors).toEqual([
      { path: '/email', in: 'body', code: 'idempotency_conflict', message: 'differs from the first request' },
      { path: '/amount', in: 'body', code: 'idempotency_conflict', message: '"49.90" in the first request, "59.90" now' },
    ]);
    expect(problem.detail).toContain('email, amount differ');
    expect(JSON.stringify(problem)).not.toContain('john@example.com');
  });
});

describe('400 malformed_json says where', () => {
  it.each([
    ['a missing comma on line 3', '{\n  "email": "jane@example.com"\n  "amount": "1.00"\n}', 3, 3],
    ['a trailing comma', '{"email": "jane@example.com",}', 1, 30],
    ['a cut-off body', '{"email": "jane@ex', 1, 19],
    ['an empty body', '', 1, 1],
  ])('%s → line and column', async (_what, body, line, column) => {
    const { status, problem } = await init(test.token, body);
    expect([status, problem.code]).toEqual([400, 'malformed_json']);
    expect(problem.errors?.[0]).toMatchObject({ path: '', in: 'body', code: 'malformed_json', line, column });
    expect(problem.detail).toContain(`line ${line}, column ${column}`);
  });
});

describe("the API's postback summary carries the last failure's reason", { timeout: 60_000 }, () => {
  async function paidWithPostbackTo(url: string, id: string): Promise<string> {
    const api = shopApi(test.token);
    const started = await api.init(paymentBody({ id, postbackUrl: url }));
    await checkout((await visit(started.data!.url)).headers.get('location')!, 'pay');
    await relayBanskyPostbacks(started.data!.id);
    return started.data!.id;
  }
  const summary = (paymentId: string) =>
    waitFor('a failed attempt', async () => {
      const p = (await shopApi(test.token).get(paymentId)).data as Payment | undefined;
      return p?.postback.lastError ? p.postback : null;
    });

  it('HTTP status with the first bytes of the answer', async () => {
    const hook = shopHookPath();
    await failNext(hook, 5, 503);
    const postback = await summary(await paidWithPostbackTo(recorderUrl() + hook, 'order-last-error-http'));
    expect([postback.lastHttpStatus, postback.lastError]).toEqual([503, 'HTTP 503: failing on purpose']);
  });

  it('connection refused (workerd words it like a dropped connection)', async () => {
    const postback = await summary(await paidWithPostbackTo('http://127.0.0.1:1/hook', 'order-last-error-refused'));
    expect(postback.lastHttpStatus).toBeNull();
    expect(postback.lastError).toMatch(/^connection refused( or lost before an answer)? \(/);
  });
});
