import type { Mode, PaymentStatus, PostbackAttempt } from '../../../generated/api/types.gen';
import { isFinal, type PaymentRecord, revisionOf, wantsPostback, webhookIdFor } from './record';
import type { ValidatedPayment } from './rules';

/**
 * The payment state machine as pure functions over PaymentRecord; the Durable Object persists
 * the results and runs the side effects. Final states never change — with two exceptions, both
 * about money that moved: `expired` only means our pay link closed, and `init_failed` after a
 * timeout only means Bansky did not answer us in time (its checkout may exist all the same). If
 * Bansky confirms such a payment afterwards, ignoring it would drop a payment silently, so
 * Bansky's `paid` supersedes both, and the shop gets a `payment.paid` postback (after the expired
 * one, if any).
 */
const ALLOWED: Record<PaymentStatus, PaymentStatus[]> = {
  created: ['awaiting_payment', 'init_failed', 'paid', 'failed', 'expired'],
  awaiting_payment: ['paid', 'failed', 'expired'],
  paid: [],
  failed: [],
  expired: ['paid'],
  init_failed: ['paid'],
};

const MAX_RECORDED_ATTEMPTS = 500;

export interface NewPayment {
  id: string;
  shopId: string;
  mode: Mode;
  fingerprint: string;
  payment: ValidatedPayment;
}

export function newRecord(input: NewPayment, now: Date, ttlSeconds: number): PaymentRecord {
  const at = now.toISOString();
  const p = input.payment;
  const shopTransactionId = p.id ?? null;
  const postbackUrl = p.postbackUrl ?? null;
  return {
    id: input.id,
    shopId: input.shopId,
    mode: input.mode,
    shopTransactionId,
    fingerprint: input.fingerprint,
    status: 'created',
    amount: p.amount,
    currency: p.currency,
    type: p.type,
    email: p.email,
    name: p.name ?? null,
    successUrl: p.successUrl,
    errorUrl: p.errorUrl,
    postbackUrl,
    ...(p.metadata ? { metadata: p.metadata } : {}),
    banskyUrl: null,
    banskyTransactionId: null,
    initFailure: null,
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    transitions: [{ status: 'created', at, reason: null }],
    postback: {
      status: wantsPostback({ shopTransactionId, postbackUrl }) ? 'waiting' : 'none',
      webhookId: null,
      queuedAt: null,
      deliveredAt: null,
      deadLetterKey: null,
      attempts: [],
    },
  };
}

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** The record after a transition; a final paid/failed/expired state queues the shop's postback. */
export function transition(r: PaymentRecord, to: PaymentStatus, reason: string | null, now: Date): PaymentRecord {
  if (!canTransition(r.status, to)) throw new Error(`payment ${r.id}: ${r.status} → ${to} is not allowed`);
  const at = now.toISOString();
  const next: PaymentRecord = { ...r, status: to, updatedAt: at, transitions: [...r.transitions, { status: to, at, reason }] };
  if (isFinal(to) && to !== 'init_failed' && r.postback.status === 'waiting') {
    next.postback = { ...r.postback, status: 'pending', webhookId: webhookIdFor(r.id, to), queuedAt: at, nextAttemptAt: at };
  } else if ((r.status === 'expired' || r.status === 'init_failed') && to === 'paid' && wantsPostback(r)) {
    // A new event for the shop: its own webhook-id, delivered like any first postback.
    next.postback = {
      ...r.postback,
      status: 'pending',
      webhookId: webhookIdFor(r.id, to),
      queuedAt: at,
      nextAttemptAt: at,
      deliveredAt: null,
      deadLetterKey: null,
    };
  }
  if (to === 'init_failed' && r.postback.status === 'waiting') next.postback = { ...r.postback, status: 'none' };
  // A final payment has nothing left for a status check to find: a booked one goes in this same write.
  if (isFinal(to) && r.statusCheck) next.statusCheck = null;
  return next;
}

/** Failed attempts since the current delivery cycle began: they pick the next step of the backoff schedule. */
export function failedAttemptsThisCycle(r: PaymentRecord): number {
  const since = r.postback.queuedAt;
  return since === null ? 0 : r.postback.attempts.filter((a) => !a.ok && a.at >= since).length;
}

/**
 * How far the shop's payments index has seen this payment: the version (the record's revision)
 * last written to its shard, and when to try again after a failed write. Kept under its own
 * storage key, never inside the record, so writing it can never undo a concurrent change to the
 * payment (a read-modify-write of the record across an await could).
 */
export interface IndexState {
  version: number;
  retryAt: string | null;
  attempts: number;
}

