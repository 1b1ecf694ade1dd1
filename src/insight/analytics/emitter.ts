import type { Clock } from '../../platform/lib/clock';
import type { Logger } from '../../platform/observability/logger';
import type { AnalyticsEvent, AnalyticsEventInput } from './events';
import { parkEvents } from './pending';

const SEND_ATTEMPTS = 3;
const MAX_MESSAGES_PER_SEND = 100; // Queues' sendBatch limit
/** Events per message: a row is under 1 KB, so a message stays under the 64 KB billed as one operation. */
const EVENTS_PER_MESSAGE = 32;

/**
 * Where the domain records what happened: events in, nothing back (emitting never throws into the
 * caller). The payment core, postbacks and handlers see only this, never the queue behind it.
 */
export interface AnalyticsSink {
  emit(...inputs: AnalyticsEventInput[]): Promise<void>;
  /** The same sink logging its own failures through `log` (e.g. one stamped with the request id). */
  withLogger(log: Logger): AnalyticsSink;
}

/**
 * The one way the payment path records analytics: an event onto the analytics Queue. Emitting
 * never throws into the payment path. A refused send is retried briefly, then the events are
 * parked in KV (when given) for the consumer to re-queue, so a queue hiccup loses nothing; only if
 * that fails too is the loss logged (ids and types, never the email).
 */
export class AnalyticsEmitter implements AnalyticsSink {
  constructor(
    private readonly queue: Queue<AnalyticsEvent | AnalyticsEvent[]>,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly fallback?: KVNamespace,
  ) {}

  /** The same emitter logging through `log` (e.g. one stamped with the request id). */
  withLogger(log: Logger): AnalyticsEmitter {
    return new AnalyticsEmitter(this.queue, log, this.clock, this.fallback);
  }

  build(input: AnalyticsEventInput): AnalyticsEvent {
    return {
      event_id: input.event_id ?? crypto.randomUUID(),
      event_type: input.event_type,
      occurred_at: input.occurred_at ?? this.clock.now().toISOString(),
      shop_id: input.shop_id ?? null,
      mode: input.mode ?? null,
      payment_id: input.payment_id ?? null,
      shop_transaction_id: input.shop_transaction_id ?? null,
      amount: input.amount ?? null,
      currency: input.currency ?? null,
      type: input.type ?? null,
      status: input.status ?? null,
      email: input.email ?? null,
      http_status: input.http_status ?? null,
      latency_ms: input.latency_ms ?? null,
      request_id: input.request_id ?? null,
      attributes: input.attributes ?? {},
      metadata: input.metadata ?? null,
    };
  }

  async emit(...inputs: AnalyticsEventInput[]): Promise<void> {
    if (inputs.length === 0) return;
    const events = inputs.map((i) => this.build(i));
    for (let i = 0; i < events.length; i += MAX_MESSAGES_PER_SEND) {
      await this.send(events.slice(i, i + MAX_MESSAGES_PER_SEND));
    }
  }

  private async send(events: AnalyticsEvent[]): Promise<void> {
    const describe = { eventIds: events.map((e) => e.event_id), eventTypes: events.map((e) => e.event_type) };
    let lastError: unknown;
    for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
      try {
        await this.queue.sendBatch(messagesOf(events));
        return;
      } catch (err) {
        lastError = err;
        if (attempt < SEND_ATTEMPTS) await new Promise((r) => setTimeout(r, 50 * 4 ** (attempt - 1)));
      }
    }
    if (this.fallback) {
      try {
        await parkEvents(this.fallback, events);
        this.log.warn('analytics queue refused events; parked in KV for the consumer to re-queue', { ...describe, err: String(lastError) });
        return;
      } catch (err) {
        lastError = err;
      }
    }
    this.log.error('analytics emit failed; events lost', { ...describe, err: String(lastError) });
  }
}

/**
 * Queue messages for events emitted together (one request's): Queues bill each message per 64 KB
 * written, read and deleted, so a request's events travel as one message (an array) rather than
 * one each. A lone event stays a plain object. The consumer takes both.
 */
function messagesOf(events: AnalyticsEvent[]): Array<{ body: AnalyticsEvent | AnalyticsEvent[]; contentType: 'json' }> {
  const out: Array<{ body: AnalyticsEvent | AnalyticsEvent[]; contentType: 'json' }> = [];
  for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) {
    const chunk = events.slice(i, i + EVENTS_PER_MESSAGE);
    out.push({ body: chunk.length === 1 ? chunk[0]! : chunk, contentType: 'json' });
  }
  return out;
}
