import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { activeWebhookSecrets, type ShopRecord } from '../../src/core/shops/shop-store';
import { toBase64Url } from '../../src/platform/lib/crypto';
import { buildServices } from '../../src/services';
import { adminCall, BASE, createShopWithToken, shopHeaders, worker } from './helpers';

const unknownPayment = 'pay_AAAAAAAAAAAAAAAAAAAAAA';

/** A shop API call that only authentication can refuse. */
function useToken(token: string): Promise<Response> {
  return worker.fetch(`${BASE}/api/v1/payments/${unknownPayment}`, { headers: shopHeaders(token) });
}

async function expectAuthenticated(res: Response) {
  // Past authentication the payment lookup answers; it is unknown, so 404 payment_not_found.
  await expectProblem(res, 404, 'payment_not_found');
}

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(((await res.json()) as { code: string }).code).toBe(code);
}

describe('shop token lifecycle', () => {
  it('issue → use → revoke → 401', async () => {
    const { shopId, token, tokenId } = await createShopWithToken();
    await expectAuthenticated(await useToken(token));
    const revoke = await adminCall('DELETE', `/admin/v1/shops/${shopId}/tokens/${tokenId}`);
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as { revokedAt: string | null }).revokedAt).toBeTruthy();
    await expectProblem(await useToken(token), 401, 'unauthorized');
  });

  it('revoking one token leaves the shop’s other tokens working', async () => {
    const { shopId, token, tokenId } = await createShopWithToken();
    const second = (await (await adminCall('POST', `/admin/v1/shops/${shopId}/tokens`, { mode: 'test' })).json()) as { token: string };
    await adminCall('DELETE', `/admin/v1/shops/${shopId}/tokens/${tokenId}`);
    await expectProblem(await useToken(token), 401, 'unauthorized');
    await expectAuthenticated(await useToken(second.token));
  });

  it('a token cannot be revoked through another shop', async () => {
    const a = await createShopWithToken();
    const b = await createShopWithToken();
    await expectProblem(await adminCall('DELETE', `/admin/v1/shops/${b.shopId}/tokens/${a.tokenId}`), 404, 'token_not_found');
    await expectAuthenticated(await useToken(a.token));
  });

  it('a disabled shop gets 403 shop_disabled; re-enabled it works again', async () => {
    const { shopId, token } = await createShopWithToken();
    expect((await adminCall('PATCH', `/admin/v1/shops/${shopId}`, { disabled: true })).status).toBe(200);
    await expectProblem(await useToken(token), 403, 'shop_disabled');
    expect((await adminCall('PATCH', `/admin/v1/shops/${shopId}`, { disabled: false })).status).toBe(200);
    await expectAuthenticated(await useToken(token));
  });

  it('issued tokens have the mode prefix and 43 random characters; the listing never holds them', async () => {
    const { shopId, token } = await createShopWithToken({ mode: 'test' });
    const live = (await (await adminCall('POST', `/admin/v1/shops/${shopId}/tokens`, { mode: 'live', label: 'prod' })).json()) as {
      token: string;
    };
    expect(token).toMatch(/^apay_test_[A-Za-z0-9]{43}$/);
    expect(live.token).toMatch(/^apay_live_[A-Za-z0-9]{43}$/);
    const listing = await (await adminCall('GET', `/admin/v1/shops/${shopId}/tokens`)).text();
    const items = (JSON.parse(listing) as { items: Array<Record<string, unknown>> }).items;
    expect(items).toHaveLength(2);
    for (const plain of [token, live.token]) {
      expect(listing).not.toContain(plain);
      expect(listing).not.toContain(plain.slice(10, 30)); // no partial leak beyond the last four
    }
    for (const item of items) expect(Object.keys(item)).not.toContain('hash');
    expect(items.map((t) => t.last4).sort()).toEqual([token.slice(-4), live.token.slice(-4)].sort());
  });

  it('stores only the SHA-256 of a token', async () => {
    const { token } = await createShopWithToken();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const record = await env.KV.get(`token:${hex}`);
    expect(record).not.toBeNull();
    expect(record).not.toContain(token);
    const { keys } = await env.KV.list();
    for (const k of keys) expect(k.name).not.toContain(token);
  });
});

