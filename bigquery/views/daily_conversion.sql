-- Conversion per shop and day: of the payments created that day, how many ended paid.
-- Payments still open count in the denominator, so today's rate rises as customers finish.
SELECT
  DATE(created_at) AS day,
  shop_id,
  mode,
  COUNT(*) AS created,
  COUNTIF(status = 'paid') AS paid,
  COUNTIF(status = 'failed') AS failed,
  COUNTIF(status = 'expired') AS expired,
  COUNTIF(status = 'init_failed') AS init_failed,
  COUNTIF(status IN ('created', 'awaiting_payment')) AS open,
  SAFE_DIVIDE(COUNTIF(status = 'paid'), COUNT(*)) AS conversion_rate
FROM `{{dataset}}.payment_state`
GROUP BY day, shop_id, mode
