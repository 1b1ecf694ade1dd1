import { exports } from 'cloudflare:workers';
import { CANARY } from '../support/test-bindings';

export const worker = exports.default;
export const BASE = 'https://pay.test.example';

export const adminHeaders = {
  authorization: `Bearer ${CANARY.ADMIN_TOKEN}`,
  'content-type': 'application/json',
};

export async function adminCall(method: string, path: string, body?: unknown): Promise<Response> {
  return worker.fetch(BASE + path, {
    method,
    headers: adminHeaders,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Onboards a shop through the admin API, as an operator would, and issues it a token. */
export async function createShopWithToken(
  opts: { mode?: 'test' | 'live'; allowedRedirectHosts?: string[]; name?: string } = {},
): Promise<{ shopId: string; token: string; tokenId: string; webhookSecret: string }> {
  const shopRes = await adminCall('POST', '/admin/v1/shops', {
    name: opts.name ?? 'Test Shop',
    allowedRedirectHosts: opts.allowedRedirectHosts ?? ['shop.example', 'localhost', '127.0.0.1'],
  });
  if (shopRes.status !== 201) throw new Error(`create shop: ${shopRes.status} ${await shopRes.text()}`);
  const { shop, webhookSecret } = (await shopRes.json()) as { shop: { id: string }; webhookSecret: string };
  const tokRes = await adminCall('POST', `/admin/v1/shops/${shop.id}/tokens`, { mode: opts.mode ?? 'test', label: 'tests' });
  if (tokRes.status !== 201) throw new Error(`issue token: ${tokRes.status} ${await tokRes.text()}`);
  const tok = (await tokRes.json()) as { id: string; token: string };
  return { shopId: shop.id, token: tok.token, tokenId: tok.id, webhookSecret };
}

export function shopHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}
