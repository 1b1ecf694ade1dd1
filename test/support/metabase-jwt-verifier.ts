import { decodeProtectedHeader, jwtVerify } from 'jose';

/**
 * Metabase's side of a guest/static embed token, re-implemented for tests from its source
 * (metabase/metabase; commits in test/support/metabase/README.md):
 *  - src/metabase/embedding/jwt.clj: `alg` missing or "none" refused; buddy-sign's unsign with the
 *    default HS256 (any other alg fails), the secret's string bytes, `{:leeway 60}`: `exp` checked
 *    only when present, `iat`/`nbf` in the future beyond the leeway refused; every failure a 400.
 *  - src/metabase/embedding/api/common.clj: `[:resource :dashboard]` and `[:params]` must be present
 *    (`{}` is fine); then check-params-are-allowed / check-params-exist against the dashboard's
 *    `embedding_params`: blank strings count as absent; disabled → any value is a 400; enabled →
 *    token or URL, not both; locked → the token must carry a value and the URL may not; names not in
 *    `embedding_params` are a 400. Embedding must be enabled on the dashboard.
 * One rule is ours, not Metabase's: a locked value must be a non-empty list of non-blank strings.
 * Metabase accepts `[]` (`some?` is true for it) and then turns the filter off (Metabase issue #40292).
 */
type EmbeddingParamState = 'disabled' | 'enabled' | 'locked';

export interface EmbeddableDashboard {
  enable_embedding: boolean;
  embedding_params: Record<string, EmbeddingParamState>;
}

export interface VerifyOptions {
  secret: string;
  dashboards: Record<number, EmbeddableDashboard>;
  now?: Date;
  /** Parameters the embedding page puts in the URL (`#shop_id=…` / `?shop_id=…`). */
  urlParams?: Record<string, unknown>;
}

export interface VerifiedEmbed {
  dashboardId: number;
  params: Record<string, unknown>;
}

/** What Metabase answers with: HTTP 400 and a message. */
export class MetabaseEmbedError extends Error {
  readonly status = 400;
}

const LEEWAY_S = 60;
const fail = (message: string): never => {
  throw new MetabaseEmbedError(message);
};

const isBlankString = (v: unknown) => typeof v === 'string' && v.trim() === '';
const presentValues = (params: Record<string, unknown>) => Object.fromEntries(Object.entries(params).filter(([, v]) => !isBlankString(v)));

export async function verifyMetabaseEmbedToken(token: string, opts: VerifyOptions): Promise<VerifiedEmbed> {
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    fail('JWT header is not readable.');
  }
  if (!alg) fail('JWT is missing `alg`.');
  if (alg === 'none') fail('JWT `alg` cannot be `none`.');

  let claims: Record<string, unknown> = {};
  try {
    // clockTolerance = buddy's leeway; jose, like buddy, checks exp/nbf only when present.
    ({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(opts.secret), {
      algorithms: ['HS256'],
      clockTolerance: LEEWAY_S,
      currentDate: new Date(now * 1000),
    }));
  } catch (err) {
    fail(`Invalid token: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof claims.iat === 'number' && claims.iat > now + LEEWAY_S) fail('Token is not yet valid (iat).');

  const resource = claims.resource as { dashboard?: unknown } | undefined;
  const dashboardId = resource?.dashboard ?? fail('Token is missing value for keypath [:resource :dashboard]');
  const tokenParams = (claims.params as Record<string, unknown> | undefined) ?? fail('Token is missing value for keypath [:params]');
  if (typeof tokenParams !== 'object' || Array.isArray(tokenParams)) fail('params must be a map');
  if (typeof dashboardId !== 'number' || !Number.isInteger(dashboardId) || dashboardId <= 0)
    fail('dashboard id should be a positive integer.');

  const dashboard = opts.dashboards[dashboardId as number] ?? fail('Not found.');
  if (!dashboard.enable_embedding) fail('Embedding is not enabled for this object.');

  const fromToken = presentValues(tokenParams);
  const user = presentValues(opts.urlParams ?? {});
  const all = { ...fromToken, ...user };
  for (const [name, state] of Object.entries(dashboard.embedding_params)) {
    if (state === 'disabled' && name in all) fail(`You're not allowed to specify a value for ${name}.`);
    if (state === 'enabled' && name in fromToken && name in user)
      fail(`You can't specify a value for ${name} if it's already set in the JWT.`);
    if (state === 'locked') {
      if (fromToken[name] === undefined || fromToken[name] === null) fail(`You must specify a value for ${name} in the JWT.`);
      if (name in user) fail(`You can only specify a value for ${name} in the JWT.`);
      checkLockedValueIsNotEmpty(name, fromToken[name]);
    }
  }
  for (const name of Object.keys(all)) if (!(name in dashboard.embedding_params)) fail(`Unknown parameter ${name}.`);
  return { dashboardId: dashboardId as number, params: { ...user, ...fromToken } };
}

/** Our rule on top of Metabase's: an empty list would be accepted and would show every shop. */
function checkLockedValueIsNotEmpty(name: string, value: unknown): void {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || values.some((v) => typeof v !== 'string' || v.trim() === '')) {
    fail(`Locked parameter ${name} must carry non-blank values (an empty list turns Metabase's filter off).`);
  }
}
