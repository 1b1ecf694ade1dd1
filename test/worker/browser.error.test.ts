import { describe, expect, it } from 'vitest';
import { adminCall, BASE, createShopWithToken, worker } from './helpers';
import { paymentBody, shopApi, txlogByShopTransactionId, visit } from './payments.support';

async function page(path: string) {
  const res = await worker.fetch(`${BASE}${path}`, { redirect: 'manual' });
  return { res, text: await res.text() };
}

describe('links that do not work reveal nothing', () => {
  it('a well-formed unknown id and a malformed id get the same 404 page', async () => {
    const a = await page('/integration/pay?id=pay_AAAAAAAAAAAAAAAAAAAAAA');
    const b = await page('/integration/pay?id=order-10042');
    expect(a.res.status).toBe(404);
    expect(b.res.status).toBe(404);
    expect(a.text).toBe(b.text);
    expect(a.res.headers.get('content-type')).toContain('text/html');
    expect(a.res.headers.get('location')).toBeNull();
    expect(a.text).not.toMatch(/pay_|shop_|bansky|127\.0\.0\.1/i);
  });

  it('a link without an id → 400 HTML page, not a JSON problem', async () => {
    const { res, text } = await page('/integration/pay');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(text).toContain('not valid');
  });

  it.each(['success', 'error'])('/integration/%s for an unknown payment → 404 page, no redirect', async (via) => {
    const { res } = await page(`/integration/${via}?id=pay_AAAAAAAAAAAAAAAAAAAAAA`);
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
  });

  it('a payment whose init failed: its link says it could not be started, without a redirect', async () => {
    const api = shopApi((await createShopWithToken()).token);
    const failed = await api.init(paymentBody({ id: 'order-browser-init-fail', email: 'jane+init_fail@example.com' }));
    expect(failed.response.status).toBe(502);
    const { id } = await txlogByShopTransactionId('order-browser-init-fail');
    const { res, text } = await page(`/integration/pay?id=${id}`);
    expect(res.status).toBe(409);
    expect(res.headers.get('location')).toBeNull();
    expect(text).toContain('could not be started');
  });
});

describe('a disabled shop', () => {
  it('takes no more payments, not even through pay links it already handed out', async () => {
    const { shopId, token } = await createShopWithToken();
    const { url } = (await shopApi(token).init(paymentBody())).data!;
    expect((await visit(url)).status).toBe(302);
    expect((await adminCall('PATCH', `/admin/v1/shops/${shopId}`, { disabled: true })).status).toBe(200);
    const page = await visit(url);
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('cannot be made here');
  });
});
