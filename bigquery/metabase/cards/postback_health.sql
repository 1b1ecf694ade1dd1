-- Postbacks to the shop for the range's payments: delivered (a 2xx), pending (still retrying),
-- dead-lettered; attempts; delay from the final status to the first 2xx.
, deliveries AS (
  SELECT
    payment_id,
    COUNTIF(event_type = 'shop_postback_attempt') AS attempts,
    MIN(IF(event_type = 'shop_postback_attempt' AND http_status BETWEEN 200 AND 299, occurred_at, NULL)) AS delivered_at,
    COUNTIF(event_type = 'postback_dead_lettered') > 0 AS dead_lettered
  FROM scoped
  WHERE event_type IN ('shop_postback_attempt', 'postback_dead_lettered')
  GROUP BY payment_id
)
SELECT
  COUNT(*) AS postbacks,
  COUNTIF(d.delivered_at IS NOT NULL) AS delivered,
  COUNTIF(d.delivered_at IS NULL AND NOT d.dead_lettered) AS pending,
  COUNTIF(d.dead_lettered) AS dead_lettered,
  IFNULL(SUM(d.attempts), 0) AS attempts,
  APPROX_QUANTILES(TIMESTAMP_DIFF(d.delivered_at, p.final_at, MILLISECOND), 100)[SAFE_OFFSET(50)] AS median_delivery_ms,
  APPROX_QUANTILES(TIMESTAMP_DIFF(d.delivered_at, p.final_at, MILLISECOND), 100)[SAFE_OFFSET(95)] AS p95_delivery_ms
FROM deliveries AS d
JOIN payments AS p ON p.payment_id = d.payment_id
