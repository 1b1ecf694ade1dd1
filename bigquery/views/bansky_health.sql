-- Bansky init calls per shop and day: how many failed (refused, 5xx, timeout) and how long they took.
SELECT
  DATE(occurred_at) AS day,
  shop_id,
  mode,
  COUNT(*) AS calls,
  COUNTIF(event_type = 'bansky_init_failed') AS failed_calls,
  SAFE_DIVIDE(COUNTIF(event_type = 'bansky_init_failed'), COUNT(*)) AS error_rate,
  AVG(latency_ms) AS avg_latency_ms,
  APPROX_QUANTILES(latency_ms, 100)[OFFSET(50)] AS p50_latency_ms,
  APPROX_QUANTILES(latency_ms, 100)[OFFSET(95)] AS p95_latency_ms,
  MAX(latency_ms) AS max_latency_ms
FROM `{{dataset}}.events_clean`
WHERE event_type IN ('bansky_init_ok', 'bansky_init_failed')
GROUP BY day, shop_id, mode
