/**
 * The required-work floor of one payment's life (init, one open, one return, Bansky's postback,
 * the shop's postback, one status poll): the skeleton (bench/baselines/skeleton: a KV read for the
 * token, one Durable Object call per request writing its record before and after Bansky) plus
 * exactly what the product must do — one transaction-log record in KV per state change, one
 * analytics row per event, the payments index. Each line says why.
 */
import type { PriceName } from '../prices.ts';

export interface FloorLine {
  price: PriceName;
  count: number;
  why: string;
}

/** State changes of a paid payment after it is recorded: awaiting_payment, paid. */
const STATE_CHANGES = 2;
/** Events: payment created, Bansky's answer, link opened, customer returned, Bansky's postback, shop's postback delivered. */
const EVENTS = 6;
/** Requests that record events, each one Queue message carrying its events: init, open, return, Bansky's postback (the delivery's event rides with it). */
const EVENT_MESSAGES = 4;

/** `indexRowsPerChange`: rows the payments row writes per state change (the row and the indexes its columns are in), measured: the new row and the status change's update, averaged. */
export function floorLifecycle(indexRowsPerChange: number): FloorLine[] {
  return [
    { price: 'workerRequest', count: 5, why: 'init, open, return, Bansky postback, poll' },
    { price: 'kvRead', count: 2, why: 'token → shop on the two authenticated requests (skeleton: one read each)' },
    { price: 'kvWrite', count: STATE_CHANGES, why: 'transaction log: one record per state change' },
    {
      price: 'doRequest',
      count: 5 + STATE_CHANGES,
      why: 'one payment-object call per request, one index upsert per state change',
    },
    {
      price: 'doRowWritten',
      count: 3 + STATE_CHANGES * indexRowsPerChange,
      why: `payment record: created + awaiting (skeleton's two puts) + paid; index: ${indexRowsPerChange} rows per upsert`,
    },
    { price: 'doRowRead', count: 5, why: 'one record read per request' },
    { price: 'queueOperation', count: EVENT_MESSAGES * 3, why: `${EVENT_MESSAGES} analytics messages × (write, read, delete)` },
    { price: 'workerRequest', count: EVENT_MESSAGES / 100, why: 'analytics consumer: one invocation per 100 messages' },
    { price: 'bigQueryRow', count: EVENTS, why: 'one row per event' },
  ];
}
