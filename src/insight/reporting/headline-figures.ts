import { systemClock } from '../../platform/lib/clock';
import { type QueryDeps, type QueryParameter, type QueryRow, type QueryTarget, runQuery } from './bigquery-query';
import { SCOPE_SQL, toNamedParameters, withDataset } from './scope-sql';

/**
 * The Stats page's built-in figures (Metabase or not): today, 7 and 30 days for one shop and mode —
 * payments, paid volume per currency, conversion, postback health. Same scope as the Metabase cards
 * (SCOPE_SQL), so the numbers agree with the dashboard for the same days; cached per shop and mode.
 */
export type FigureWindow = 'today' | '7d' | '30d';
const WINDOW_DAYS: Record<FigureWindow, number> = { today: 1, '7d': 7, '30d': 30 };
export const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_CACHED = 1_000;

export interface WindowFigures {
  window: FigureWindow;
  from: string; // UTC dates, inclusive
  to: string;
  payments: number;
  paid: number;
  conversion: number | null;
  /** One entry per currency: amounts are never added across currencies. Exact decimal strings. */
  paidVolume: Array<{ currency: string; payments: number; paid: number; amountPaid: string }>;
  postbacks: { postbacks: number; delivered: number; pending: number; deadLettered: number; attempts: number };
}

export interface HeadlineFigures {
  shopId: string;
  mode: 'test' | 'live';
  computedAt: string;
  windows: WindowFigures[];
}

const VOLUME_SQL = `SELECT currency, COUNT(*) AS payments, COUNTIF(status = 'paid') AS paid,
  IFNULL(SUM(IF(status = 'paid', amount, NULL)), 0) AS amount_paid
FROM payments GROUP BY currency ORDER BY currency`;

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

export interface HeadlineDeps extends QueryDeps {
  target: QueryTarget;
  now?: () => Date;
  ttlMs?: number;
}

export class HeadlineFiguresService {
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<HeadlineFigures> }>();
  private readonly volumeSql: string;
  private readonly postbackSql: string;

  constructor(private readonly deps: HeadlineDeps) {
    const dataset = `${deps.target.project}.${deps.target.dataset}`;
    const scope = toNamedParameters(withDataset(SCOPE_SQL, dataset), GIVEN);
    this.volumeSql = scope + VOLUME_SQL;
    this.postbackSql = scope + POSTBACK_SQL;
  }

  /** Cached for ttlMs per shop and mode; a failed lookup is not cached. */
  async get(shopId: string, mode: 'test' | 'live'): Promise<HeadlineFigures> {
    if (!shopId.trim()) throw new Error('shop id required');
    const now = (this.deps.now ?? systemClock.now)();
    const key = `${shopId}\u0000${mode}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now.getTime()) return hit.value;
    const value = this.compute(shopId, mode, now);
    this.cache.set(key, { expiresAt: now.getTime() + (this.deps.ttlMs ?? DEFAULT_TTL_MS), value });
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    value.catch(() => this.cache.get(key)?.value === value && this.cache.delete(key));
    return value;
  }

  /** The figures for one window, also what tests compare with the cards. */
  async window(shopId: string, mode: 'test' | 'live', window: FigureWindow, now: Date): Promise<WindowFigures> {
    const to = now.toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - (WINDOW_DAYS[window] - 1) * 86_400_000).toISOString().slice(0, 10);
    const params: QueryParameter[] = [
      { name: 'shop_id', type: 'STRING', value: shopId },
      { name: 'mode', type: 'STRING', value: mode },
      { name: 'from', type: 'DATE', value: from },
      { name: 'to', type: 'DATE', value: to },
    ];
    const [volume, [postbacks]] = await Promise.all([
      runQuery(this.deps, this.volumeSql, params),
      runQuery(this.deps, this.postbackSql, params),
    ]);
    const payments = sum(volume, 'payments');
    const paid = sum(volume, 'paid');
    return {
      window,
      from,
      to,
      payments,
      paid,
      conversion: payments ? paid / payments : null,
      paidVolume: volume.map((r) => ({
        currency: r.currency ?? '',
        payments: int(r.payments),
        paid: int(r.paid),
        amountPaid: r.amount_paid ?? '0',
      })),
      postbacks: {
        postbacks: int(postbacks?.postbacks),
        delivered: int(postbacks?.delivered),
        pending: int(postbacks?.pending),
        deadLettered: int(postbacks?.dead_lettered),
        attempts: int(postbacks?.attempts),
      },
    };
  }

  private async compute(shopId: string, mode: 'test' | 'live', now: Date): Promise<HeadlineFigures> {
    const windows = await Promise.all((Object.keys(WINDOW_DAYS) as FigureWindow[]).map((w) => this.window(shopId, mode, w, now)));
    return { shopId, mode, computedAt: now.toISOString(), windows };
  }
}

const int = (v: string | null | undefined) => (v ? Number(v) : 0);
const sum = (rows: QueryRow[], col: string) => rows.reduce((n, r) => n + int(r[col]), 0);
