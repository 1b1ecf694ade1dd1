import type { BanskyPostback, PostbackAttempt } from '../../generated/api/types.gen';
import { type AnalyticsEventInput, paymentEventFields } from '../analytics/events';
import { BanskyFailure } from '../bansky/gateway';
import type { PostbackJob } from '../postbacks/payload';
import type { Services } from '../services';
import { sameAmount } from './amount';
import { isFinal, type PaymentRecord, wantsPostback } from './record';
import { type AttemptOutcome, awaitingFirstAttempt, canTransition, type NewPayment, newRecord, recordAttempt, transition } from './state';

export type PostbackOutcome =
  | { kind: 'not_found' }
  | { kind: 'mismatch'; detail: string }
  | { kind: 'accepted' | 'ignored'; status: PaymentRecord['status'] };

export type RedeliveryOutcome = { ok: true; webhookId: string } | { ok: false; reason: string } | null;

/** How long a queued postback may go untried before the payment's alarm queues it again. */
export const REQUEUE_CHECK_MS = 60_000;

/**
 * One payment's storage as the flow needs it. The Durable Object implements it over its own
 * storage; `write` with `alarmAt` stores the record and the alarm in one batch (one storage
 * transaction), `defer` keeps work alive after the answer (ctx.waitUntil).
 */
export interface PaymentStorage {
  read(): Promise<PaymentRecord | null>;
  write(r: PaymentRecord, alarmAt?: number): Promise<void>;
  setAlarm(at: number): Promise<void>;
  defer(work: Promise<unknown>): void;
}

/**
 * The payment orchestration (DESIGN §4, §5): start a payment and call Bansky once, apply
 * Bansky's result, expire, record postback attempts, redeliver. Plain code over a PaymentStorage
 * and the services — time from the clock, Bansky through its gateway — so it runs the same in
 * the Durable Object and in tests with a fake clock or gateway.
 */
export class PaymentFlow {
  constructor(
    private readonly storage: PaymentStorage,
    private readonly s: Services,
    private readonly requestId: string,
  ) {}

  private now(): Date {
    return this.s.clock.now();
  }

  /** Records the payment before Bansky is called, then asks Bansky for its checkout. */
  async start(input: NewPayment): Promise<PaymentRecord> {
    let r = newRecord(input, this.now(), this.s.config.payLinkTtlSeconds);
    // Recorded before Bansky is called, with an alarm that settles it as init_failed if this
    // object is evicted mid-call: a crash cannot lose the payment or leave it half-started.
    await this.storage.write(r, this.now().getTime() + this.s.config.bansky.timeoutMs + REQUEUE_CHECK_MS);
    const events: AnalyticsEventInput[] = [{ ...this.fields(r), event_type: 'payment_created', email: r.email, occurred_at: r.createdAt }];
    let alarmAt: number | undefined;
    try {
      const checkout = await this.s.bansky.startCheckout(r);
      r = { ...transition(r, 'awaiting_payment', 'bansky accepted', this.now()), banskyUrl: checkout.url };
      alarmAt = Date.parse(r.expiresAt);
      events.push({ ...this.fields(r), event_type: 'bansky_init_ok', latency_ms: checkout.latencyMs });
    } catch (err) {
      const failure = err instanceof BanskyFailure ? err : new BanskyFailure('bansky_error', 'The payment provider could not start this payment.', null);
      if (!(err instanceof BanskyFailure)) this.s.log.error('bansky init crashed', { err, paymentId: r.id });
      else this.s.log.warn('bansky init failed', { paymentId: r.id, code: failure.code, httpStatus: failure.httpStatus });
      r = { ...transition(r, 'init_failed', failure.code, this.now()), initFailure: { code: failure.code, detail: failure.detail } };
      events.push({ ...this.fields(r), event_type: 'bansky_init_failed', http_status: failure.httpStatus, attributes: { code: failure.code } });
    }
    await this.commit(r, events, alarmAt);
    return r;
  }

  /** A record left in `created` with no call in flight means the object restarted mid-call. */
  async settleInterrupted(r: PaymentRecord): Promise<PaymentRecord> {
    if (r.status !== 'created') return r;
    const detail = 'The payment provider call was interrupted. Try again with a new transaction id.';
    const next = { ...transition(r, 'init_failed', 'interrupted', this.now()), initFailure: { code: 'bansky_error' as const, detail } };
    await this.commit(next);
    return next;
  }

