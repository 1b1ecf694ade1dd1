-- Why payments did not get paid: Bansky's error code for init failures, the status change's reason
-- for failed and expired ones (the event that made the payment final).
, reasons AS (
  SELECT
    payment_id,
    COALESCE(JSON_VALUE(attributes, '$.code'), JSON_VALUE(attributes, '$.reason'), 'unknown') AS reason,
    ROW_NUMBER() OVER (PARTITION BY payment_id ORDER BY occurred_at, event_id) AS n
  FROM scoped
  WHERE event_type IN ('status_changed', 'bansky_init_failed') AND status IN ('failed', 'expired', 'init_failed')
)
SELECT p.status, r.reason, COUNT(*) AS payments
FROM payments AS p
JOIN reasons AS r ON r.payment_id = p.payment_id AND r.n = 1
WHERE p.status IN ('failed', 'expired', 'init_failed')
GROUP BY p.status, r.reason
ORDER BY payments DESC, p.status, r.reason
