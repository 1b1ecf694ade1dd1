import { DurableObject } from 'cloudflare:workers';
import type { BanskyPostback, PostbackAttempt } from '../../generated/api/types.gen';
import type { AnalyticsEventInput } from '../analytics/events';
import { BanskyClient, BanskyFailure } from '../bansky/client';
import type { Env } from '../env';
import type { PostbackJob } from '../postbacks/payload';
import { buildServices, type Services } from '../services';
import { isFinal, wantsPostback, type PaymentRecord } from './record';
import { awaitingFirstAttempt, canTransition, newRecord, recordAttempt, sameAmount, transition, type AttemptOutcome, type NewPayment } from './state';
import { writeTxlog } from './txlog';
// Payments index hook (issue 12): see src/payments-index/sync.ts.
import { indexPendingMarker, retryIndexOnAlarm, syncIndexAfterCommit, type IndexSyncDeps } from '../payments-index/sync';

export type InitOutcome = { kind: 'created' | 'replayed'; record: PaymentRecord } | { kind: 'conflict' };
export type PostbackOutcome =
  | { kind: 'not_found' }
  | { kind: 'mismatch'; detail: string }
  | { kind: 'accepted' | 'ignored'; status: PaymentRecord['status'] };

const RECORD = 'payment';
const REQUEUE_CHECK_MS = 60_000;

/**
 * One Durable Object per payment, addressed by the payment id, owns its state machine
 * (DESIGN §4): strongly consistent from every location and single-threaded — except across an
 * await on fetch, which is why concurrent inits share one in-flight promise.
 */
export class PaymentObject extends DurableObject<Env> {
  private initInFlight: Promise<PaymentRecord> | null = null;

  async get(): Promise<PaymentRecord | null> {
    return (await this.ctx.storage.get<PaymentRecord>(RECORD)) ?? null;
  }

  /** Creates the payment and calls Bansky exactly once, however many identical requests race. */
  async init(input: NewPayment & { requestId: string }): Promise<InitOutcome> {
    if (this.initInFlight) return replay(await this.initInFlight, input.fingerprint);
    const existing = await this.get();
    if (this.initInFlight) return replay(await this.initInFlight, input.fingerprint);
    if (existing) return replay(await this.settleInterrupted(existing), input.fingerprint);
    this.initInFlight = this.start(input);
    try {
      return { kind: 'created', record: await this.initInFlight };
    } finally {
      this.initInFlight = null;
    }
  }

  /** Applies Bansky's result: checked against the payment, idempotent, final states never change (see state.ts on expired → paid). */
  async applyBanskyPostback(pb: BanskyPostback, requestId: string): Promise<PostbackOutcome> {
    const r = await this.get();
    if (!r) return { kind: 'not_found' };
    const s = this.services(requestId);
    const event: AnalyticsEventInput = { ...eventBase(r, requestId), event_type: 'bansky_postback_received', attributes: { reported: pb.status } };
    if (pb.currency !== r.currency || !sameAmount(pb.amount, r.amount)) {
      await s.analytics.emit({ ...event, attributes: { reported: pb.status, applied: false, reason: 'mismatch' } });
      const what = pb.currency !== r.currency ? `currency ${pb.currency}` : `amount ${pb.amount}`;
      return { kind: 'mismatch', detail: `${what} does not match the payment's ${r.amount} ${r.currency}.` };
    }
    if (r.status === pb.status || !canTransition(r.status, pb.status)) {
      await s.analytics.emit({ ...event, attributes: { reported: pb.status, applied: false, reason: 'already final' } });
      return { kind: 'ignored', status: r.status };
    }
    const reason = r.status === 'expired' ? 'bansky postback after expiry' : 'bansky postback';
    if (r.status === 'expired') s.log.warn('bansky confirmed a payment after its link expired', { paymentId: r.id, reported: pb.status });
    const next = { ...transition(r, pb.status, reason, new Date()), banskyTransactionId: pb.transactionId ?? null };
    await this.commit(next, s, requestId, [{ ...event, attributes: { reported: pb.status, applied: true } }]);
    return { kind: 'accepted', status: next.status };
  }

