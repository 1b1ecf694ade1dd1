/**
 * Request rate limits: per shop token on the shop API, per client IP on the customer pages.
 * Answered with `429` problem `rate_limited` and `Retry-After` (seconds until the window ends).
 *
 * Why a LimiterObject and not Cloudflare's Rate Limiting binding (`[[ratelimits]]`): wrangler
 * 4.86's miniflare does run that binding locally and in the vitest pool (an in-memory counter),
 * but its limit and period live only in the binding's config (period 10 or 60 s), so neither the
 * tests nor a chaos run can lower them through [vars]; it answers only success/failure, so
 * Retry-After would be a guess; and it counts per Cloudflare location. The object costs one
 * round trip per call (one object per token, so shops never queue behind each other; a single
 * object takes far more requests per second than any limit here). Swap the backend in this file
 * if that round trip ever shows in `npm run bench`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { clientIp } from '../http/client-ip';
import type { AppEnv } from '../http/context';
import { ApiError } from '../http/problem';

async function enforce(c: Context<AppEnv>, key: string, limit: number, who: string): Promise<void> {
  const { config, limiter, clock, log } = c.var.services;
  const { windowSeconds } = config.rateLimits;
  const verdict = await limiter.hit(key, limit, windowSeconds, clock.now());
  if (verdict.allowed) return;
  log.warn('rate limited', { key: key.split(':').slice(0, 2).join(':'), retryAfter: verdict.retryAfterSeconds });
  throw new ApiError(429, 'rate_limited', `Too many requests ${who}: at most ${limit} per ${windowSeconds} s. Retry after ${verdict.retryAfterSeconds} s.`, {
    headers: { 'retry-after': String(verdict.retryAfterSeconds) },
  });
}

/** Called by shopAuth once the token is known: one bucket per token (test and live are separate tokens). */
export function limitShopToken(c: Context<AppEnv>, tokenId: string): Promise<void> {
  return enforce(c, `rate:token:${tokenId}`, c.var.services.config.rateLimits.perToken, 'for this token');
}

/** Per client IP, for routes without credentials. */
export const limitPerIp = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await enforce(c, `rate:ip:${clientIp(c.req.raw.headers)}`, c.var.services.config.rateLimits.perIp, 'from this address');
  await next();
};
