-- From creation to "paid": median and 95th percentile, in seconds.
SELECT
  COUNT(*) AS paid_payments,
  APPROX_QUANTILES(TIMESTAMP_DIFF(paid_at, created_at, MILLISECOND), 100)[SAFE_OFFSET(50)] / 1000 AS median_seconds,
  APPROX_QUANTILES(TIMESTAMP_DIFF(paid_at, created_at, MILLISECOND), 100)[SAFE_OFFSET(95)] / 1000 AS p95_seconds
FROM payments
WHERE status = 'paid' AND paid_at IS NOT NULL
