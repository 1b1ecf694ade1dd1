import { systemClock } from '../../platform/lib/clock';
import { type QueryDeps, type QueryParameter, type QueryRow, type QueryTarget, runQuery } from './bigquery-query';
import { SCOPE_SQL, toNamedParameters, withDataset } from './scope-sql';

/**
 * The Stats page's own figures and chart data (Metabase or not), for one shop, one mode and the last
 * 7, 30 or 90 days (UTC, today included): paid volume and conversion per day and currency, outcomes,
 * failure reasons, postback delivery. Same scope as the Metabase cards (SCOPE_SQL, BigQuery query
 * parameters), so the numbers agree with the dashboard for the same days; cached per shop, mode and
 * range. Amounts stay exact decimal strings and are never added across currencies; counts may be.
 */
export type StatsRange = '7d' | '30d' | '90d';
export const STATS_RANGES: Record<StatsRange, number> = { '7d': 7, '30d': 30, '90d': 90 };
const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_CACHED = 1_000;

interface DayFigures {
  day: string; // YYYY-MM-DD, UTC
  payments: number;
  paid: number;
}
export interface CurrencyFigures {
  currency: string;
  payments: number;
  paid: number;
  /** Exact decimal sum of the paid payments. */
  amountPaid: string;
  /** Every day of the range, oldest first; days without payments are zeros. */
  days: Array<DayFigures & { amountPaid: string }>;
}
export interface StatsFigures {
  shopId: string;
  mode: 'test' | 'live';
  range: StatsRange;
  from: string;
  to: string;
  computedAt: string;
  payments: number;
  paid: number;
  conversion: number | null;
  currencies: CurrencyFigures[];
  outcomes: Array<{ status: string; payments: number }>;
  reasons: Array<{ status: string; reason: string; payments: number }>;
  postbacks: { postbacks: number; delivered: number; pending: number; deadLettered: number; attempts: number };
}

const DAILY_SQL = `SELECT DATE(created_at) AS day, currency, COUNT(*) AS payments, COUNTIF(status = 'paid') AS paid,
  IFNULL(SUM(IF(status = 'paid', amount, NULL)), 0) AS amount_paid
FROM payments GROUP BY day, currency ORDER BY day, currency`;

const OUTCOMES_SQL = `SELECT status, COUNT(*) AS payments FROM payments GROUP BY status ORDER BY payments DESC, status`;

// The reason a payment did not get paid: Bansky's code for an init failure, else the status change's reason.
const REASONS_SQL = `, reasons AS (
  SELECT payment_id, COALESCE(JSON_VALUE(attributes, '$.code'), JSON_VALUE(attributes, '$.reason'), 'unknown') AS reason,
    ROW_NUMBER() OVER (PARTITION BY payment_id ORDER BY occurred_at, event_id) AS n
  FROM scoped WHERE event_type IN ('status_changed', 'bansky_init_failed') AND status IN ('failed', 'expired', 'init_failed')
)
SELECT p.status, r.reason, COUNT(*) AS payments
FROM payments AS p JOIN reasons AS r ON r.payment_id = p.payment_id AND r.n = 1
WHERE p.status IN ('failed', 'expired', 'init_failed')
GROUP BY p.status, r.reason ORDER BY payments DESC, p.status, r.reason`;

const POSTBACK_SQL = `, deliveries AS (
  SELECT payment_id,
    COUNTIF(event_type = 'shop_postback_attempt') AS attempts,
    COUNTIF(event_type = 'shop_postback_attempt' AND http_status BETWEEN 200 AND 299) > 0 AS delivered,
    COUNTIF(event_type = 'postback_dead_lettered') > 0 AS dead_lettered
  FROM scoped WHERE event_type IN ('shop_postback_attempt', 'postback_dead_lettered') GROUP BY payment_id
)
SELECT COUNT(*) AS postbacks, COUNTIF(d.delivered) AS delivered, COUNTIF(NOT d.delivered AND NOT d.dead_lettered) AS pending,
  COUNTIF(d.dead_lettered) AS dead_lettered, IFNULL(SUM(d.attempts), 0) AS attempts
FROM deliveries AS d JOIN payments AS p ON p.payment_id = d.payment_id`;

const GIVEN = new Set(['shop_id', 'mode', 'from', 'to']);

export interface StatsDeps extends QueryDeps {
  target: QueryTarget;
  now?: () => Date;
  ttlMs?: number;
}

