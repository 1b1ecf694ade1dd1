import type { Logger } from '../../platform/observability/logger';
import type { AnalyticsEvent } from './events';

/**
 * The emitter's safety net: when the analytics queue refuses a send (even after retries), the
 * events are parked in KV under `analytics-pending:<event id>` and re-queued by the next consumer
 * run. Re-queueing twice is harmless: the views de-duplicate on event_id.
 */
export const PENDING_PREFIX = 'analytics-pending:';
const KEEP_SECONDS = 7 * 86_400;
const REPLAY_PER_RUN = 100; // one sendBatch's worth

export async function parkEvents(kv: KVNamespace, events: AnalyticsEvent[]): Promise<void> {
  await Promise.all(events.map((e) => kv.put(PENDING_PREFIX + e.event_id, JSON.stringify(e), { expirationTtl: KEEP_SECONDS })));
}

export async function replayPendingEvents(kv: KVNamespace, queue: Queue, log: Logger): Promise<number> {
  try {
    const listed = await kv.list({ prefix: PENDING_PREFIX, limit: REPLAY_PER_RUN });
    if (listed.keys.length === 0) return 0;
    const events = (await Promise.all(listed.keys.map((k) => kv.get<AnalyticsEvent>(k.name, 'json')))).filter(
      (e): e is AnalyticsEvent => e !== null,
    );
    if (events.length > 0) await queue.sendBatch(events.map((body) => ({ body, contentType: 'json' as const })));
    await Promise.all(listed.keys.map((k) => kv.delete(k.name)));
    log.info('analytics: re-queued parked events', { count: events.length });
    return events.length;
  } catch (err) {
    log.warn('analytics: replaying parked events failed; next run tries again', { err: String(err) });
    return 0;
  }
}
