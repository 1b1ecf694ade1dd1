-- Conversion per day: of the payments created that day, how many were paid by the range's end.
SELECT
  DATE(created_at) AS day,
  COUNT(*) AS created,
  COUNTIF(status = 'paid') AS paid,
  SAFE_DIVIDE(COUNTIF(status = 'paid'), COUNT(*)) AS conversion_rate
FROM payments
GROUP BY day
ORDER BY day
