-- Payments and amounts per shop, mode and currency, by the day the payment was created (UTC).
-- Amounts stay exact (BIGNUMERIC); test and live money are never summed together.
SELECT
  DATE(created_at) AS day,
  shop_id,
  mode,
  currency,
  COUNT(*) AS payments,
  COUNTIF(status = 'paid') AS paid_payments,
  SUM(amount) AS amount_requested,
  IFNULL(SUM(IF(status = 'paid', amount, NULL)), 0) AS amount_paid
FROM `{{dataset}}.payment_state`
GROUP BY day, shop_id, mode, currency
