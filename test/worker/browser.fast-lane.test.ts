import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { app } from '../../src/app';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import { adminCall, BASE, createShopWithToken, worker } from './helpers';
import { checkout, paymentBody, relayBanskyPostbacks, shopApi, visit } from './payments.support';

/** The same request through the OpenAPI router alone (no fast lane), as the Worker would route it. */
async function viaRouter(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}${path}`, { headers }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Status, body and every header but the per-request id and date: what a browser would see. */
async function seen(res: Response) {
  const headers = Object.fromEntries([...res.headers].filter(([k]) => k !== 'x-request-id' && k !== 'date'));
  return { status: res.status, headers, body: await res.text(), hasRequestId: /\S{8,}/.test(res.headers.get('x-request-id') ?? '') };
}

async function bothWays(path: string, headers: Record<string, string> = {}) {
  const fast = await seen(await worker.fetch(`${BASE}${path}`, { redirect: 'manual', headers }));
  const router = await seen(await viaRouter(path, headers));
  return { fast, router };
}

describe("the pay link's fast lane answers exactly what the router answers", () => {
  it('a payment awaiting payment: the same redirect to Bansky, the same headers', async () => {
    const { id } = (await shopApi((await createShopWithToken()).token).init(paymentBody())).data!;
    const { fast, router } = await bothWays(`/integration/pay?id=${id}`);
    expect(fast.status).toBe(302);
    expect(fast.headers.location).toMatch(/\/checkout\//);
    expect(fast).toEqual(router);
    expect(fast.headers['x-content-type-options']).toBe('nosniff');
    expect(fast.headers['strict-transport-security']).toContain('max-age='); // BASE is https
  });

  it('an unknown payment, a paid one and a disabled shop: the same pages', async () => {
    const unknown = await bothWays('/integration/pay?id=pay_AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.fast.status).toBe(404);
    expect(unknown.fast).toEqual(unknown.router);

    const api = shopApi((await createShopWithToken()).token);
    const paid = (await api.init(paymentBody())).data!;
    await checkout((await visit(paid.url)).headers.get('location')!, 'pay');
    await relayBanskyPostbacks(paid.id);
    const afterPay = await bothWays(`/integration/pay?id=${paid.id}`);
    expect(afterPay.fast.status).toBe(409);
    expect(afterPay.fast).toEqual(afterPay.router);

    const shop = await createShopWithToken();
    const { id } = (await shopApi(shop.token).init(paymentBody())).data!;
    expect((await worker.fetch(`${BASE}/integration/pay?id=${id}`, { redirect: 'manual' })).status).toBe(302);
    expect((await adminCall('PATCH', `/admin/v1/shops/${shop.shopId}`, { disabled: true })).status).toBe(200);
    const disabled = await bothWays(`/integration/pay?id=${id}`);
    expect(disabled.fast.status).toBe(403);
    expect(disabled.fast).toEqual(disabled.router);
  });

  it('a caller over its per-IP budget: the same 429 problem with Retry-After', async () => {
    const ip = '198.51.100.77';
    const path = '/integration/pay?id=pay_AAAAAAAAAAAAAAAAAAAAAA';
    let last: Response | undefined;
    for (let i = 0; i < 400 && last?.status !== 429; i++)
      last = await worker.fetch(`${BASE}${path}`, { headers: { 'cf-connecting-ip': ip } });
    const fast = await seen(last!);
    const router = await seen(await viaRouter(path, { 'cf-connecting-ip': ip }));
    expect(fast.status).toBe(429);
    expect(fast.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(fast.body).code).toBe('rate_limited');
    expect({ ...fast, body: JSON.parse(fast.body).code }).toEqual({ ...router, body: JSON.parse(router.body).code });
  });

  it('anything but the plain link takes the router: a malformed id is its 400/404 page, not a crash', async () => {
    for (const path of ['/integration/pay?id=', '/integration/pay?id=pay_AAAAAAAAAAAAAAAAAAAAAA&x=1', '/integration/pay?id=%00']) {
      const res = await worker.fetch(`${BASE}${path}`, { redirect: 'manual' });
      expect([400, 404]).toContain(res.status);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
  });
});

describe('a final payment never sends its customer to Bansky', () => {
  it('opened, then paid where this isolate did not see it: the next open shows the result on both lanes', async () => {
    const { id } = (await shopApi((await createShopWithToken()).token).init(paymentBody())).data!;
    expect((await worker.fetch(`${BASE}/integration/pay?id=${id}`, { redirect: 'manual' })).status).toBe(302);
    // Bansky's postback lands in another isolate: only the payment's object sees it.
    const stub = env.PAYMENTS.get(env.PAYMENTS.idFromName(id));
    const applied = await runInDurableObject(stub, (o: PaymentObject) =>
      o.applyBanskyPostback({ id, status: 'paid', amount: '49.90', currency: 'EUR' }, 'elsewhere'),
    );
    expect(applied).toEqual({ kind: 'accepted', status: 'paid' });
    const { fast, router } = await bothWays(`/integration/pay?id=${id}`);
    expect(fast.status).toBe(409);
    expect(fast.headers.location).toBeUndefined();
    expect(fast).toEqual(router);
  });
});
