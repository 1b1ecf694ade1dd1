/**
 * Request rate limits: per shop token on the shop API, per client IP on the customer pages.
 * Answered with `429` problem `rate_limited` and `Retry-After` (seconds until the window ends).
 * Counted by a RateGate (rate-gate.ts): in the isolate at once, reported to one LimiterObject
 * per key for the global budget. Not Cloudflare's Rate Limiting binding: its limit and period
 * live only in wrangler.toml (tests and a chaos run set limits through [vars]), it answers only
 * yes/no (Retry-After would be a guess), and it counts per location.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';
import { clientIp } from '../../platform/input/client-ip';
import type { Logger } from '../../platform/observability/logger';
import { ApiError } from '../../platform/problem';
import type { Services } from '../../services';

/** The 429 for `key` when its budget is spent, else null; counts the request either way. */
function rateLimitVerdict(
  services: Services,
  key: string,
  limit: number,
  who: string,
  waitUntil: (work: Promise<unknown>) => void,
  log: () => Logger = () => services.log,
): ApiError | null {
  const { config, rateGate } = services;
  const { windowSeconds } = config.rateLimits;
  const verdict = rateGate.check(key, limit, windowSeconds, waitUntil);
  if (verdict.allowed) return null;
  log().warn('rate limited', { key: key.split(':').slice(0, 2).join(':'), retryAfter: verdict.retryAfterSeconds });
  return new ApiError(
    429,
    'rate_limited',
    `Too many requests ${who}: at most ${limit} per ${windowSeconds} s. Retry after ${verdict.retryAfterSeconds} s.`,
    { headers: { 'retry-after': String(verdict.retryAfterSeconds) } },
  );
}

/** Per client IP, for the customer pages (no credentials). */
const ipRateLimitVerdict = (services: Services, headers: Headers, waitUntil: (work: Promise<unknown>) => void, log?: () => Logger) =>
  rateLimitVerdict(services, `rate:ip:${clientIp(headers)}`, services.config.rateLimits.perIp, 'from this address', waitUntil, log);

async function enforce(c: Context<AppEnv>, key: string, limit: number, who: string): Promise<void> {
  const refused = rateLimitVerdict(c.var.services, key, limit, who, (work) => c.executionCtx.waitUntil(work));
  if (refused) throw refused;
}

/** Called by shopAuth once the token is known: one bucket per token (test and live are separate tokens). */
export function limitShopToken(c: Context<AppEnv>, tokenId: string): Promise<void> {
  return enforce(c, `rate:token:${tokenId}`, c.var.services.config.rateLimits.perToken, 'for this token');
}

/** Per client IP, for routes without credentials. */
export const limitPerIp = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const refused = ipRateLimitVerdict(c.var.services, c.req.raw.headers, (work) => c.executionCtx.waitUntil(work));
  if (refused) throw refused;
  await next();
};
