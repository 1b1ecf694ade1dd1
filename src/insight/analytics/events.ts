import type { Mode, PaymentStatus, PaymentType } from '../../../generated/api/types.gen';

/**
 * The one shape of an analytics row (BigQuery table `payment_events`, bigquery/payment_events.table.json,
 * docs/architecture.md#analytics). Append-only: current state is derived in the views (bigquery/views/).
 * - `amount` stays a decimal string end to end, BIGNUMERIC in BigQuery, never a float: crypto
 *   amounts carry up to 18 decimals and NUMERIC keeps only 9.
 * - Every event about a payment carries the payment's facts (shop_id, mode, payment_id,
 *   shop_transaction_id, amount, currency, type) and its `status` after the event; the views take
 *   the latest status per payment.
 * - Calls carry `http_status` and `latency_ms` (Bansky for bansky_init_*, the shop for
 *   shop_postback_attempt, where a 2xx counts as delivered); details such as an error go in `attributes`.
 * - `email` is kept in the raw table only; no view selects it and no log line carries it.
 * - `metadata` is the shop's own data on the payment, on every row about the payment.
 */
type AnalyticsEventType =
  | 'payment_created'
  | 'bansky_init_ok'
  | 'bansky_init_failed'
  | 'pay_link_opened'
  | 'customer_returned'
  | 'bansky_postback_received'
  | 'bansky_status_checked'
  | 'status_changed'
  | 'shop_postback_attempt'
  | 'postback_dead_lettered';

export interface AnalyticsEvent {
  event_id: string;
  event_type: AnalyticsEventType;
  occurred_at: string; // ISO 8601
  shop_id: string | null;
  mode: Mode | null;
  payment_id: string | null;
  shop_transaction_id: string | null;
  amount: string | null;
  currency: string | null;
  type: PaymentType | null;
  status: PaymentStatus | null;
  email: string | null;
  http_status: number | null;
  latency_ms: number | null;
  request_id: string | null;
  attributes: Record<string, unknown>;
  /** The shop's own `metadata` on the payment (a JSON column), null when it has none. */
  metadata: Record<string, string> | null;
}

/** What callers provide; ids and defaults are filled in by the emitter. */
export type AnalyticsEventInput = Partial<Omit<AnalyticsEvent, 'event_type'>> & { event_type: AnalyticsEventType };

/** The payment's facts every event about it carries (one place, so no event forgets one). */
export function paymentEventFields(
  r: {
    id: string;
    shopId: string;
    mode: Mode;
    shopTransactionId: string | null;
    amount: string;
    currency: string;
    type: PaymentType;
    status: PaymentStatus;
    metadata?: Record<string, string>;
  },
  requestId: string | null,
): Omit<AnalyticsEventInput, 'event_type'> {
  return {
    shop_id: r.shopId,
    mode: r.mode,
    payment_id: r.id,
    shop_transaction_id: r.shopTransactionId,
    amount: r.amount,
    currency: r.currency,
    type: r.type,
    status: r.status,
    request_id: requestId,
    metadata: r.metadata && Object.keys(r.metadata).length > 0 ? r.metadata : null,
  };
}
