import type { MiddlewareHandler } from 'hono';
import { limitShopToken } from '../limits/rate-limit';
import { timingSafeEqualStrings } from '../shops/crypto';
import type { AppEnv } from './context';
import { ApiError } from './problem';

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * Shop API authentication: `Authorization: Bearer apay_test_…|apay_live_…`, looked up by hash.
 * Sets `shop` and `token` on the context. A disabled shop is 403, everything else 401.
 */
export const shopAuth = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const { shops } = c.var.services;
  const presented = bearer(c.req.header('authorization'));
  const token = presented ? await shops.resolveToken(presented) : null;
  if (!token) throw new ApiError(401, 'unauthorized', 'Send a valid shop token as "Authorization: Bearer <token>".');
  const shop = await shops.getShop(token.shopId, { cacheTtl: 60 });
  if (!shop) throw new ApiError(401, 'unauthorized', 'Send a valid shop token as "Authorization: Bearer <token>".');
  if (shop.disabled) throw new ApiError(403, 'shop_disabled', 'This shop is disabled. Contact AimbrellaPay support.');
  c.set('shop', shop);
  c.set('token', token);
  await limitShopToken(c, token.id); // 429 rate_limited + Retry-After (src/limits/rate-limit.ts)
  c.executionCtx.waitUntil(
    shops.touchToken(token).catch((err) => c.var.services.log.warn('token touch failed', { err })),
  );
  await next();
};

/** Operator authentication: the ADMIN_TOKEN secret, compared in constant time. */
export const adminAuth = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const presented = bearer(c.req.header('authorization'));
  const ok = presented !== null && (await timingSafeEqualStrings(presented, c.var.services.config.adminToken));
  if (!ok) throw new ApiError(401, 'unauthorized', 'Send the admin token as "Authorization: Bearer <token>".');
  await next();
};
