/**
 * The one price table of the benchmark: published list prices, paid plans, beyond the included
 * monthly amounts (a business at a million payments a month is past them). Read 2026-12-03 from
 * the pages below; update the date and the figures together.
 */
export const PRICES_READ_ON = '2026-12-03';

export interface Price {
  /** US dollars per one unit. */
  usd: number;
  unit: string;
  source: string;
}

const M = 1e-6;

export const PRICES = {
  workerRequest: {
    usd: 0.3 * M,
    unit: 'request',
    source: 'https://developers.cloudflare.com/workers/platform/pricing/ (Standard: $0.30 per additional million requests)',
  },
  workerCpuMs: {
    usd: 0.02 * M,
    unit: 'CPU ms',
    source: 'https://developers.cloudflare.com/workers/platform/pricing/ ($0.02 per additional million CPU milliseconds)',
  },
  kvRead: { usd: 0.5 * M, unit: 'key read', source: 'https://developers.cloudflare.com/kv/platform/pricing/ ($0.50 per million reads)' },
  kvWrite: { usd: 5 * M, unit: 'key written', source: 'https://developers.cloudflare.com/kv/platform/pricing/ ($5.00 per million writes)' },
  kvDelete: {
    usd: 5 * M,
    unit: 'key deleted',
    source: 'https://developers.cloudflare.com/kv/platform/pricing/ ($5.00 per million deletes)',
  },
  kvList: { usd: 5 * M, unit: 'list', source: 'https://developers.cloudflare.com/kv/platform/pricing/ ($5.00 per million lists)' },
  doRequest: {
    usd: 0.15 * M,
    unit: 'request',
    source:
      'https://developers.cloudflare.com/durable-objects/platform/pricing/ ($0.15 per million; every RPC method call and every alarm invocation is one)',
  },
  doRowRead: {
    usd: 0.001 * M,
    unit: 'row read',
    source: 'https://developers.cloudflare.com/durable-objects/platform/pricing/ (SQLite storage: $0.001 per million rows read)',
  },
  doRowWritten: {
    usd: 1 * M,
    unit: 'row written',
    source:
      'https://developers.cloudflare.com/durable-objects/platform/pricing/ (SQLite storage: $1.00 per million rows written; index entries count)',
  },
  queueOperation: {
    usd: 0.4 * M,
    unit: 'operation (64 KB written, read or deleted)',
    source: 'https://developers.cloudflare.com/queues/platform/pricing/ ($0.40 per million; a delivered message is 3: write, read, delete)',
  },
  bigQueryRow: {
    // $0.01 per 200 MB, each row counted as at least 1 KB: our rows are under 1 KB.
    usd: 0.01 / 200_000,
    unit: 'streamed row (1 KB minimum)',
    source: 'https://cloud.google.com/bigquery/pricing (streaming inserts, tabledata.insertAll: $0.01 per 200 MB, 1 KB minimum per row)',
  },
} satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;

/** Queue messages the analytics consumer takes per invocation (wrangler.toml max_batch_size): full batches at volume. */
export const ANALYTICS_BATCH = 100;