export class StatsFiguresService {
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<StatsFigures> }>();
  private readonly sql: { daily: string; outcomes: string; reasons: string; postbacks: string };

  constructor(private readonly deps: StatsDeps) {
    const scope = toNamedParameters(withDataset(SCOPE_SQL, `${deps.target.project}.${deps.target.dataset}`), GIVEN);
    this.sql = { daily: scope + DAILY_SQL, outcomes: scope + OUTCOMES_SQL, reasons: scope + REASONS_SQL, postbacks: scope + POSTBACK_SQL };
  }

  /** Cached for ttlMs per shop, mode and range; a failed lookup is not cached. */
  async get(shopId: string, mode: 'test' | 'live', range: StatsRange): Promise<StatsFigures> {
    if (!shopId.trim()) throw new Error('shop id required');
    const now = (this.deps.now ?? systemClock.now)();
    const key = `${shopId}\u0000${mode}\u0000${range}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now.getTime()) return hit.value;
    const value = this.compute(shopId, mode, range, now);
    this.cache.set(key, { expiresAt: now.getTime() + (this.deps.ttlMs ?? DEFAULT_TTL_MS), value });
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    value.catch(() => this.cache.get(key)?.value === value && this.cache.delete(key));
    return value;
  }

  private async compute(shopId: string, mode: 'test' | 'live', range: StatsRange, now: Date): Promise<StatsFigures> {
    const days = rangeDays(now, STATS_RANGES[range]);
    const from = days[0]!;
    const to = days.at(-1)!;
    const params: QueryParameter[] = [
      { name: 'shop_id', type: 'STRING', value: shopId },
      { name: 'mode', type: 'STRING', value: mode },
      { name: 'from', type: 'DATE', value: from },
      { name: 'to', type: 'DATE', value: to },
    ];
    const [daily, outcomes, reasons, postbacks] = await Promise.all([
      runQuery(this.deps, this.sql.daily, params),
      runQuery(this.deps, this.sql.outcomes, params),
      runQuery(this.deps, this.sql.reasons, params),
      runQuery(this.deps, this.sql.postbacks, params),
    ]);
    const pb = postbacks[0];
    const currencies = perCurrency(daily, days);
    const payments = sum(currencies.map((c) => c.payments));
    const paid = sum(currencies.map((c) => c.paid));
    return {
      shopId,
      mode,
      range,
      from,
      to,
      computedAt: now.toISOString(),
      payments,
      paid,
      conversion: payments ? paid / payments : null,
      currencies,
      outcomes: outcomes.map((r) => ({ status: r.status ?? 'unknown', payments: int(r.payments) })),
      reasons: reasons.map((r) => ({ status: r.status ?? 'unknown', reason: r.reason ?? 'unknown', payments: int(r.payments) })),
      postbacks: {
        postbacks: int(pb?.postbacks),
        delivered: int(pb?.delivered),
        pending: int(pb?.pending),
        deadLettered: int(pb?.dead_lettered),
        attempts: int(pb?.attempts),
      },
    };
  }
}

/** The last `n` UTC days up to today, oldest first. */
export function rangeDays(now: Date, n: number): string[] {
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

function perCurrency(rows: QueryRow[], days: string[]): CurrencyFigures[] {
  const by = new Map<string, Map<string, QueryRow>>();
  for (const r of rows) {
    const currency = r.currency ?? '';
    if (!by.has(currency)) by.set(currency, new Map());
    by.get(currency)!.set(r.day ?? '', r);
  }
  return [...by]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, byDay]) => {
      const series = days.map((day) => {
        const r = byDay.get(day);
        return { day, payments: int(r?.payments), paid: int(r?.paid), amountPaid: r?.amount_paid ?? '0' };
      });
      return {
        currency,
        payments: sum(series.map((d) => d.payments)),
        paid: sum(series.map((d) => d.paid)),
        amountPaid: addDecimals(series.map((d) => d.amountPaid)),
        days: series,
      };
    });
}

/** Exact sum of decimal strings (one currency's amounts): scaled to integers, never through a float. */
export function addDecimals(values: string[]): string {
  const scale = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  const total = values.reduce((acc, v) => {
    const [whole = '0', fraction = ''] = v.split('.');
    return acc + BigInt(whole + fraction.padEnd(scale, '0'));
  }, 0n);
  if (scale === 0) return total.toString();
  const text = total.toString().padStart(scale + 1, '0');
  return `${text.slice(0, -scale)}.${text.slice(-scale)}`;
}

const int = (v: string | null | undefined) => (v ? Number(v) : 0);
const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
