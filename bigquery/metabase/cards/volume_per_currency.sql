-- Payments and amounts per day and currency (UTC day the payment was created). One row per
-- currency: amounts in different currencies are never added together.
SELECT
  DATE(created_at) AS day,
  currency,
  COUNT(*) AS payments,
  COUNTIF(status = 'paid') AS paid_payments,
  SUM(amount) AS amount_requested,
  IFNULL(SUM(IF(status = 'paid', amount, NULL)), 0) AS amount_paid
FROM payments
GROUP BY day, currency
ORDER BY day, currency
