import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PaymentsIndexObject } from '../../src/core/payments-index/index-object';
import { shard } from '../../src/core/payments-index/shards';
import { rawOf } from './costs.support';

const ROWS = 1_201; // more than two fill batches, and not a multiple of one

describe('a shard written before the search columns existed', () => {
  it('gets them filled for every row, in batches, on its next start', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const stub = rawOf(shard(env.PAYMENTS_INDEX, 'shop_fill_batches', 'test', month));
    await runInDurableObject(stub, (o: PaymentsIndexObject) => {
      const { storage } = (o as unknown as { ctx: DurableObjectState }).ctx;
      for (let n = 0; n < ROWS; n++) {
        const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
        o.upsert({
          shopId: 'shop_fill_batches',
          version: 1,
          id: `pay_F${String(n).padStart(21, '0')}`,
          shopTransactionId: `order-${n}`,
          status: 'paid',
          mode: 'test',
          amount: `${n}.50`,
          currency: 'EUR',
          type: 'fiat',
          email: `Buyer${n}@Example.com`,
          createdAt: at,
          updatedAt: at,
          metadata: {},
        });
      }
      // Back to the first release's table: no search columns, no indexes on them.
      storage.sql.exec(`
        DROP INDEX payments_email; DROP INDEX payments_tx; DROP INDEX payments_amount;
        ALTER TABLE payments DROP COLUMN email_lc; ALTER TABLE payments DROP COLUMN tx_id; ALTER TABLE payments DROP COLUMN amount_key;
      `);
      (o as unknown as { addSearchColumns(): void }).addSearchColumns();
      const empty = storage.sql
        .exec('SELECT count(*) AS c FROM payments WHERE email_lc IS NULL OR tx_id IS NULL OR amount_key IS NULL')
        .one();
      expect(Number(empty.c)).toBe(0);
      const last = `pay_F${String(ROWS - 1).padStart(21, '0')}`;
      expect(o.query({ email: `buyer${ROWS - 1}@example.com`, limit: 5 }).map((e) => e.id)).toEqual([last]);
      expect(o.query({ transactionIdPrefix: `order-${ROWS - 1}`, limit: 5 }).map((e) => e.id)).toEqual([last]);
    });
  });
});