  /** Applies Bansky's result: checked against the payment, idempotent, final states never change (see state.ts on expired → paid). */
  async applyBanskyPostback(pb: BanskyPostback): Promise<PostbackOutcome> {
    const r = await this.storage.read();
    if (!r) return { kind: 'not_found' };
    const event: AnalyticsEventInput = { ...this.fields(r), event_type: 'bansky_postback_received', attributes: { reported: pb.status } };
    if (pb.currency !== r.currency || !sameAmount(pb.amount, r.amount)) {
      await this.s.analytics.emit({ ...event, attributes: { reported: pb.status, applied: false, reason: 'mismatch' } });
      const what = pb.currency !== r.currency ? `currency ${pb.currency}` : `amount ${pb.amount}`;
      return { kind: 'mismatch', detail: `${what} does not match the payment's ${r.amount} ${r.currency}.` };
    }
    if (r.status === pb.status || !canTransition(r.status, pb.status)) {
      await this.s.analytics.emit({ ...event, attributes: { reported: pb.status, applied: false, reason: 'already final' } });
      return { kind: 'ignored', status: r.status };
    }
    const reason = r.status === 'expired' ? 'bansky postback after expiry' : 'bansky postback';
    if (r.status === 'expired') this.s.log.warn('bansky confirmed a payment after its link expired', { paymentId: r.id, reported: pb.status });
    const next = { ...transition(r, pb.status, reason, this.now()), banskyTransactionId: pb.transactionId ?? null };
    await this.commit(next, [{ ...event, attributes: { reported: pb.status, applied: true } }]);
    return { kind: 'accepted', status: next.status };
  }

  /** Moves a payment whose pay link has expired to `expired` (and queues its postback). */
  async expireIfDue(): Promise<PaymentRecord | null> {
    const r = await this.storage.read();
    if (!r || isFinal(r.status) || Date.parse(r.expiresAt) > this.now().getTime()) return r;
    const next = transition(r, 'expired', 'pay link expired', this.now());
    await this.commit(next);
    return next;
  }

  async recordPostbackAttempt(attempt: Omit<PostbackAttempt, 'attempt'>, outcome: AttemptOutcome, deadLetterKey: string | null = null): Promise<PaymentRecord | null> {
    const r = await this.storage.read();
    if (!r) return null;
    const next = recordAttempt(r, attempt, outcome, deadLetterKey);
    await this.storage.write(next);
    return next;
  }

  /** Dead-letters without an HTTP attempt of our own (the queue gave up on the job). */
  async markDeadLettered(deadLetterKey: string): Promise<void> {
    const r = await this.storage.read();
    if (!r || r.postback.status === 'delivered') return;
    await this.storage.write({ ...r, postback: { ...r.postback, status: 'dead_lettered', deadLetterKey } });
  }

  /** Queues the final-state postback again (operator redelivery); same webhook-id. */
  async redeliverPostback(): Promise<RedeliveryOutcome> {
    const r = await this.storage.read();
    if (!r) return null;
    if (!wantsPostback(r)) return { ok: false, reason: 'The payment has no shop transaction id or postback URL.' };
    if (!r.postback.webhookId) return { ok: false, reason: `The payment is ${r.status}: there is no final-state postback to send.` };
    const next: PaymentRecord = { ...r, postback: { ...r.postback, status: 'pending', queuedAt: this.now().toISOString(), deadLetterKey: null } };
    await this.storage.write(next); // before any other await: nothing can interleave between read and write
    if (r.postback.deadLetterKey) await this.s.postbackDeadLetters.remove(r.postback.deadLetterKey);
    await this.enqueuePostback(next);
    return { ok: true, webhookId: r.postback.webhookId };
  }

  /** The alarm: settle an interrupted init, expire the pay link, re-queue a postback nobody tried. */
  async onAlarm(initInFlight: boolean): Promise<void> {
    const stored = await this.storage.read();
    if (stored?.status === 'created' && !initInFlight) await this.settleInterrupted(stored);
    const r = await this.expireIfDue();
    if (r && awaitingFirstAttempt(r) && r.postback.queuedAt) {
      if (this.now().getTime() - Date.parse(r.postback.queuedAt) >= REQUEUE_CHECK_MS) await this.enqueuePostback(r);
    }
  }

  /**
   * Persist, queue the shop's postback (awaited: it must not be lost), then the derived records —
   * analytics (one batch with the caller's other events) and the transaction log — after the
   * answer: neither may slow the shop or Bansky down, and neither throws.
   */
  private async commit(r: PaymentRecord, events: AnalyticsEventInput[] = [], alarmAt?: number): Promise<void> {
    await this.storage.write(r, alarmAt);
    if (awaitingFirstAttempt(r)) await this.enqueuePostback(r);
    const last = r.transitions.at(-1)!;
    const changed: AnalyticsEventInput = { ...this.fields(r), event_type: 'status_changed', attributes: { reason: last.reason } };
    const txlog = this.s.txlog.write(r).catch((err) => this.s.log.error('txlog write failed', { err, paymentId: r.id }));
    this.storage.defer(Promise.all([this.s.analytics.emit(...events, changed), txlog]));
  }

  private async enqueuePostback(r: PaymentRecord): Promise<void> {
    const job: PostbackJob = { paymentId: r.id, webhookId: r.postback.webhookId!, queuedAt: r.postback.queuedAt! };
    try {
      await this.s.postbackQueue.enqueue(job);
    } catch (err) {
      this.s.log.error('postback enqueue failed; the alarm retries it', { err, paymentId: r.id });
      await this.storage.setAlarm(this.now().getTime() + REQUEUE_CHECK_MS);
    }
  }

  private fields(r: PaymentRecord) {
    return paymentEventFields(r, this.requestId);
  }
}