/** The payments index has not seen the latest transition yet. */
export function indexBehind(r: PaymentRecord, index: IndexState | null): boolean {
  return (index?.version ?? 0) < revisionOf(r);
}

/** After a commit the index is written at once; only if that is lost does the alarm catch up, this much later. */
const INDEX_CATCH_UP_MS = 5_000;
const INDEX_RETRY_MS = [30_000, 120_000, 600_000, 3_600_000];
export const indexRetryDelayMs = (attempts: number) => INDEX_RETRY_MS[Math.min(attempts, INDEX_RETRY_MS.length) - 1] ?? 30_000;

/**
 * A status check recorded when the customer returns is run at once after the answer; the alarm
 * runs it this long later only if that run was lost (a restart) or Bansky did not answer, then
 * backs off. Bounded: after the last try the pay link's expiry asks Bansky once more anyway.
 */
export const STATUS_CHECK_AFTER_RETURN_MS = 5_000;
const STATUS_CHECK_RETRY_MS = [30_000, 120_000, 600_000, 3_600_000];
/** The wait before the next alarm try after `attempts` failed ones, or null when the tries are used up. */
export const statusCheckRetryMs = (attempts: number): number | null => STATUS_CHECK_RETRY_MS[attempts - 1] ?? null;

/**
 * An init that timed out may still have a checkout at Bansky that the customer can pay: ask
 * Bansky once, when the pay link would have expired, so money that moved is not left unrecorded.
 */
export function needsLateCheck(r: PaymentRecord): boolean {
  return r.status === 'init_failed' && r.initFailure?.code === 'bansky_timeout' && !r.lateCheckAt;
}

/**
 * When the payment's object must wake up, derived from the record alone: to finish an init that
 * an eviction interrupted, to expire the pay link, or to sweep a pending postback whose trigger
 * was lost (one grace period after it was due). Null when nothing is left to do.
 */
export function nextAlarmAt(
  r: PaymentRecord,
  index: IndexState | null,
  opts: { initTimeoutMs: number; sweepGraceMs: number },
): number | null {
  const times: number[] = [];
  if (needsLateCheck(r)) times.push(Date.parse(r.expiresAt));
  if (r.statusCheck) times.push(Date.parse(r.statusCheck.dueAt));
  if (indexBehind(r, index)) times.push(index?.retryAt ? Date.parse(index.retryAt) : Date.parse(r.updatedAt) + INDEX_CATCH_UP_MS);
  if (r.status === 'created') times.push(Date.parse(r.createdAt) + opts.initTimeoutMs);
  if (r.status === 'created' || r.status === 'awaiting_payment') times.push(Date.parse(r.expiresAt));
  if (r.postback.status === 'pending' && r.postback.nextAttemptAt) times.push(Date.parse(r.postback.nextAttemptAt) + opts.sweepGraceMs);
  return times.length ? Math.min(...times) : null;
}

/**
 * Whether an alarm already set for `armed` can stay where it is when a write calls for `wanted`: it
 * is still ahead, at most one index catch-up earlier, and the index write every commit is followed
 * by is still to come (it moves the alarm anyway). Each set is a row written; an alarm that does
 * fire that little early finds nothing due yet and re-arms, as every alarm task checks its own time.
 */
export function armedAlarmServes(armed: number | null | undefined, wanted: number | null, indexWriteToCome: boolean, now: number): boolean {
  if (typeof armed !== 'number' || wanted === null || !indexWriteToCome) return false;
  return armed > now && armed <= wanted && wanted - armed <= INDEX_CATCH_UP_MS;
}

export type AttemptOutcome = 'delivered' | 'retrying' | 'dead_lettered';

export function recordAttempt(
  r: PaymentRecord,
  attempt: Omit<PostbackAttempt, 'attempt'>,
  outcome: AttemptOutcome,
  deadLetterKey: string | null,
  nextAttemptAt: string | null = null,
): PaymentRecord {
  const attempts = [...r.postback.attempts, { ...attempt, attempt: (r.postback.attempts.at(-1)?.attempt ?? 0) + 1 }].slice(
    -MAX_RECORDED_ATTEMPTS,
  );
  const postback = { ...r.postback, attempts, nextAttemptAt: outcome === 'retrying' ? nextAttemptAt : null };
  if (outcome === 'delivered') {
    postback.status = 'delivered';
    postback.deliveredAt ??= attempt.at;
  } else if (outcome === 'dead_lettered') {
    postback.status = 'dead_lettered';
    postback.deadLetterKey = deadLetterKey;
  } else if (postback.status !== 'delivered') {
    postback.status = 'pending';
  }
  return { ...r, postback };
}
