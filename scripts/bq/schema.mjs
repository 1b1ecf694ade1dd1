// The dataset, the events table and the dashboard views, created or brought up to date from the
// files in bigquery/ — idempotent, so `npm run bq -- setup` is safe to run on every deploy.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(import.meta.dirname, '..', '..', 'bigquery');
const EVENTS_TABLE = 'payment_events';
/** In dependency order: each view reads only the table or views before it. */
export const VIEWS = ['events_clean', 'payment_state', 'daily_volume', 'daily_conversion', 'bansky_health', 'postback_delivery'];

function eventsTableDefinition() {
  return JSON.parse(readFileSync(join(dir, `${EVENTS_TABLE}.table.json`), 'utf8'));
}

/** A view's SQL with `{{dataset}}` replaced by the fully qualified `project.dataset`. */
function viewSql(name, target) {
  return readFileSync(join(dir, 'views', `${name}.sql`), 'utf8')
    .replaceAll('{{dataset}}', `${target.project}.${target.dataset}`)
    .trim();
}

function viewDescription(sql) {
  const lines = sql.split('\n').filter((l) => l.startsWith('--'));
  return lines.map((l) => l.replace(/^--\s?/, '')).join(' ');
}

/** Applies everything; returns what it did per object, e.g. { payment_events: 'created' }. */
export async function applySchema(bigquery, target) {
  const done = {};
  const dataset = bigquery.dataset(target.dataset);
  const [datasetExists] = await dataset.exists();
  if (!datasetExists) await dataset.create({ location: target.location });
  done[`dataset ${target.dataset}`] = datasetExists ? 'exists' : 'created';

  done[EVENTS_TABLE] = await ensureEventsTable(dataset);
  for (const name of VIEWS) done[name] = await ensureView(dataset, name, viewSql(name, target));
  return done;
}

async function ensureEventsTable(dataset) {
  const definition = eventsTableDefinition();
  const table = dataset.table(EVENTS_TABLE);
  const [exists] = await table.exists();
  if (!exists) {
    await dataset.createTable(EVENTS_TABLE, definition);
    return 'created';
  }
  const [meta] = await table.getMetadata();
  const current = meta.schema?.fields ?? [];
  // BigQuery can add nullable columns in place but never change a type: say so instead of guessing.
  for (const field of definition.schema.fields) {
    const have = current.find((f) => f.name === field.name);
    if (have && normaliseType(have.type) !== normaliseType(field.type)) {
      throw new Error(`${EVENTS_TABLE}.${field.name} is ${have.type} but the definition says ${field.type}; migrate it by hand`);
    }
  }
  const missing = definition.schema.fields.filter((f) => !current.some((c) => c.name === f.name));
  if (missing.length === 0) return 'up to date';
  await table.setMetadata({ schema: { fields: [...current, ...missing.map((f) => ({ ...f, mode: 'NULLABLE' }))] } });
  return `added ${missing.map((f) => f.name).join(', ')}`;
}

const normaliseType = (t) => ({ INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN', BIGDECIMAL: 'BIGNUMERIC' })[t] ?? t;

async function ensureView(dataset, name, query) {
  const table = dataset.table(name);
  const view = { query, useLegacySql: false };
  const description = viewDescription(query);
  const [exists] = await table.exists();
  if (!exists) {
    await dataset.createTable(name, { view, description });
    return 'created';
  }
  const [meta] = await table.getMetadata();
  if (meta.view?.query?.trim() === query) return 'up to date';
  await table.setMetadata({ view, description });
  return 'updated';
}
