import type { ServiceAccountKey } from '../analytics/google-auth';

/**
 * BigQuery's REST `jobs.query` with named query parameters: values travel in `queryParameters`,
 * never in the SQL text. The target (base URL, project) is the one the insert path uses.
 */
export type QueryParameter = { name: string; type: 'STRING' | 'DATE' | 'INT64'; value: string };
export type QueryRow = Record<string, string | null>;

/** BigQuery could not be reached or refused; carries no response body beyond a short reason. */
export class BigQueryUnavailableError extends Error {
  readonly code = 'bigquery_unavailable';
  constructor(
    readonly httpStatus: number | null,
    detail: string,
  ) {
    super(`BigQuery is unavailable: ${detail}`);
    this.name = 'BigQueryUnavailableError';
  }
}

/**
 * Where queries go: the BigQueryTarget that analytics/bigquery-insert's bigQueryTargetFrom(config)
 * builds (same base-URL handling). Restated structurally so Node-side tests can type-check this file
 * without the Workers types env.ts needs; target-compat.ts keeps the two in step.
 */
export interface QueryTarget {
  baseUrl: string;
  project: string;
  dataset: string;
  key: ServiceAccountKey | null;
}

export interface QueryDeps {
  target: QueryTarget;
  fetch?: typeof fetch;
  /** Bearer token for a key with a BigQuery read scope; null for an emulator (no auth). */
  accessToken?: (() => Promise<string>) | null;
  timeoutMs?: number;
}

interface QueryAnswer {
  jobComplete?: boolean;
  jobReference?: { jobId?: string; location?: string };
  schema?: { fields?: Array<{ name: string }> };
  rows?: Array<{ f: Array<{ v: unknown }> }>;
  pageToken?: string;
}

export async function runQuery(deps: QueryDeps, sql: string, params: QueryParameter[]): Promise<QueryRow[]> {
  const doFetch = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const base = `${deps.target.baseUrl}/bigquery/v2/projects/${encodeURIComponent(deps.target.project)}/queries`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (deps.target.key) {
    if (!deps.accessToken) throw new BigQueryUnavailableError(null, 'no access token provider for the service account');
    try {
      headers.authorization = `Bearer ${await deps.accessToken()}`;
    } catch (err) {
      throw new BigQueryUnavailableError(null, err instanceof Error ? err.message : 'token exchange failed');
    }
  }
  const body = {
    query: sql,
    useLegacySql: false,
    parameterMode: 'NAMED',
    timeoutMs,
    queryParameters: params.map((p) => ({ name: p.name, parameterType: { type: p.type }, parameterValue: { value: p.value } })),
  };
  let answer = await call(doFetch, base, { method: 'POST', headers, body: JSON.stringify(body) }, timeoutMs);
  // A slow query answers jobComplete=false: ask for the results of that job (a few times, then give up).
  for (let i = 0; i < 3 && answer.jobComplete === false && answer.jobReference?.jobId; i++) {
    const loc = answer.jobReference.location
      ? `?location=${encodeURIComponent(answer.jobReference.location)}&timeoutMs=${timeoutMs}`
      : `?timeoutMs=${timeoutMs}`;
    answer = await call(doFetch, `${base}/${encodeURIComponent(answer.jobReference.jobId)}${loc}`, { method: 'GET', headers }, timeoutMs);
  }
  if (answer.jobComplete === false) throw new BigQueryUnavailableError(null, 'query did not finish in time');
  const names = answer.schema?.fields?.map((f) => f.name) ?? [];
  return (answer.rows ?? []).map((r) => Object.fromEntries(names.map((n, i) => [n, cell(r.f[i]?.v)])));
}

const cell = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

async function call(doFetch: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<QueryAnswer> {
  let res: Response;
  try {
    res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs + 5_000) });
  } catch (err) {
    throw new BigQueryUnavailableError(null, err instanceof Error ? err.message : 'network error');
  }
  if (!res.ok) {
    const detail = (await res.text().catch(() => '')).slice(0, 200);
    throw new BigQueryUnavailableError(res.status, `HTTP ${res.status} ${detail}`.trim());
  }
  return (await res.json()) as QueryAnswer;
}
