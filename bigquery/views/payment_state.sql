-- Current state of each payment: the latest status-bearing event wins (ties broken by lifecycle
-- order, so a final status beats "awaiting_payment" logged in the same millisecond). A payment's
-- facts (shop, amount, currency, …) never change, so MAX() just picks the non-null value.
WITH facts AS (
  SELECT
    payment_id,
    MAX(shop_id) AS shop_id,
    MAX(mode) AS mode,
    MAX(shop_transaction_id) AS shop_transaction_id,
    MAX(amount) AS amount,
    MAX(currency) AS currency,
    MAX(type) AS type,
    -- JSON cannot be compared, so MAX picks from its text (every row of a payment carries the same);
    -- TO_JSON_STRING(NULL) is the text 'null', kept out so a payment without metadata has NULL.
    MAX(IF(metadata IS NULL, NULL, TO_JSON_STRING(metadata))) AS metadata,
    MIN(occurred_at) AS created_at,
    MIN(IF(status IN ('paid', 'failed', 'expired', 'init_failed'), occurred_at, NULL)) AS final_at
  FROM `{{dataset}}.events_clean`
  WHERE payment_id IS NOT NULL
  GROUP BY payment_id
),
latest AS (
  SELECT payment_id, status, occurred_at AS status_at
  FROM (
    SELECT
      payment_id, status, occurred_at,
      ROW_NUMBER() OVER (
        PARTITION BY payment_id
        ORDER BY occurred_at DESC,
          CASE status WHEN 'created' THEN 0 WHEN 'awaiting_payment' THEN 1 ELSE 2 END DESC,
          event_id DESC
      ) AS recency
    FROM `{{dataset}}.events_clean`
    WHERE payment_id IS NOT NULL AND status IS NOT NULL
  )
  WHERE recency = 1
)
SELECT
  f.payment_id, f.shop_id, f.mode, f.shop_transaction_id, f.amount, f.currency, f.type,
  l.status, f.created_at, l.status_at, f.final_at, f.metadata
FROM facts AS f
LEFT JOIN latest AS l ON l.payment_id = f.payment_id
