-- Postbacks to shops per shop and day (the day the payment became final): attempts, deliveries
-- (a 2xx answer), dead letters, and the delay from the final status to the first 2xx.
WITH per_payment AS (
  SELECT
    payment_id,
    MAX(shop_id) AS shop_id,
    MAX(mode) AS mode,
    COUNTIF(event_type = 'shop_postback_attempt') AS attempts,
    COUNTIF(event_type = 'shop_postback_attempt' AND http_status BETWEEN 200 AND 299) AS successful_attempts,
    MIN(IF(event_type = 'shop_postback_attempt', occurred_at, NULL)) AS first_attempt_at,
    MIN(IF(event_type = 'shop_postback_attempt' AND http_status BETWEEN 200 AND 299, occurred_at, NULL)) AS delivered_at,
    COUNTIF(event_type = 'postback_dead_lettered') > 0 AS dead_lettered
  FROM `{{dataset}}.events_clean`
  WHERE event_type IN ('shop_postback_attempt', 'postback_dead_lettered') AND payment_id IS NOT NULL
  GROUP BY payment_id
)
SELECT
  DATE(COALESCE(s.final_at, p.first_attempt_at)) AS day,
  p.shop_id,
  p.mode,
  COUNT(*) AS postbacks,
  COUNTIF(p.delivered_at IS NOT NULL) AS delivered,
  COUNTIF(p.dead_lettered) AS dead_lettered,
  SUM(p.attempts) AS attempts,
  SAFE_DIVIDE(SUM(p.successful_attempts), SUM(p.attempts)) AS attempt_success_rate,
  AVG(TIMESTAMP_DIFF(p.delivered_at, s.final_at, MILLISECOND)) AS avg_delivery_delay_ms,
  MAX(TIMESTAMP_DIFF(p.delivered_at, s.final_at, MILLISECOND)) AS max_delivery_delay_ms
FROM per_payment AS p
LEFT JOIN `{{dataset}}.payment_state` AS s ON s.payment_id = p.payment_id
GROUP BY day, shop_id, mode