  /** Moves a payment whose pay link has expired to `expired` (and queues its postback). */
  async expireIfDue(requestId = 'alarm'): Promise<PaymentRecord | null> {
    const r = await this.get();
    if (!r || isFinal(r.status) || Date.parse(r.expiresAt) > Date.now()) return r;
    const next = transition(r, 'expired', 'pay link expired', new Date());
    await this.commit(next, this.services(requestId), requestId);
    return next;
  }

  async recordPostbackAttempt(attempt: Omit<PostbackAttempt, 'attempt'>, outcome: AttemptOutcome, deadLetterKey: string | null = null): Promise<PaymentRecord | null> {
    const r = await this.get();
    if (!r) return null;
    const next = recordAttempt(r, attempt, outcome, deadLetterKey);
    await this.ctx.storage.put(RECORD, next);
    return next;
  }

  /** Dead-letters without an HTTP attempt of our own (the queue gave up on the job). */
  async markDeadLettered(deadLetterKey: string): Promise<void> {
    const r = await this.get();
    if (!r || r.postback.status === 'delivered') return;
    await this.ctx.storage.put(RECORD, { ...r, postback: { ...r.postback, status: 'dead_lettered', deadLetterKey } });
  }

  /** Queues the final-state postback again (operator redelivery); same webhook-id. */
  async redeliverPostback(
    requestId: string,
    opts: { notWithinMs?: number } = {},
  ): Promise<{ ok: true; webhookId: string } | { ok: false; reason: string; retryAfterSeconds?: number } | null> {
    const r = await this.get();
    if (!r) return null;
    if (!wantsPostback(r)) return { ok: false, reason: 'The payment has no shop transaction id or postback URL.' };
    if (!r.postback.webhookId) return { ok: false, reason: `The payment is ${r.status}: there is no final-state postback to send.` };
    // Shop-initiated resends (issue 12) are limited per payment here, where two requests cannot race.
    const sinceQueuedMs = r.postback.queuedAt ? Date.now() - Date.parse(r.postback.queuedAt) : Infinity;
    if (opts.notWithinMs && sinceQueuedMs < opts.notWithinMs) {
      const retryAfterSeconds = Math.ceil((opts.notWithinMs - sinceQueuedMs) / 1000);
      return { ok: false, reason: `This postback was queued ${Math.floor(sinceQueuedMs / 1000)} s ago; resend again in ${retryAfterSeconds} s.`, retryAfterSeconds };
    }
    const at = new Date().toISOString();
    const next: PaymentRecord = { ...r, postback: { ...r.postback, status: 'pending', queuedAt: at, deadLetterKey: null } };
    await this.ctx.storage.put(RECORD, next); // before any other await: nothing can interleave between read and write
    if (r.postback.deadLetterKey) await this.env.KV.delete(r.postback.deadLetterKey);
    await this.enqueuePostback(next, this.services(requestId));
    return { ok: true, webhookId: r.postback.webhookId };
  }

  /** Expiry of the pay link; safety nets for an init interrupted by eviction and a failed postback enqueue. */
  override async alarm(): Promise<void> {
    const stored = await this.get();
    if (stored?.status === 'created' && !this.initInFlight) await this.settleInterrupted(stored);
    const r = await this.expireIfDue();
    if (r && awaitingFirstAttempt(r) && r.postback.queuedAt) {
      if (Date.now() - Date.parse(r.postback.queuedAt) >= REQUEUE_CHECK_MS) await this.enqueuePostback(r, this.services('alarm'));
    }
    await retryIndexOnAlarm(this.indexSync(this.services('alarm')), await this.get()); // payments index hook
  }

