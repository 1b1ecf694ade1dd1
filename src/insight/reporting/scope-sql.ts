/**
 * The head shared by every Metabase card and the Worker's Stats figures: one shop, one mode, the
 * chosen days — written once, in Metabase's native-query syntax (`{{tag}}` variables, `[[ … ]]`
 * optional clauses), and turned into BigQuery named parameters for the Worker by `toNamedParameters`.
 *
 * Why it reads `events_clean` and not `payment_state`: the aggregate views group a payment's events
 * over all history, so a filter on their `day` cannot reach the table's partitions and every query
 * would scan everything. Here the range is a constant bound on `occurred_at` (the partition column,
 * exposed by `events_clean`), so BigQuery reads only the days asked for; payments are rebuilt from
 * those events: created in the range, status as of the range's end. Without a date chosen: 30 days.
 *
 * Currency and status are written `IN ({{x}})`: a dashboard's text filter may carry several values,
 * and Metabase writes a list as its values joined by ", " (`?, ?`; metabase/metabase
 * src/metabase/driver/sql/parameters/substitution.clj), which only an IN list accepts. The Worker's
 * path turns `IN ({{x}})` into `IN (@x)`, valid with one value.
 */
export const SCOPE_SQL = `WITH scoped AS (
  SELECT event_id, event_type, occurred_at, payment_id, amount, currency, status, http_status, latency_ms, attributes
  FROM \`{{dataset}}.events_clean\`
  WHERE shop_id = {{shop_id}}
    AND mode = {{mode}}
    AND occurred_at >= TIMESTAMP(COALESCE([[CAST({{from}} AS DATE),]] DATE_SUB(CURRENT_DATE(), INTERVAL 29 DAY)))
    AND occurred_at < TIMESTAMP(DATE_ADD(COALESCE([[CAST({{to}} AS DATE),]] CURRENT_DATE()), INTERVAL 1 DAY))
),
facts AS (
  SELECT
    payment_id,
    MAX(currency) AS currency,
    MAX(amount) AS amount,
    MIN(IF(event_type = 'payment_created', occurred_at, NULL)) AS created_at,
    MIN(IF(status = 'paid', occurred_at, NULL)) AS paid_at,
    MIN(IF(status IN ('paid', 'failed', 'expired', 'init_failed'), occurred_at, NULL)) AS final_at
  FROM scoped
  WHERE payment_id IS NOT NULL
  GROUP BY payment_id
),
latest AS (
  SELECT payment_id, status
  FROM (
    SELECT payment_id, status, ROW_NUMBER() OVER (
      PARTITION BY payment_id
      ORDER BY occurred_at DESC, CASE status WHEN 'created' THEN 0 WHEN 'awaiting_payment' THEN 1 ELSE 2 END DESC, event_id DESC
    ) AS recency
    FROM scoped
    WHERE payment_id IS NOT NULL AND status IS NOT NULL
  )
  WHERE recency = 1
),
payments AS (
  SELECT f.payment_id, f.currency, f.amount, f.created_at, f.paid_at, f.final_at, l.status
  FROM facts AS f
  JOIN latest AS l ON l.payment_id = f.payment_id
  WHERE f.created_at IS NOT NULL
    [[AND f.currency IN ({{currency}})]]
    [[AND l.status IN ({{status}})]]
)
`;

/** The template tags a card's SQL uses, in order of first appearance. */
export function templateTagNames(sql: string): string[] {
  return [...new Set([...sql.matchAll(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi)].map((m) => m[1]!))];
}

const IDENTIFIER = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/;

/** `{{dataset}}` is ours, not a Metabase variable: the fully qualified dataset, from config only. */
export function withDataset(sql: string, qualifiedDataset: string): string {
  if (!IDENTIFIER.test(qualifiedDataset)) throw new Error(`not a dataset name: ${qualifiedDataset}`);
  return sql.replaceAll('{{dataset}}', qualifiedDataset);
}

/**
 * Metabase syntax → BigQuery named parameters: `{{x}}` → `@x`; an optional clause is kept when all
 * its variables are given, dropped otherwise (what Metabase does). Values never enter the SQL text.
 */
export function toNamedParameters(sql: string, given: ReadonlySet<string>): string {
  const optional = sql.replace(/\[\[([\s\S]*?)\]\]/g, (_all, clause: string) =>
    templateTagNames(clause).every((t) => given.has(t)) ? clause : '',
  );
  return optional.replace(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi, (_all, name: string) => {
    if (!given.has(name)) throw new Error(`required parameter ${name} not given`);
    return `@${name}`;
  });
}
