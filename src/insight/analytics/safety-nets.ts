import type { Logger } from '../../platform/observability/logger';
import { type DeadLetter, recordDeadLetter } from './dead-letters';
import type { AnalyticsEvent } from './events';
import { replayPendingEvents } from './pending';

/**
 * What the analytics consumer keeps besides BigQuery, over the bindings it needs (built once in
 * the composition root, so the consumer never holds a binding): events the emitter parked in KV
 * when the queue refused them, the dead-letter queue for rows BigQuery refuses for good, and the
 * dead letters kept in KV for an operator to replay.
 */
export class AnalyticsSafetyNets {
  constructor(
    private readonly kv: KVNamespace,
    private readonly queue: Queue<AnalyticsEvent | AnalyticsEvent[]>,
    private readonly deadLetterQueue: Queue<DeadLetter>,
  ) {}

  /** Re-queues what the emitter parked (pending.ts); never throws, the next run tries again. */
  replayParked(log: Logger): Promise<number> {
    return replayPendingEvents(this.kv, this.queue, log);
  }

  /** One row to the dead-letter queue (its consumer keeps it with `keepDeadLetter`). */
  sendDeadLetter(letter: DeadLetter): Promise<void> {
    return this.deadLetterQueue.send(letter).then(() => undefined);
  }

  /** A dead letter kept in KV under its event id, for an operator to see and replay. */
  keepDeadLetter(letter: DeadLetter, messageId: string): Promise<string> {
    return recordDeadLetter(this.kv, letter, messageId);
  }
}
