#!/usr/bin/env node
// `npm run bq -- setup`             create or update the dataset, events table and views (idempotent)
// `npm run bq -- stats [--days N] [--shop ID] [--json]`   per-shop figures from the views
// `npm run stats -- …`              the same as `bq -- stats`
// Target: see target.mjs (BIGQUERY_PROJECT / BIGQUERY_BASE_URL / credentials; default: the local emulator).
import { applySchema } from './schema.mjs';
import { formatStats, shopStats } from './stats.mjs';
import { bigQueryTarget, createBigQueryClient, describeTarget } from './target.mjs';

const [command, ...rest] = process.argv.slice(2);
const flag = (name) => {
  const i = rest.indexOf(`--${name}`);
  return i === -1 ? undefined : rest[i + 1];
};

async function main() {
  const target = bigQueryTarget();
  const bigquery = createBigQueryClient(target);
  if (command === 'setup') {
    const done = await applySchema(bigquery, target);
    console.log(`BigQuery schema applied to ${describeTarget(target)}`);
    for (const [name, what] of Object.entries(done)) console.log(`  ${name}: ${what}`);
  } else if (command === 'stats') {
    const days = Number(flag('days') ?? 7);
    const stats = await shopStats(bigquery, target, { days, shopId: flag('shop') });
    console.log(rest.includes('--json') ? JSON.stringify(stats, null, 2) : formatStats(stats, target, days));
  } else {
    console.error('usage: npm run bq -- setup | stats [--days N] [--shop ID] [--json]');
    process.exit(2);
  }
}

main().catch((err) => {
  const local = /ECONNREFUSED/.test(String(err?.message ?? err));
  console.error(`bq ${command ?? ''}: ${err?.message ?? err}`);
  if (local) console.error('Is the BigQuery emulator running? `npm start` runs it; or set BIGQUERY_BASE_URL / BIGQUERY_PROJECT.');
  process.exit(1);
});
