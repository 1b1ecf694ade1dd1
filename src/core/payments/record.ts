import type {
  AdminPayment,
  Mode,
  Payment,
  PaymentStatus,
  PaymentTransition,
  PaymentType,
  PostbackAttempt,
  PostbackDeliveryStatus,
  PostbackSummary,
} from '../../../generated/api/types.gen';
import { failureReason } from '../postbacks/deliver';

/** Everything one payment's Durable Object knows (docs/architecture.md#state-a-durable-object-per-payment-kv-for-what-is-read-mostly). Never leaves the Worker whole. */
export interface PaymentRecord {
  id: string;
  shopId: string;
  mode: Mode;
  shopTransactionId: string | null;
  /** SHA-256 of the shop's request body: tells an idempotent replay from a conflict. */
  fingerprint: string;
  status: PaymentStatus;
  amount: string;
  currency: string;
  type: PaymentType;
  email: string;
  name: string | null;
  successUrl: string;
  errorUrl: string;
  postbackUrl: string | null;
  /** The shop's own data, keys sorted; absent on records from before metadata existed. Never sent to Bansky. */
  metadata?: Record<string, string>;
  banskyUrl: string | null;
  banskyTransactionId: string | null;
  /** Why init failed, replayed to the shop as the same problem. */
  initFailure: { code: 'bansky_error' | 'bansky_timeout'; detail: string } | null;
  /** When Bansky was last asked about a payment it had not answered for (see state.ts `needsLateCheck`). */
  lateCheckAt?: string | null;
  /**
   * A Bansky status check that is due (the customer came back from Bansky): recorded before the
   * return is answered, so the alarm runs it if the check after the answer is lost (see state.ts
   * `statusCheckRetryMs`). Cleared by the write that makes the payment final, else once Bansky
   * has answered (by its alarm, when the answer left the payment awaiting).
   */
  statusCheck?: { dueAt: string; attempts: number } | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  transitions: PaymentTransition[];
  postback: PostbackState;
  /** What the shop's local endpoint answered to `aimbrellapay listen` (test mode), newest last. */
  listenDeliveries?: ListenDelivery[];
  /**
   * Counts every write of the record (stamped by the payment's storage): the payments index keeps
   * the newest revision, so postback progress, which adds no transition, reaches the index too.
   * Absent on records written before it existed; see `revisionOf`.
   */
  rev?: number;
}

/** The record's revision; before `rev` existed each write added one transition at most, so their count is a lower bound. */
export const revisionOf = (r: Pick<PaymentRecord, 'rev' | 'transitions'>) => Math.max(r.rev ?? 0, r.transitions.length);

/** One forward by `aimbrellapay listen`, as the tool reported it (shown in the app's delivery log). */
export interface ListenDelivery {
  at: string;
  session: string;
  webhookId: string;
  status: number | null;
  durationMs: number | null;
  error: string | null;
}

interface PostbackState {
  status: PostbackDeliveryStatus;
  webhookId: string | null;
  /** When the current delivery cycle began (the event, or an operator's redelivery); dead-lettering counts from here. */
  queuedAt: string | null;
  /** While pending: when the next attempt is due. Stored, so a lost trigger is found by the alarm. */
  nextAttemptAt?: string | null;
  deliveredAt: string | null;
  deadLetterKey: string | null;
  attempts: PostbackAttempt[];
}

const FINAL_STATUSES: ReadonlySet<PaymentStatus> = new Set(['paid', 'failed', 'expired', 'init_failed']);
export const isFinal = (s: PaymentStatus) => FINAL_STATUSES.has(s);

/** A shop postback exists only when the shop gave its own id and a URL (the product's rule). */
export const wantsPostback = (r: Pick<PaymentRecord, 'shopTransactionId' | 'postbackUrl'>) =>
  r.shopTransactionId !== null && r.postbackUrl !== null;

/** Stable per payment and status, so the shop can de-duplicate retries and redeliveries. */
export const webhookIdFor = (paymentId: string, status: PaymentStatus) => `msg_${paymentId}_${status}`;

export const payLinkFor = (publicBaseUrl: string, paymentId: string) =>
  `${publicBaseUrl}/integration/pay?id=${encodeURIComponent(paymentId)}`;

/** The postback's delivery as the API and the app show it (the last attempt and why it failed). */
export function postbackSummary(r: PaymentRecord): PostbackSummary {
  const last = r.postback.attempts.at(-1);
  return {
    status: r.postback.status,
    attempts: r.postback.attempts.length,
    lastAttemptAt: last?.at ?? null,
    lastHttpStatus: last?.httpStatus ?? null,
    lastError: last ? failureReason(last) : null,
    deliveredAt: r.postback.deliveredAt,
    nextAttemptAt: r.postback.status === 'pending' ? (r.postback.nextAttemptAt ?? null) : null,
  };
}

export function toPublicPayment(r: PaymentRecord, publicBaseUrl: string): Payment {
  return {
    id: r.id,
    shopTransactionId: r.shopTransactionId,
    status: r.status,
    mode: r.mode,
    amount: r.amount,
    currency: r.currency,
    type: r.type,
    email: r.email,
    name: r.name,
    url: payLinkFor(publicBaseUrl, r.id),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    expiresAt: r.expiresAt,
    postback: postbackSummary(r),
    metadata: r.metadata ?? {},
  };
}

export function toAdminPayment(r: PaymentRecord, publicBaseUrl: string): AdminPayment {
  return {
    payment: toPublicPayment(r, publicBaseUrl),
    shopId: r.shopId,
    banskyUrl: r.banskyUrl,
    postbackUrl: r.postbackUrl,
    webhookId: r.postback.webhookId,
    transitions: r.transitions,
    postbackAttempts: r.postback.attempts,
  };
}
