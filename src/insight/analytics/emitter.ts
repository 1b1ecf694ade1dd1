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

/** How long emitted events wait for others before one send takes them all. */
const HOLD_MS = 1_000;
/** Events held at most: a full send (100 messages of 32 events) leaves at once. */
const MAX_HELD = MAX_MESSAGES_PER_SEND * EVENTS_PER_MESSAGE;

/** Events built but not sent yet, shared by an emitter and the copies `withLogger` makes of it. */
class Outbox {
  events: AnalyticsEvent[] = [];
  /** Settles once the held events are sent; scheduled when the first of them was held. */
  sent: Promise<void> | null = null;
  /** Ends the hold early (a full send is waiting). */
  sendNow: (() => void) | null = null;
}

/**
 * The one way the payment path records analytics: an event onto the analytics Queue. Emitting
 * never throws into the payment path. A refused send is retried briefly, then the events are
 * parked in KV (when given) for the consumer to re-queue, so a queue hiccup loses nothing; only if
 * that fails too is the loss logged (ids and types, never the email).
 *
 * Events are held up to `holdMs` (1 s) and sent together: an init's two commits (created, then
 * awaiting payment after Bansky answered) and the other payments of the isolate in that second
 * become one Queue message instead of one per commit (Queues bill per message, and each send and
 * each message the consumer takes is CPU). Each event keeps the time it was emitted. `emit`
 * resolves once its events are sent, and every caller hands that promise to `waitUntil`, so the
 * held events outlive the request; an idle Durable Object is evicted after tens of seconds, not
 * within the hold.
 */
export class AnalyticsEmitter implements AnalyticsSink {
  constructor(
    private readonly queue: Queue<AnalyticsEvent | AnalyticsEvent[]>,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly fallback?: KVNamespace,
    private readonly opts: { holdMs?: number } = {},
    private readonly outbox = new Outbox(),
  ) {}

  /** The same emitter (the same held events) logging through `log` (e.g. one stamped with the request id). */
  withLogger(log: Logger): AnalyticsEmitter {
    return new AnalyticsEmitter(this.queue, log, this.clock, this.fallback, this.opts, this.outbox);
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

  emit(...inputs: AnalyticsEventInput[]): Promise<void> {
    if (inputs.length === 0) return Promise.resolve();
    const box = this.outbox;
    box.events.push(...inputs.map((i) => this.build(i)));
    if (!box.sent) {
      const held = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.holdMs ?? HOLD_MS);
        box.sendNow = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      box.sent = held.then(() => this.sendHeld());
    }
    const sent = box.sent;
    if (box.events.length >= MAX_HELD) box.sendNow?.();
    return sent;
  }

  /**
   * `emit` without the hold, taking whatever else is held along: for rows that were already held
   * once (EventCoalescer's window), so they do not wait twice.
   */
  emitNow(...inputs: AnalyticsEventInput[]): Promise<void> {
    const sent = this.emit(...inputs);
    this.outbox.sendNow?.();
    return sent;
  }

  /** Sends every held event; the next emit starts a new hold. */
  private async sendHeld(): Promise<void> {
    const box = this.outbox;
    const events = box.events;
    box.events = [];
    box.sent = null;
    box.sendNow = null;
    // 100 events per sendBatch: at most 4 messages of 32, well under the 100-message limit.
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
