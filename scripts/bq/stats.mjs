// Per-shop figures for the last N days, read from the dashboard views (never the raw table).
import { describeTarget } from './target.mjs';

const since = (days) => `DATE_SUB(CURRENT_DATE(), INTERVAL ${days - 1} DAY)`;

/** Queries the views; returns one entry per shop and mode, each with per-currency volume. */
export async function shopStats(bigquery, target, { days = 7, shopId } = {}) {
  if (!Number.isInteger(days) || days < 1 || days > 3660) throw new Error('--days must be a whole number from 1 to 3660');
  const view = (name) => `\`${target.project}.${target.dataset}.${name}\``;
  const where = `day >= ${since(days)}${shopId ? ' AND shop_id = @shopId' : ''}`;
  const params = shopId ? { shopId } : {};
  const run = async (sql) => (await bigquery.query({ query: sql, params }))[0];

  const [conversion, volume, bansky, postbacks] = await Promise.all([
    run(`SELECT shop_id, mode, SUM(created) AS created, SUM(paid) AS paid, SUM(failed) AS failed,
           SUM(expired) AS expired, SUM(init_failed) AS init_failed, SUM(open) AS open
         FROM ${view('daily_conversion')} WHERE ${where} GROUP BY shop_id, mode`),
    run(`SELECT shop_id, mode, currency, SUM(payments) AS payments, SUM(paid_payments) AS paid_payments,
           CAST(SUM(amount_paid) AS STRING) AS amount_paid
         FROM ${view('daily_volume')} WHERE ${where} GROUP BY shop_id, mode, currency`),
    run(`SELECT shop_id, mode, SUM(calls) AS calls, SUM(failed_calls) AS failed_calls,
           SAFE_DIVIDE(SUM(avg_latency_ms * calls), SUM(calls)) AS avg_latency_ms, MAX(max_latency_ms) AS max_latency_ms
         FROM ${view('bansky_health')} WHERE ${where} GROUP BY shop_id, mode`),
    run(`SELECT shop_id, mode, SUM(postbacks) AS postbacks, SUM(delivered) AS delivered,
           SUM(dead_lettered) AS dead_lettered, SUM(attempts) AS attempts,
           MAX(max_delivery_delay_ms) AS max_delivery_delay_ms
         FROM ${view('postback_delivery')} WHERE ${where} GROUP BY shop_id, mode`),
  ]);

  const shops = new Map();
  const entry = (row) => {
    const key = `${row.shop_id}|${row.mode}`;
    if (!shops.has(key)) {
      shops.set(key, {
        shopId: row.shop_id,
        mode: row.mode,
        payments: 0,
        paid: 0,
        failed: 0,
        expired: 0,
        initFailed: 0,
        open: 0,
        conversionRate: null,
        volume: [],
        bansky: null,
        postbacks: null,
      });
    }
    return shops.get(key);
  };
  for (const r of conversion) {
    Object.assign(entry(r), {
      payments: num(r.created),
      paid: num(r.paid),
      failed: num(r.failed),
      expired: num(r.expired),
      initFailed: num(r.init_failed),
      open: num(r.open),
      conversionRate: ratio(r.paid, r.created),
    });
  }
  for (const r of volume) {
    entry(r).volume.push({ currency: r.currency, payments: num(r.payments), paid: num(r.paid_payments), amountPaid: r.amount_paid });
  }
  for (const r of bansky) {
    entry(r).bansky = {
      calls: num(r.calls),
      failed: num(r.failed_calls),
      errorRate: ratio(r.failed_calls, r.calls),
      avgLatencyMs: r.avg_latency_ms === null ? null : Math.round(num(r.avg_latency_ms)),
      maxLatencyMs: orNull(r.max_latency_ms),
    };
  }
  for (const r of postbacks) {
    entry(r).postbacks = {
      postbacks: num(r.postbacks),
      delivered: num(r.delivered),
      deadLettered: num(r.dead_lettered),
      attempts: num(r.attempts),
      maxDelayMs: orNull(r.max_delivery_delay_ms),
    };
  }
  for (const s of shops.values()) s.volume.sort((a, b) => a.currency.localeCompare(b.currency));
  return [...shops.values()].sort((a, b) => `${a.shopId}|${a.mode}`.localeCompare(`${b.shopId}|${b.mode}`));
}

// The client returns INT64 as numbers or { value } wrappers, NULL as null.
const num = (v) => (v === null || v === undefined ? 0 : Number(typeof v === 'object' && 'value' in v ? v.value : v));
const orNull = (v) => (v === null || v === undefined ? null : num(v));
const ratio = (part, whole) => (num(whole) ? num(part) / num(whole) : null);
const pct = (r) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);

export function formatStats(stats, target, days) {
  const lines = [`Payments per shop, last ${days} day(s) (UTC), from ${describeTarget(target)}`];
  if (stats.length === 0) lines.push('  no payments in this period');
  for (const s of stats) {
    lines.push('', `shop ${s.shopId} (${s.mode})`);
    lines.push(
      `  payments ${s.payments}: paid ${s.paid}, failed ${s.failed}, expired ${s.expired}, init failed ${s.initFailed}, open ${s.open} — conversion ${pct(s.conversionRate)}`,
    );
    for (const v of s.volume) lines.push(`  ${v.currency}: ${v.payments} payment(s), ${v.paid} paid, amount paid ${v.amountPaid}`);
    if (s.bansky)
      lines.push(
        `  Bansky: ${s.bansky.calls} call(s), ${s.bansky.failed} failed (${pct(s.bansky.errorRate)}), avg ${s.bansky.avgLatencyMs ?? '—'} ms, max ${s.bansky.maxLatencyMs ?? '—'} ms`,
      );
    if (s.postbacks)
      lines.push(
        `  postbacks: ${s.postbacks.delivered}/${s.postbacks.postbacks} delivered in ${s.postbacks.attempts} attempt(s), ${s.postbacks.deadLettered} dead-lettered, max delay ${s.postbacks.maxDelayMs ?? '—'} ms`,
      );
  }
  return lines.join('\n');
}
