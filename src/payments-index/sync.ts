import type { Logger } from '../observability/logger';
import { isFinal, type PaymentRecord } from '../payments/record';
import { toIndexEntry } from './entry';
import { monthOf, shard, type IndexNamespace } from './shards';

/**
 * How a payment's Durable Object keeps the payments index in step without losing an update:
 *  1. the commit writes `index-pending = <version>` in the same storage put as the record
 *     (atomic: no record without its marker);
 *  2. after the answer, an alarm is armed as a safety net, then the shard is upserted; the
 *     marker is cleared only if no newer version was committed meanwhile;
 *  3. the alarm finds a marker still there (the call failed, or the object was evicted) and
 *     retries with backoff, then re-arms the payment's own alarm (pay-link expiry).
 * Upserts are versioned, so a retry or an out-of-order write can never go backwards.
 */
export const INDEX_PENDING_KEY = 'index-pending';
const RETRY_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
const ATTEMPTS_KEY = 'index-attempts';

export function indexPendingMarker(r: PaymentRecord): Record<string, number> {
  return { [INDEX_PENDING_KEY]: r.transitions.length };
}

export interface IndexSyncDeps {
  storage: DurableObjectStorage;
  ns: IndexNamespace;
  log: Logger;
  nowMs: () => number;
}

/** Step 2, run in waitUntil after each commit. Never throws. */
export async function syncIndexAfterCommit(d: IndexSyncDeps, r: PaymentRecord): Promise<void> {
  try {
    await armNoLaterThan(d.storage, d.nowMs() + RETRY_MS[0]!);
    await upsert(d, r);
  } catch (err) {
    d.log.warn('payments index update failed; the alarm retries it', { err, paymentId: r.id });
  }
}

/** Step 3, called from the payment object's alarm with its current record. */
export async function retryIndexOnAlarm(d: IndexSyncDeps, r: PaymentRecord | null): Promise<void> {
  if (!r) return;
  const pending = await d.storage.get<number>(INDEX_PENDING_KEY);
  if (pending !== undefined) {
    try {
      await upsert(d, r);
    } catch (err) {
      const attempts = ((await d.storage.get<number>(ATTEMPTS_KEY)) ?? 0) + 1;
      await d.storage.put(ATTEMPTS_KEY, attempts);
      d.log.error('payments index retry failed', { err, paymentId: r.id, attempts });
      await armNoLaterThan(d.storage, d.nowMs() + RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)]!);
    }
  }
  // Our alarm may have replaced the payment's own (expiry, or the interrupted-init check): restore it.
  if (!isFinal(r.status)) await armNoLaterThan(d.storage, r.status === 'created' ? d.nowMs() + 60_000 : Date.parse(r.expiresAt));
}

async function upsert(d: IndexSyncDeps, r: PaymentRecord): Promise<void> {
  await shard(d.ns, r.shopId, r.mode, monthOf(r.createdAt)).upsert(toIndexEntry(r));
  if ((await d.storage.get<number>(INDEX_PENDING_KEY)) === r.transitions.length) await d.storage.delete([INDEX_PENDING_KEY, ATTEMPTS_KEY]);
}

async function armNoLaterThan(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
