-- How the range's payments ended (or where they stand): count and share per status, so failed,
-- expired and init_failed rates read directly.
SELECT
  status,
  COUNT(*) AS payments,
  SAFE_DIVIDE(COUNT(*), SUM(COUNT(*)) OVER ()) AS share
FROM payments
GROUP BY status
ORDER BY payments DESC, status
