/**
 * A month's index shard filled in SQL, fast (10⁶ rows in about half a minute): the scale bench and
 * the broad-search tests need more payments than inits could make in a test's time.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { shard } from '../../src/core/payments-index/shards';
import { rawOf } from './costs.support';

/** Seeds `n` payments of today (UTC) into the shop's test-mode shard of this month, with their totals. */
export async function seed(shopId: string, n: number): Promise<void> {
  const now = new Date();
  const month = now.toISOString().slice(0, 7);
  const dayStart = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`) / 1000;
  const step = (now.getTime() / 1000 - 60 - dayStart) / n;
  await runInDurableObject(rawOf(shard(env.PAYMENTS_INDEX, shopId, 'test', month)), (o: PaymentsIndexObject) => {
    const { storage } = (o as unknown as { ctx: DurableObjectState }).ctx;
    const BATCH = 50_000;
    for (let from = 0; from < n; from += BATCH) {
      storage.transactionSync(() =>
        storage.sql.exec(
          `WITH RECURSIVE seq(n) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT n + 1 FROM seq WHERE n < ?),
           rows AS (
             SELECT n, printf('pay_S%021d', n) AS id,
               strftime('%Y-%m-%dT%H:%M:%fZ', ? + n * ?, 'unixepoch') AS ts,
               CASE n % 20 WHEN 0 THEN 'awaiting_payment' WHEN 1 THEN 'failed' WHEN 2 THEN 'failed'
                 WHEN 3 THEN 'expired' WHEN 4 THEN 'expired' ELSE 'paid' END AS st,
               CASE (n / 3) % 10 WHEN 0 THEN 'ETH' WHEN 1 THEN 'USD' WHEN 2 THEN 'USD' WHEN 3 THEN 'USD' ELSE 'EUR' END AS cur
             FROM seq)
           INSERT INTO payments (id, version, created_at, day, status, currency, amount, amount_minor, email_lc, tx_id, amount_key, entry)
           SELECT id, 2, ts, substr(ts, 1, 10), st, cur,
             CASE cur WHEN 'ETH' THEN '0.000001000000000000' ELSE printf('%d.%02d', 1 + n % 500, n % 100) END,
             CASE cur WHEN 'ETH' THEN '1000000000000' ELSE CAST((1 + n % 500) * 100 + n % 100 AS TEXT) END,
             'customer' || n || '@example.com', 'order-' || n,
             CASE cur WHEN 'ETH' THEN '000000000000.000001000000000000' ELSE printf('%012d.%02d0000000000000000', 1 + n % 500, n % 100) END,
             json_object('shopId', ?, 'version', 2, 'id', id, 'shopTransactionId', 'order-' || n, 'status', st,
               'mode', 'test', 'amount', CASE cur WHEN 'ETH' THEN '0.000001000000000000' ELSE printf('%d.%02d', 1 + n % 500, n % 100) END,
               'currency', cur, 'type', CASE cur WHEN 'ETH' THEN 'crypto' ELSE 'fiat' END,
               'email', 'customer' || n || '@example.com', 'createdAt', ts, 'updatedAt', ts, 'metadata', json('{}'))
           FROM rows`,
          from,
          Math.min(from + BATCH, n) - 1,
          dayStart,
          step,
          shopId,
        ),
      );
    }
    storage.sql.exec(
      `INSERT OR REPLACE INTO totals (day, status, currency, count, minor)
       SELECT day, status, currency, count(*), CAST(sum(CAST(amount_minor AS INTEGER)) AS TEXT) FROM payments GROUP BY day, status, currency`,
    );
  });
}
