import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { app } from '../../src/app';
import type { Env } from '../../src/env';
import { BASE, createShopWithToken, shopHeaders } from './helpers';

// The limits come from [vars]; these tests lower them by calling the app with an env of their own,
// as a chaos run would with RATE_LIMIT_* in .dev.vars.
const lowered = { ...env, RATE_LIMIT_PER_TOKEN: '3', RATE_LIMIT_PER_IP: '4', RATE_LIMIT_WINDOW_SECONDS: '60' } as Env;

async function call(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(BASE + path, { headers, redirect: 'manual' }), lowered, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function expectRateLimited(res: Response, limit: number): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too many requests' });
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  expect(body.detail).toContain(`at most ${limit} per 60 s`);
}

describe('rate limits per shop token and per client IP', () => {
  it('the shop API answers 429 rate_limited + Retry-After once a token used its budget; other tokens are unaffected', async () => {
    const a = await createShopWithToken();
    const b = await createShopWithToken();
    const path = '/api/v1/payments/pay_AAAAAAAAAAAAAAAAAAAAAA';
    const first = await Promise.all(Array.from({ length: 5 }, () => call(path, shopHeaders(a.token))));
    expect(first.map((r) => r.status).sort()).toEqual([404, 404, 404, 429, 429]);
    await expectRateLimited(first.find((r) => r.status === 429)!, 3);
    // init-payment shares the same per-token budget
    const init = await app.fetch(
      new Request(`${BASE}/api/v1/init-payment`, { method: 'POST', headers: shopHeaders(a.token), body: '{}' }),
      lowered,
      createExecutionContext(),
    );
    await expectRateLimited(init, 3);
    expect((await call(path, shopHeaders(b.token))).status).toBe(404);
  });

  it('a bad token is 401, not a drain on anyone’s budget', async () => {
    const res = await call('/api/v1/payments/pay_AAAAAAAAAAAAAAAAAAAAAA', shopHeaders('apay_test_nope'));
    expect(res.status).toBe(401);
  });

  it('the customer pages (/integration/*) are limited per client IP', async () => {
    const ip = '192.0.2.77';
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call('/integration/error?id=pay_AAAAAAAAAAAAAAAAAAAAAA', { 'cf-connecting-ip': ip })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 429]);
    await expectRateLimited(await call('/integration/pay?id=pay_AAAAAAAAAAAAAAAAAAAAAA', { 'cf-connecting-ip': ip }), 4);
    expect((await call('/integration/pay?id=pay_AAAAAAAAAAAAAAAAAAAAAA', { 'cf-connecting-ip': '192.0.2.78' })).status).toBe(404);
  });
});
