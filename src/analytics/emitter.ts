import type { Logger } from '../observability/logger';
import type { AnalyticsEvent, AnalyticsEventInput } from './events';

/**
 * The one way the payment path records analytics: an event onto the analytics Queue. Emitting
 * never throws into the payment path; a failed send is logged (without the event's email).
 */
export class AnalyticsEmitter {
  constructor(
    private readonly queue: Queue,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  build(input: AnalyticsEventInput): AnalyticsEvent {
    return {
      event_id: input.event_id ?? crypto.randomUUID(),
      event_type: input.event_type,
      occurred_at: input.occurred_at ?? this.now().toISOString(),
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
    };
  }

  async emit(...inputs: AnalyticsEventInput[]): Promise<void> {
    if (inputs.length === 0) return;
    const events = inputs.map((i) => this.build(i));
    try {
      await this.queue.sendBatch(events.map((body) => ({ body, contentType: 'json' as const })));
    } catch (err) {
      this.log.error('analytics emit failed', {
        err,
        eventIds: events.map((e) => e.event_id),
        eventTypes: events.map((e) => e.event_type),
      });
    }
  }
}
