-- One row per event_id, without the email. Streaming insertId de-duplication is best-effort (and
-- the local emulator does none), and the consumer may send a batch again after a timeout, so every
-- other view reads this one. Columns are listed, not SELECT *, so a PII column added to the raw
-- table later never reaches a dashboard by accident. Copies of an event are the same row, so
-- occurred_at joins the window's key: a filter on it then still prunes day partitions.
SELECT
  event_id, event_type, occurred_at, shop_id, mode, payment_id, shop_transaction_id,
  amount, currency, type, status, http_status, latency_ms, request_id, attributes, metadata
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY event_id, occurred_at) AS copy_number
  FROM `{{dataset}}.payment_events`
)
WHERE copy_number = 1