  private async start(input: NewPayment & { requestId: string }): Promise<PaymentRecord> {
    const s = this.services(input.requestId);
    let r = newRecord(input, new Date(), s.config.payLinkTtlSeconds);
    await this.ctx.storage.put(RECORD, r); // recorded before Bansky is called: a crash cannot lose it
    // If this object is evicted mid-call, the alarm settles the payment as init_failed.
    await this.ctx.storage.setAlarm(Date.now() + s.config.bansky.timeoutMs + REQUEUE_CHECK_MS);
    const events: AnalyticsEventInput[] = [{ ...eventBase(r, input.requestId), event_type: 'payment_created', email: r.email, occurred_at: r.createdAt }];
    const base = s.config.publicBaseUrl;
    const q = `?id=${encodeURIComponent(r.id)}`;
    try {
      const res = await new BanskyClient(s.config.bansky).initPayment(r.mode, {
        id: r.id,
        email: r.email,
        ...(r.name ? { name: r.name } : {}),
        amount: r.amount,
        currency: r.currency,
        type: r.type,
        successUrl: `${base}/integration/success${q}`,
        errorUrl: `${base}/integration/error${q}`,
        postbackUrl: `${base}/api/payment-verify`,
      });
      r = { ...transition(r, 'awaiting_payment', 'bansky accepted', new Date()), banskyUrl: res.url };
      await this.ctx.storage.setAlarm(Date.parse(r.expiresAt));
      events.push({ ...eventBase(r, input.requestId), event_type: 'bansky_init_ok', latency_ms: res.latencyMs });
    } catch (err) {
      const failure = err instanceof BanskyFailure ? err : new BanskyFailure('bansky_error', 'The payment provider could not start this payment.', null);
      if (!(err instanceof BanskyFailure)) s.log.error('bansky init crashed', { err, paymentId: r.id });
      else s.log.warn('bansky init failed', { paymentId: r.id, code: failure.code, httpStatus: failure.httpStatus });
      r = { ...transition(r, 'init_failed', failure.code, new Date()), initFailure: { code: failure.code, detail: failure.detail } };
      events.push({ ...eventBase(r, input.requestId), event_type: 'bansky_init_failed', http_status: failure.httpStatus, attributes: { code: failure.code } });
    }
    await this.commit(r, s, input.requestId, events);
    return r;
  }

  /** A record left in `created` with no call in flight means the object restarted mid-call. */
  private async settleInterrupted(r: PaymentRecord): Promise<PaymentRecord> {
    if (r.status !== 'created') return r;
    const detail = 'The payment provider call was interrupted. Try again with a new transaction id.';
    const next = { ...transition(r, 'init_failed', 'interrupted', new Date()), initFailure: { code: 'bansky_error' as const, detail } };
    await this.commit(next, this.services('recovery'), 'recovery');
    return next;
  }

  /**
   * Persist, queue the shop's postback (awaited: it must not be lost), then the derived records —
   * analytics (one batch with the caller's other events) and the transaction log — after the
   * answer: neither may slow the shop or Bansky down, and neither throws.
   */
  private async commit(r: PaymentRecord, s: Services, requestId: string, events: AnalyticsEventInput[] = []): Promise<void> {
    await this.ctx.storage.put({ [RECORD]: r, ...indexPendingMarker(r) }); // payments index hook: marker committed with the record
    if (awaitingFirstAttempt(r)) await this.enqueuePostback(r, s);
    const last = r.transitions.at(-1)!;
    const changed: AnalyticsEventInput = { ...eventBase(r, requestId), event_type: 'status_changed', attributes: { reason: last.reason } };
    this.ctx.waitUntil(Promise.all([s.analytics.emit(...events, changed), this.writeTxlog(r, s), syncIndexAfterCommit(this.indexSync(s), r)]));
  }

  /** Payments index hook (issue 12): what src/payments-index/sync.ts needs from this object. */
  private indexSync(s: Services): IndexSyncDeps {
    return { storage: this.ctx.storage, ns: this.env.PAYMENTS_INDEX as unknown as IndexSyncDeps['ns'], log: s.log, nowMs: () => Date.now() };
  }

  private async enqueuePostback(r: PaymentRecord, s: Services): Promise<void> {
    const job: PostbackJob = { paymentId: r.id, webhookId: r.postback.webhookId!, queuedAt: r.postback.queuedAt! };
    try {
      await this.env.POSTBACK_QUEUE.send(job, { contentType: 'json' });
    } catch (err) {
      s.log.error('postback enqueue failed; the alarm retries it', { err, paymentId: r.id });
      await this.ctx.storage.setAlarm(Date.now() + REQUEUE_CHECK_MS);
    }
  }

  private async writeTxlog(r: PaymentRecord, s: Services): Promise<void> {
    await writeTxlog(this.env.KV, r).catch((err) => s.log.error('txlog write failed', { err, paymentId: r.id }));
  }

  private services(requestId: string): Services {
    return buildServices(this.env, { requestId });
  }
}

function replay(r: PaymentRecord, fingerprint: string): InitOutcome {
  return r.fingerprint === fingerprint ? { kind: 'replayed', record: r } : { kind: 'conflict' };
}

function eventBase(r: PaymentRecord, requestId: string) {
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
  };
}
