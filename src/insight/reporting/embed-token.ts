import { SignJWT } from 'jose';
import { systemClock } from '../../platform/lib/clock';

/**
 * Signs Metabase guest-embed tokens for the shop app's Stats page.
 *
 * Metabase's rules (src/metabase/embedding/jwt.clj, api/common.clj, see test/support/metabase/README.md
 * for the commits read): HS256 only, keyed with the `embedding-secret-key` setting's string bytes as
 * they are (not hex-decoded); `params` must be present; a locked parameter needs a value in the token.
 * Metabase accepts `shop_id: []` for a locked parameter and then drops the filter (every shop's rows),
 * so this module refuses to sign anything but one non-blank shop id and one mode.
 */
const MAX_EMBED_TOKEN_LIFETIME_S = 600;
type EmbedMode = 'test' | 'live';

export interface EmbedTokenConfig {
  /** METABASE_EMBED_SECRET: Metabase's embedding-secret-key (64 hex characters). */
  secret: string;
  /** METABASE_DASHBOARD_ID: the one dashboard shops may see. */
  dashboardId: number;
  /** Token lifetime in seconds, at most 600 (default). */
  lifetimeSeconds?: number;
}

export interface EmbedScope {
  shopId: string;
  mode: EmbedMode;
}

/** Raised instead of signing a token that would show more than one shop's rows. */
export class EmbedTokenRefused extends Error {
  constructor(reason: string) {
    super(`refusing to sign a Metabase embed token: ${reason}`);
    this.name = 'EmbedTokenRefused';
  }
}

function checkScope(scope: Partial<EmbedScope> | undefined): EmbedScope {
  const shopId = scope?.shopId;
  if (typeof shopId !== 'string' || shopId.trim() === '') throw new EmbedTokenRefused('shop id missing or blank');
  if (scope?.mode !== 'test' && scope?.mode !== 'live') throw new EmbedTokenRefused('mode must be "test" or "live"');
  return { shopId, mode: scope.mode };
}

function checkConfig(config: EmbedTokenConfig): number {
  if (!config.secret) throw new EmbedTokenRefused('METABASE_EMBED_SECRET is not set');
  if (!Number.isInteger(config.dashboardId) || config.dashboardId <= 0)
    throw new EmbedTokenRefused('dashboard id must be a positive integer');
  const lifetime = config.lifetimeSeconds ?? MAX_EMBED_TOKEN_LIFETIME_S;
  if (!(lifetime > 0 && lifetime <= MAX_EMBED_TOKEN_LIFETIME_S))
    throw new EmbedTokenRefused(`lifetime must be 1..${MAX_EMBED_TOKEN_LIFETIME_S} s`);
  return lifetime;
}

/** `{resource:{dashboard}, params:{shop_id:[shop], mode:[mode]}, exp}`, HS256. */
export async function signDashboardEmbedToken(config: EmbedTokenConfig, scope: EmbedScope, now: Date = systemClock.now()): Promise<string> {
  const lifetime = checkConfig(config);
  const { shopId, mode } = checkScope(scope);
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ resource: { dashboard: config.dashboardId }, params: { shop_id: [shopId], mode: [mode] } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(new TextEncoder().encode(config.secret));
}

/** What embed.js POSTs to guestEmbedProviderUri when its token nears expiry (PR #71075). */
export interface EmbedRefreshRequest {
  entityType?: unknown;
  entityId?: unknown;
  customContext?: unknown;
}

export type RefreshDecision = { ok: true } | { ok: false; reason: string };

/**
 * The browser names the entity; only the configured dashboard is ever signed. The shop and mode come
 * from the caller's session, never from this body.
 */
export function authorizeEmbedRefresh(body: EmbedRefreshRequest | null | undefined, dashboardId: number): RefreshDecision {
  if (!body || typeof body !== 'object') return { ok: false, reason: 'body must be a JSON object' };
  if (body.entityType !== 'dashboard') return { ok: false, reason: 'only dashboards are embedded' };
  const id = typeof body.entityId === 'string' && /^\d+$/.test(body.entityId) ? Number(body.entityId) : body.entityId;
  if (id !== dashboardId) return { ok: false, reason: 'not the configured dashboard' };
  return { ok: true };
}

/** The refresh endpoint's whole job: authorise, then sign for the session's own shop and mode. */
export async function refreshDashboardEmbedToken(
  config: EmbedTokenConfig,
  session: EmbedScope,
  body: EmbedRefreshRequest | null | undefined,
  now: Date = systemClock.now(),
): Promise<{ jwt: string } | { error: string }> {
  const decision = authorizeEmbedRefresh(body, config.dashboardId);
  if (!decision.ok) return { error: decision.reason };
  return { jwt: await signDashboardEmbedToken(config, session, now) };
}
