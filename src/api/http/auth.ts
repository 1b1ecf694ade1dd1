import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';
import { timingSafeEqualStrings } from '../../platform/lib/crypto';
import { ApiError } from '../../platform/problem';
import { limitShopToken } from './rate-limit';

/** The credentials of `Authorization: <scheme> <credentials>` when the scheme is one of `schemes` (case-insensitive). */
function credentials(header: string | undefined, schemes: RegExp): string | null {
  const m = header ? /^(\S+)\s+(\S+)\s*$/.exec(header) : null;
  return m && schemes.test(m[1]!) ? m[2]! : null;
}

// The brief writes `Authorization: Token <t>`; generated clients send `Bearer`. Both are the shop API's.
const SHOP_SCHEMES = /^(bearer|token)$/i;
const ADMIN_SCHEMES = /^bearer$/i;
const SHOP_CHALLENGE = 'Bearer realm="aimbrellapay", Token realm="aimbrellapay"';

function unauthorizedShop(): ApiError {
  return new ApiError(
    401,
    'unauthorized',
    'Send a valid shop token as "Authorization: Bearer <token>" or "Authorization: Token <token>".',
    {
      headers: { 'www-authenticate': SHOP_CHALLENGE },
    },
  );
}

/**
 * Shop API authentication: `Authorization: Bearer|Token apay_test_…|apay_live_…`, looked up by hash.
 * Sets `shop` and `token` on the context. A disabled shop is 403, everything else 401.
 */
export const shopAuth = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const { shops } = c.var.services;
  const presented = credentials(c.req.header('authorization'), SHOP_SCHEMES);
  const token = presented ? await shops.resolveToken(presented) : null;
  if (!token) throw unauthorizedShop();
  const shop = await shops.getShopCached(token.shopId);
  if (!shop) throw unauthorizedShop();
  if (shop.disabled) throw new ApiError(403, 'shop_disabled', 'This shop is disabled. Contact AimbrellaPay support.');
  c.set('shop', shop);
  c.set('token', token);
  await limitShopToken(c, token.id); // 429 rate_limited + Retry-After (src/api/http/rate-limit.ts)
  c.executionCtx.waitUntil(shops.touchToken(token).catch((err) => c.var.services.log.warn('token touch failed', { err })));
  await next();
};

/** Operator authentication: the ADMIN_TOKEN secret, compared in constant time. */
export const adminAuth = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const presented = credentials(c.req.header('authorization'), ADMIN_SCHEMES);
  const ok = presented !== null && (await timingSafeEqualStrings(presented, c.var.services.config.adminToken));
  if (!ok) {
    throw new ApiError(401, 'unauthorized', 'Send the admin token as "Authorization: Bearer <token>".', {
      headers: { 'www-authenticate': 'Bearer realm="aimbrellapay-admin"' },
    });
  }
  await next();
};
