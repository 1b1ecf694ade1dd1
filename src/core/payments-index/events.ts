import type { Event, EventList, EventType, Mode } from '../../../generated/api/types.gen';
import type { Clock } from '../../platform/lib/clock';
import { readWithOneRetry } from '../../platform/transient';
import type { PaymentRecord } from '../payments/record';
import { webhookIdFor } from '../payments/record';
import { buildShopPostback } from '../postbacks/payload';
import { BadCursor } from './query';
import { decodeCursor, encodeCursor, eventsShard, type IndexNamespace } from './shards';

/** How long the events API keeps an event (documented in the contract and docs/public/). */
const EVENT_RETENTION_DAYS = 30;
const EVENT_ID = /^msg_pay_[A-Za-z0-9]{22}_(paid|failed|expired)$/;

/** One event as the log stores it: the postback body's exact JSON text, under its webhook-id. */
export interface StoredEvent {
  id: string;
  timestamp: string;
  type: EventType;
  paymentId: string;
  body: string;
}

export interface EventQuery {
  keepFrom: string;
  id?: string;
  type?: EventType;
  paymentId?: string;
  from?: string;
  to?: string;
  before?: { createdAt: string; id: string };
  limit: number;
}

export interface EventFilters {
  type?: EventType;
  from?: string;
  to?: string;
  payment?: string;
}

/**
 * Every event a payment has produced so far: one per final transition (`paid`, `failed`,
 * `expired`; an expired payment Bansky confirms later has two), for payments with the shop's
 * transaction id. Each is the postback body exactly as it was (or would have been) sent for that
 * transition — the payment's facts never change, only its status and `updatedAt` — so the log
 * can be written, or caught up, from the current record at any time.
 */
function eventsOf(r: PaymentRecord): StoredEvent[] {
  if (r.shopTransactionId === null) return [];
  const out: StoredEvent[] = [];
  for (const t of r.transitions) {
    if (t.status !== 'paid' && t.status !== 'failed' && t.status !== 'expired') continue;
    const payload = buildShopPostback({ ...r, status: t.status, updatedAt: t.at });
    out.push({ id: webhookIdFor(r.id, t.status), timestamp: t.at, type: payload.type, paymentId: r.id, body: JSON.stringify(payload) });
  }
  return out;
}

/**
 * The shop's events API over its events log: one SQLite object per shop × mode next to the
 * payments index shards, written by each payment's object with the index (so the alarm catches
 * it up the same way), read newest first, and kept EVENT_RETENTION_DAYS.
 */
export class EventLog {
  constructor(private readonly deps: { ns: IndexNamespace; clock: Clock }) {}

  private keepFrom(): string {
    return new Date(this.deps.clock.now().getTime() - EVENT_RETENTION_DAYS * 86_400_000).toISOString();
  }

  /** Writes the payment's events the log does not have yet; returns those it added (each only once). */
  async record(r: PaymentRecord): Promise<StoredEvent[]> {
    const events = eventsOf(r);
    if (events.length === 0) return [];
    const added = new Set(await eventsShard(this.deps.ns, r.shopId, r.mode).addEvents(events, this.keepFrom()));
    return events.filter((e) => added.has(e.id));
  }

  async list(shopId: string, mode: Mode, f: EventFilters, cursor: string | undefined, limit: number): Promise<EventList> {
    const before = cursor ? decodeCursor(cursor, EVENT_ID) : undefined;
    if (before === null) throw new BadCursor('cursor is not one this API returned');
    const rows = await readWithOneRetry(() =>
      eventsShard(this.deps.ns, shopId, mode).events({
        keepFrom: this.keepFrom(),
        type: f.type,
        paymentId: f.payment,
        from: f.from ? new Date(f.from).toISOString() : undefined,
        to: f.to ? new Date(f.to).toISOString() : undefined,
        before,
        limit: limit + 1,
      }),
    );
    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    return {
      items: shown.map(toEvent),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.timestamp, id: last.id }) : null,
    };
  }

  async get(shopId: string, mode: Mode, id: string): Promise<Event | null> {
    const [row] = await readWithOneRetry(() => eventsShard(this.deps.ns, shopId, mode).events({ keepFrom: this.keepFrom(), id, limit: 1 }));
    return row ? toEvent(row) : null;
  }
}

/** The API's event: the webhook-id, then the postback body as it was sent. */
function toEvent(e: StoredEvent): Event {
  return { id: e.id, ...(JSON.parse(e.body) as Omit<Event, 'id'>) };
}
