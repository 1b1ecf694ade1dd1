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
import { z } from 'zod';
import type { Env } from '../env';
import { clientIp } from '../http/client-ip';
import type { AppEnv } from '../http/context';
import { ApiError } from '../http/problem';
import { Limiter } from './limiter';

export interface RateLimits {
  perToken: number;
  perIp: number;
  windowSeconds: number;
}

const schema = z.object({
  perToken: z.coerce.number().int().min(1).default(600),
  perIp: z.coerce.number().int().min(1).default(300),
  windowSeconds: z.coerce.number().int().min(1).max(3600).default(60),
});

const cache = new WeakMap<object, RateLimits>();

/** The limits from RATE_LIMIT_* vars, validated once per env object. */
export function rateLimits(env: Env): RateLimits {
  let hit = cache.get(env);
  if (!hit) {
    hit = schema.parse({
      perToken: env.RATE_LIMIT_PER_TOKEN || undefined,
      perIp: env.RATE_LIMIT_PER_IP || undefined,
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS || undefined,
    });
    cache.set(env, hit);
  }
  return hit;
}

async function enforce(c: Context<AppEnv>, key: string, limit: number, who: string): Promise<void> {
  const { windowSeconds } = rateLimits(c.env);
  const verdict = await new Limiter(c.env.LIMITER).hit(key, limit, windowSeconds, c.var.services.now());
  if (verdict.allowed) return;
  c.var.services.log.warn('rate limited', { key: key.split(':').slice(0, 2).join(':'), retryAfter: verdict.retryAfterSeconds });
  throw new ApiError(429, 'rate_limited', `Too many requests ${who}: at most ${limit} per ${windowSeconds} s. Retry after ${verdict.retryAfterSeconds} s.`, {
    headers: { 'retry-after': String(verdict.retryAfterSeconds) },
  });
}

/** Called by shopAuth once the token is known: one bucket per token (test and live are separate tokens). */
export function limitShopToken(c: Context<AppEnv>, tokenId: string): Promise<void> {
  return enforce(c, `rate:token:${tokenId}`, rateLimits(c.env).perToken, 'for this token');
}

/** Per client IP, for routes without credentials. */
export const limitPerIp = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await enforce(c, `rate:ip:${clientIp(c.req.raw.headers)}`, rateLimits(c.env).perIp, 'from this address');
  await next();
};
