/**
 * Helpers for the analytics tests against the real BigQuery emulator: start it (failing loudly
 * with the install command when it is missing), stream rows and run queries over its REST API.
 */
import { findBigQueryEmulator, startBigQueryEmulator } from '../../scripts/local/bigquery-emulator.mjs';

export interface Emulator {
  url: string;
  port: number;
  project: string;
  dataset: string;
  stop(): Promise<void>;
}

export async function startEmulator(opts: { port?: number; project?: string; withSchema?: boolean } = {}): Promise<Emulator> {
  const found = findBigQueryEmulator();
  if (!found.path) throw new Error(found.reason);
  const project = opts.project ?? `apay-test-${Math.random().toString(36).slice(2, 8)}`;
  const dataset = 'aimbrellapay';
  const emu = await startBigQueryEmulator({ ...opts, project, dataset, log: () => {} });
  if (!emu) throw new Error('the BigQuery emulator did not start');
  return { url: emu.url, port: emu.port, project, dataset, stop: () => emu.stop() };
}

export type Row = Record<string, string | null>;

export async function insertRows(emu: Emulator, rows: Array<Record<string, unknown>>): Promise<void> {
  const url = `${emu.url}/bigquery/v2/projects/${emu.project}/datasets/${emu.dataset}/tables/payment_events/insertAll`;
  const body = { rows: rows.map((json) => ({ insertId: json.event_id, json })) };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { insertErrors?: unknown[] };
  if (!res.ok || answer.insertErrors?.length) throw new Error(`insertAll ${res.status}: ${JSON.stringify(answer)}`);
}

/** Rows as { column: string value } — exact decimals stay strings, as BigQuery's REST API sends them. */
export async function query(emu: Emulator, sql: string): Promise<Row[]> {
  const res = await fetch(`${emu.url}/bigquery/v2/projects/${emu.project}/queries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: sql.replaceAll('{{dataset}}', `${emu.project}.${emu.dataset}`), useLegacySql: false }),
  });
  const answer = (await res.json()) as {
    schema?: { fields: Array<{ name: string }> };
    rows?: Array<{ f: Array<{ v: string | null }> }>;
    error?: unknown;
  };
  if (!res.ok) throw new Error(`query ${res.status}: ${JSON.stringify(answer.error ?? answer)}`);
  const names = answer.schema?.fields.map((f) => f.name) ?? [];
  return (answer.rows ?? []).map((r) => Object.fromEntries(names.map((n, i) => [n, r.f[i]?.v ?? null])));
}

export async function viewColumns(emu: Emulator, name: string): Promise<string[]> {
  const res = await fetch(`${emu.url}/bigquery/v2/projects/${emu.project}/datasets/${emu.dataset}/tables/${name}`);
  const table = (await res.json()) as { schema?: { fields: Array<{ name: string }> } };
  return table.schema?.fields.map((f) => f.name) ?? [];
}

/** "12.50" and "12.5" are the same decimal; compare without trailing zeros. */
export function dec(value: string | null | undefined): string | null {
  if (value === undefined) return null;
  if (value === null) return null;
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
