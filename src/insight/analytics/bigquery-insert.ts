import type { Config } from '../../env';
import type { AnalyticsEvent } from './events';
import { getAccessToken, parseServiceAccountKey, type ServiceAccountKey, TokenExchangeError } from './google-auth';

const EVENTS_TABLE = 'payment_events';
export const MAX_ROWS_PER_INSERT = 500; // BigQuery's recommended maximum per insertAll request
const DEFAULT_BASE_URL = 'https://bigquery.googleapis.com';

/** Where rows go. Without a key no Authorization header is sent (the local emulator wants none). */
export interface BigQueryTarget {
  baseUrl: string;
  project: string;
  dataset: string;
  key: ServiceAccountKey | null;
}

/**
 * The target from config, or null when analytics is not configured (plain local run without the
 * emulator). A project without an endpoint or a key is a broken deploy, not "off": it throws.
 */
export function bigQueryTargetFrom(config: Config['bigQuery']): BigQueryTarget | null {
  if (!config.project) return null;
  const key = config.serviceAccountJson ? parseServiceAccountKey(config.serviceAccountJson) : null;
  if (!config.baseUrl && !key)
    throw new Error('BIGQUERY_PROJECT is set but neither BIGQUERY_BASE_URL nor BIGQUERY_SERVICE_ACCOUNT_JSON is');
  return { baseUrl: (config.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''), project: config.project, dataset: config.dataset, key };
}

/** One row as insertAll wants it: JSON columns as a JSON string, amount as the decimal string. */
function toBigQueryRow(event: AnalyticsEvent): Record<string, unknown> {
  return {
    ...event,
    attributes: JSON.stringify(event.attributes ?? {}),
    metadata: event.metadata ? JSON.stringify(event.metadata) : null,
  };
}

/** The outcome per row of one insertAll call. */
export type RowOutcome = { ok: true } | { ok: false; retry: boolean; reason: string };

/** Thrown when the whole request failed in a way worth retrying (network, 5xx, 429, auth, missing table). */
export class TransientInsertError extends Error {}

/**
 * Streams rows with insertId = event_id. A 200 may still carry insertErrors: "invalid" rows are
 * poison (dead-lettered by the caller), "stopped" rows were only held back by them (retried).
 */
export async function insertAll(target: BigQueryTarget, events: AnalyticsEvent[]): Promise<RowOutcome[]> {
  const url = `${target.baseUrl}/bigquery/v2/projects/${encodeURIComponent(target.project)}/datasets/${encodeURIComponent(target.dataset)}/tables/${EVENTS_TABLE}/insertAll`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.key) {
    try {
      headers.authorization = `Bearer ${await getAccessToken(target.key)}`;
    } catch (err) {
      if (err instanceof TokenExchangeError) throw new TransientInsertError(err.message);
      throw err;
    }
  }
  const body = JSON.stringify({
    kind: 'bigquery#tableDataInsertAllRequest',
    skipInvalidRows: false,
    ignoreUnknownValues: false,
    rows: events.map((e) => ({ insertId: e.event_id, json: toBigQueryRow(e) })),
  });
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new TransientInsertError(`BigQuery unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) {
    const detail = await res.text().catch(() => '');
    const message = `insertAll HTTP ${res.status}: ${detail.slice(0, 300)}`;
    // A 400 for the whole request means a row the API cannot even parse: split to find it.
    if (res.status === 400 && events.length > 1) return splitAndRetry(target, events);
    if (res.status === 400) return [{ ok: false, retry: false, reason: message }];
    throw new TransientInsertError(message);
  }
  const answer = (await res.json().catch(() => ({}))) as InsertAllResponse;
  return rowOutcomes(events.length, answer);
}

async function splitAndRetry(target: BigQueryTarget, events: AnalyticsEvent[]): Promise<RowOutcome[]> {
  const half = Math.ceil(events.length / 2);
  return [...(await insertAll(target, events.slice(0, half))), ...(await insertAll(target, events.slice(half)))];
}

export interface InsertAllResponse {
  insertErrors?: Array<{ index: number; errors?: Array<{ reason?: string; message?: string; location?: string }> }>;
}

/** Per-row outcome of a 200 answer (exported for tests of answers the emulator cannot produce). */
export function rowOutcomes(count: number, answer: InsertAllResponse): RowOutcome[] {
  const result: RowOutcome[] = Array.from({ length: count }, () => ({ ok: true }));
  for (const rowError of answer.insertErrors ?? []) {
    if (rowError.index < 0 || rowError.index >= count) continue;
    const errors = rowError.errors ?? [];
    const invalid = errors.find((e) => e.reason === 'invalid');
    const describe = (e: { reason?: string; message?: string; location?: string }) =>
      [e.reason, e.location, e.message].filter(Boolean).join(': ');
    if (!invalid) result[rowError.index] = { ok: false, retry: true, reason: errors.map(describe).join('; ') || 'insert error' };
    // A column the table lacks means the Worker was deployed before `npm run bq -- setup`: the row
    // is fine and the table is behind, so it waits on the queue rather than being dead-lettered.
    else if (isSchemaBehind(invalid.message)) result[rowError.index] = { ok: false, retry: true, reason: describe(invalid) };
    else result[rowError.index] = { ok: false, retry: false, reason: describe(invalid) };
  }
  return result;
}

export const isSchemaBehind = (message: string | undefined) => /no such field/i.test(message ?? '');
