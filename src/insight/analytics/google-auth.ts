import { importPKCS8, SignJWT } from 'jose';
import { systemClock } from '../../platform/lib/clock';

/**
 * Google service-account auth for the Worker, without the Node BigQuery library: an RS256 JWT
 * signed with WebCrypto (jose) is exchanged at the key's token_uri for an access token, cached
 * until shortly before it expires (OAuth 2.0 JWT bearer grant, RFC 7523).
 */
export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery.insertdata';
/**
 * `jobs.query` (the Stats page's figures and charts) needs a read scope: insertdata is refused with
 * 403. The service account then also needs roles/bigquery.jobUser and roles/bigquery.dataViewer.
 */
export const BIGQUERY_READ_SCOPE = 'https://www.googleapis.com/auth/bigquery.readonly';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const JWT_LIFETIME_S = 3600; // Google's maximum
const REFRESH_MARGIN_MS = 60_000;

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

/** Parses the secret; the error names what is missing, never the secret's content. */
export function parseServiceAccountKey(json: string): ServiceAccountKey {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error('BIGQUERY_SERVICE_ACCOUNT_JSON is not valid JSON');
  }
  if (typeof raw.client_email !== 'string' || typeof raw.private_key !== 'string') {
    throw new Error('BIGQUERY_SERVICE_ACCOUNT_JSON lacks client_email or private_key');
  }
  return {
    client_email: raw.client_email,
    private_key: raw.private_key,
    private_key_id: typeof raw.private_key_id === 'string' ? raw.private_key_id : undefined,
    token_uri: typeof raw.token_uri === 'string' ? raw.token_uri : DEFAULT_TOKEN_URI,
  };
}

/** The signed assertion sent to the token endpoint. */
export async function signServiceAccountJwt(key: ServiceAccountKey, now: Date, scope = BIGQUERY_SCOPE): Promise<string> {
  const privateKey = await importPKCS8(key.private_key, 'RS256');
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) })
    .setIssuer(key.client_email)
    .setSubject(key.client_email)
    .setAudience(key.token_uri)
    .setIssuedAt(iat)
    .setExpirationTime(iat + JWT_LIFETIME_S)
    .sign(privateKey);
}

/** Raised when the token endpoint refuses; carries the HTTP status, never the response body's secrets. */
export class TokenExchangeError extends Error {
  constructor(
    readonly httpStatus: number | null,
    detail: string,
  ) {
    super(`service-account token exchange failed: ${detail}`);
  }
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

// Per isolate: consumer invocations in the same isolate reuse the token instead of re-signing.
const tokenCache = new Map<string, CachedToken>();

/** An access token for `scope` (default: streaming inserts); cached per key and scope. */
export async function getAccessToken(
  key: ServiceAccountKey,
  now: () => Date = systemClock.now,
  scope: string = BIGQUERY_SCOPE,
): Promise<string> {
  const cacheKey = `${key.client_email}|${key.token_uri}|${key.private_key_id ?? ''}|${scope}`;
  const hit = tokenCache.get(cacheKey);
  if (hit && hit.expiresAt - REFRESH_MARGIN_MS > now().getTime()) return hit.accessToken;

  const assertion = await signServiceAccountJwt(key, now(), scope);
  let res: Response;
  try {
    res = await fetch(key.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new TokenExchangeError(null, err instanceof Error ? err.message : 'network error');
  }
  if (!res.ok) {
    // Google answers {"error":"invalid_grant","error_description":"…"}: safe to name, no secret in it.
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new TokenExchangeError(res.status, `HTTP ${res.status} ${body.error ?? ''}`.trim());
  }
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number };
  if (!body.access_token) throw new TokenExchangeError(res.status, 'no access_token in the answer');
  const token = { accessToken: body.access_token, expiresAt: now().getTime() + (body.expires_in ?? 3600) * 1000 };
  tokenCache.set(cacheKey, token);
  return token.accessToken;
}

/** Tests start from an empty cache. */
export function clearAccessTokenCache(): void {
  tokenCache.clear();
}