describe('test and live mode are separate', () => {
  async function init(token: string): Promise<string> {
    const res = await worker.fetch(`${BASE}/api/v1/init-payment`, {
      method: 'POST',
      headers: shopHeaders(token),
      body: JSON.stringify({
        email: 'jane@example.com',
        amount: '12.00',
        currency: 'EUR',
        successUrl: 'https://shop.example/ok',
        errorUrl: 'https://shop.example/failed',
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }
  const read = (token: string, id: string) => worker.fetch(`${BASE}/api/v1/payments/${id}`, { headers: shopHeaders(token) });

  it("a shop's test token never reads its live payment, nor the other way round", async () => {
    const { shopId, token: testToken } = await createShopWithToken({ mode: 'test' });
    const live = (await (await adminCall('POST', `/admin/v1/shops/${shopId}/tokens`, { mode: 'live' })).json()) as { token: string };
    const livePayment = await init(live.token);
    const testPayment = await init(testToken);

    const ownLive = await read(live.token, livePayment);
    expect(ownLive.status).toBe(200);
    expect(((await ownLive.json()) as { mode: string }).mode).toBe('live');
    await expectProblem(await read(testToken, livePayment), 404, 'payment_not_found');

    const ownTest = await read(testToken, testPayment);
    expect(((await ownTest.json()) as { mode: string }).mode).toBe('test');
    await expectProblem(await read(live.token, testPayment), 404, 'payment_not_found');
  });
});

describe('webhook secret rotation', () => {
  /** The shop as the Worker reads it (its secrets opened from KV's sealed copies). */
  async function storedShop(shopId: string): Promise<ShopRecord> {
    return (await buildServices(env).shops.getShop(shopId))!;
  }

  it('keeps the old secret signing until the overlap ends, then only the new one', async () => {
    const { shopId, webhookSecret: first } = await createShopWithToken();
    const before = Date.now();
    const res = await adminCall('POST', `/admin/v1/shops/${shopId}/webhook-secret`, { overlapSeconds: 3600 });
    expect(res.status).toBe(201);
    const rotated = (await res.json()) as { webhookSecret: string; previousSecretExpiresAt: string };
    expect(rotated.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(rotated.webhookSecret).not.toBe(first);
    const expires = Date.parse(rotated.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 5_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 5_000);

    const shop = await storedShop(shopId);
    expect(activeWebhookSecrets(shop, new Date())).toEqual([rotated.webhookSecret, first]);
    expect(activeWebhookSecrets(shop, new Date(expires + 1000))).toEqual([rotated.webhookSecret]);
  });

  it('with overlapSeconds 0 the old secret stops at once', async () => {
    const { shopId } = await createShopWithToken();
    const res = await adminCall('POST', `/admin/v1/shops/${shopId}/webhook-secret`, { overlapSeconds: 0 });
    const rotated = (await res.json()) as { webhookSecret: string; previousSecretExpiresAt: string | null };
    expect(rotated.previousSecretExpiresAt).toBeNull();
    expect(activeWebhookSecrets(await storedShop(shopId), new Date())).toEqual([rotated.webhookSecret]);
  });

  it('never shows a webhook secret again after it was issued', async () => {
    const { shopId, webhookSecret } = await createShopWithToken();
    for (const path of [`/admin/v1/shops/${shopId}`, '/admin/v1/shops?limit=100']) {
      const body = await (await adminCall('GET', path)).text();
      expect(body).not.toContain(webhookSecret);
      expect(body).not.toContain('whsec_');
    }
  });
});

describe('webhook secrets at rest', () => {
  it('KV holds them sealed (AES-GCM, key id beside the ciphertext), never in the clear', async () => {
    const { shopId, webhookSecret } = await createShopWithToken();
    const rotated = (await (await adminCall('POST', `/admin/v1/shops/${shopId}/webhook-secret`, { overlapSeconds: 3600 })).json()) as {
      webhookSecret: string;
    };
    const raw = (await env.KV.get(`shop:${shopId}`))!;
    for (const secret of [webhookSecret, rotated.webhookSecret]) {
      expect(raw).not.toContain(secret);
      expect(raw).not.toContain(secret.slice('whsec_'.length, 'whsec_'.length + 16));
    }
    expect(raw).not.toMatch(/whsec_/);
    const stored = JSON.parse(raw) as { webhookSecrets: Array<{ sealed: { v: number; keyId: string; iv: string; ct: string } }> };
    expect(stored.webhookSecrets.map((s) => s.sealed.keyId)).toEqual(['canary', 'canary']);
    expect(activeWebhookSecrets((await buildServices(env).shops.getShop(shopId))!, new Date())).toEqual([
      rotated.webhookSecret,
      webhookSecret,
    ]);
  });

  it('a sealed secret copied onto another shop does not open (bound to its shop)', async () => {
    const a = await createShopWithToken();
    const b = await createShopWithToken();
    const rawA = JSON.parse((await env.KV.get(`shop:${a.shopId}`))!) as { webhookSecrets: unknown };
    const rawB = JSON.parse((await env.KV.get(`shop:${b.shopId}`))!) as Record<string, unknown>;
    await env.KV.put(`shop:${b.shopId}`, JSON.stringify({ ...rawB, webhookSecrets: rawA.webhookSecrets }));
    await expect(buildServices(env).shops.getShop(b.shopId)).rejects.toThrow();
  });

  it('keys rotate: a secret sealed with the previous key still opens, and the next write re-seals it with the new one', async () => {
    const { shopId, webhookSecret } = await createShopWithToken();
    const next = `k2:${toBase64Url(new TextEncoder().encode('a new sealing key of 32 bytes!!!'))}`;
    const rotatedEnv = { ...env, WEBHOOK_SECRET_KEYS: `${next},${env.WEBHOOK_SECRET_KEYS}` };
    const shops = buildServices(rotatedEnv).shops;
    expect(activeWebhookSecrets((await shops.getShop(shopId))!, new Date())).toEqual([webhookSecret]);
    await shops.updateShop(shopId, { name: 'Re-sealed' });
    const stored = JSON.parse((await env.KV.get(`shop:${shopId}`))!) as { webhookSecrets: Array<{ sealed: { keyId: string } }> };
    expect(stored.webhookSecrets[0]!.sealed.keyId).toBe('k2');
  });
});
