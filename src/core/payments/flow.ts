import { type AnalyticsEventInput, paymentEventFields } from '../../insight/analytics/events';
import type { Services } from '../../services';
import { BanskyFailure, type BanskyResult } from '../bansky/gateway';
import { sameAmount } from './amount';
import { isFinal, type PaymentRecord, revisionOf, wantsPostback } from './record';
import {
  canTransition,
  indexBehind,
  indexRetryDelayMs,
  type NewPayment,
  needsLateCheck,
  newRecord,
  STATUS_CHECK_AFTER_RETURN_MS,
  statusCheckRetryMs,
  transition,
} from './state';
import type { PaymentStorage } from './storage';

export type PostbackOutcome =
  | { kind: 'not_found' }
  | { kind: 'mismatch'; detail: string }
  | { kind: 'accepted' | 'ignored'; status: PaymentRecord['status'] };

export type RedeliveryOutcome = { ok: true; webhookId: string } | { ok: false; reason: string; retryAfterSeconds?: number } | null;

/** What the payment orchestration uses, and nothing else. */
export type FlowServices = Pick<
  Services,
  'bansky' | 'clock' | 'config' | 'events' | 'listen' | 'paymentsIndex' | 'postbackDeadLetters' | 'txlog'
>;

/**
 * One call into the flow: the request, alarm or postback attempt it serves. Its log lines and
 * analytics events carry that id; the flow itself lives as long as the payment's object.
 */
export type FlowCall = { requestId: string } & Pick<Services, 'analytics' | 'log'>;

/**
 * How long the index row of a final state waits for the postback attempt started with it, so one
 * write carries both (shops' endpoints mostly answer well within it); the events log never waits.
 */
const INDEX_WAITS_FOR_ATTEMPT_MS = 1_000;
/** Waits until `work` settles or `ms` pass, whichever is first (the timer goes with it, so no wait outlives it). */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([
      work.then(
        () => undefined,
        () => undefined,
      ),
      timeUp,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The payment orchestration (docs/architecture.md#payments, #postbacks): start a payment and call Bansky once, apply
 * Bansky's result, expire, redeliver (postback attempts: src/core/postbacks/delivery.ts). Plain code over a PaymentStorage
 * and the services — time from the clock, Bansky through its gateway — so it runs the same in
 * the Durable Object and in tests with a fake clock or gateway.
 */
export class PaymentFlow {
  /** The payments index sync in flight, which the catch-up after a postback attempt joins. */
  private indexSync: Promise<void> | null = null;
  /** The due time of a booked status check that Bansky answered in this object's lifetime (see `runStatusCheck`). */
  private answeredCheckDueAt: string | null = null;

  constructor(
    private readonly storage: PaymentStorage,
    private readonly s: FlowServices,
  ) {}

  private now(): Date {
    return this.s.clock.now();
  }

  /** Records the payment before Bansky is called, then asks Bansky for its checkout. */
  async start(call: FlowCall, input: NewPayment): Promise<PaymentRecord> {
    const r = newRecord(input, this.now(), this.s.config.payLinkTtlSeconds);
    // Recorded before Bansky is called, with an alarm that finishes it (resume below) if this
    // object is evicted mid-call: a crash cannot lose the payment or leave it half-started.
    await this.storage.write(r);
    return this.startCheckout(call, r, [{ ...fields(r, call), event_type: 'payment_created', email: r.email, occurred_at: r.createdAt }]);
  }

  /**
   * Finishes an init whose Bansky call was cut off (a record left in `created` with no call in
   * flight: the object restarted mid-call), for a replay of the same request or the alarm. Bansky
   * may have made the checkout before the cut: it is asked by our id, and its checkout is adopted
   * (or its final result applied). When it has none to reuse, init is called again with the same
   * id, which Bansky's contract makes idempotent: never a second checkout for one payment.
   */
  async resume(call: FlowCall, r: PaymentRecord): Promise<PaymentRecord> {
    if (r.status !== 'created') return r;
    call.log.warn('finishing an init cut off by a restart', { paymentId: r.id });
    let view: BanskyResult | null = null;
    try {
      view = await this.s.bansky.lookupPayment(r.mode, r.id);
    } catch (err) {
      // Unknown: init again, which answers the checkout Bansky may already have.
      call.log.warn('bansky status check failed; calling init again', {
        paymentId: r.id,
        err: err instanceof Error ? err.message : String(err),
      });
    }
    const same = view !== null && view.currency === r.currency && sameAmount(view.amount, r.amount);
    const checked: AnalyticsEventInput = {
      ...fields(r, call),
      event_type: 'bansky_status_checked',
      attributes: { why: 'interrupted init', reported: view?.status ?? 'unknown' },
    };
    if (view && same && (view.status === 'paid' || view.status === 'failed')) {
      const next = {
        ...transition(r, view.status, 'bansky status check (interrupted init)', this.now()),
        banskyTransactionId: view.transactionId,
      };
      await this.commit(call, next, [{ ...checked, attributes: { ...checked.attributes, applied: true } }]);
      return next;
    }
    if (view && same && view.status === 'pending' && view.checkoutUrl) {
      const next = {
        ...transition(r, 'awaiting_payment', 'bansky accepted (found after an interrupted init)', this.now()),
        banskyUrl: view.checkoutUrl,
      };
      await this.commit(call, next, [checked]);
      return next;
    }
    if (view && !same) call.log.error('bansky holds this payment id with another amount; init again is refused', { paymentId: r.id });
    return this.startCheckout(call, r, [checked], 'after an interrupted init');
  }

  /** Asks Bansky for the checkout and commits the answer: awaiting_payment with its URL, or init_failed. */
  private async startCheckout(
    call: FlowCall,
    created: PaymentRecord,
    events: AnalyticsEventInput[],
    note?: string,
  ): Promise<PaymentRecord> {
    let r = created;
    try {
      const checkout = await this.s.bansky.startCheckout(r);
      r = {
        ...transition(r, 'awaiting_payment', note ? `bansky accepted (${note})` : 'bansky accepted', this.now()),
        banskyUrl: checkout.url,
      };
      events.push({ ...fields(r, call), event_type: 'bansky_init_ok', latency_ms: checkout.latencyMs });
    } catch (err) {
      const failure =
        err instanceof BanskyFailure ? err : new BanskyFailure('bansky_error', 'The payment provider could not start this payment.', null);
      if (!(err instanceof BanskyFailure)) call.log.error('bansky init crashed', { err, paymentId: r.id });
      else call.log.warn('bansky init failed', { paymentId: r.id, code: failure.code, httpStatus: failure.httpStatus });
      r = { ...transition(r, 'init_failed', failure.code, this.now()), initFailure: { code: failure.code, detail: failure.detail } };
      events.push({
        ...fields(r, call),
        event_type: 'bansky_init_failed',
        http_status: failure.httpStatus,
        attributes: { code: failure.code },
      });
    }
    await this.commit(call, r, events);
    return r;
  }

  /** Bansky's postback (verified, in our terms): applied as any result of Bansky's is (`apply`). */
  async applyBanskyPostback(call: FlowCall, result: BanskyResult): Promise<PostbackOutcome> {
    const r = await this.storage.read();
    if (!r) return { kind: 'not_found' };
    const event: AnalyticsEventInput = {
      ...fields(r, call),
      event_type: 'bansky_postback_received',
      attributes: { reported: result.status },
    };
    const reason = r.status === 'expired' ? 'bansky postback after expiry' : 'bansky postback';
    const applied = await this.apply(call, r, result, reason, event);
    if (applied.kind === 'mismatch') {
      // After the answer: the emitter holds events up to a second to batch them, and Bansky need not wait for that.
      this.storage.defer(call.analytics.emit({ ...event, attributes: { reported: result.status, applied: false, reason: 'mismatch' } }));
      return applied;
    }
    if (applied.kind === 'ignored') {
      this.storage.defer(
        call.analytics.emit({ ...event, attributes: { reported: result.status, applied: false, reason: 'already final' } }),
      );
      return { kind: 'ignored', status: r.status };
    }
    if (r.status === 'expired')
      call.log.warn('bansky confirmed a payment after its link expired', { paymentId: r.id, reported: result.status });
    return { kind: 'accepted', status: applied.record.status };
  }

  /**
   * Bansky's result applied to the payment, whether a postback or a status lookup brought it:
   * checked against the payment (amount and currency), idempotent, and final states never change
   * (see state.ts on expired → paid). Committed with `event` marked applied.
   */
  private async apply(
    call: FlowCall,
    r: PaymentRecord,
    result: BanskyResult,
    reason: string,
    event: AnalyticsEventInput,
  ): Promise<{ kind: 'mismatch'; detail: string } | { kind: 'ignored' } | { kind: 'accepted'; record: PaymentRecord }> {
    if (result.currency !== r.currency || !sameAmount(result.amount, r.amount)) {
      const what = result.currency !== r.currency ? `currency ${result.currency}` : `amount ${result.amount}`;
      return { kind: 'mismatch', detail: `${what} does not match the payment's ${r.amount} ${r.currency}.` };
    }
    if (result.status === 'pending' || r.status === result.status || !canTransition(r.status, result.status)) return { kind: 'ignored' };
    const next = {
      ...transition(r, result.status, reason, this.now()),
      banskyTransactionId: result.transactionId ?? r.banskyTransactionId,
    };
    await this.commit(call, next, [{ ...event, attributes: { ...event.attributes, applied: true } }]);
    return { kind: 'accepted', record: next };
  }

  /**
   * Moves a payment whose pay link has expired to `expired` (and queues its postback) — after
   * asking Bansky, so a payment whose postback was lost is found paid instead of expired.
   */
  async expireIfDue(call: FlowCall): Promise<PaymentRecord | null> {
    const r = await this.storage.read();
    if (!r || isFinal(r.status) || Date.parse(r.expiresAt) > this.now().getTime()) return r;
    const checked = r.status === 'awaiting_payment' ? await this.reconcile(call, r, 'pay link expiry') : r;
    if (checked.status !== r.status || isFinal(checked.status)) return checked;
    const next = transition(checked, 'expired', 'pay link expired', this.now());
    await this.commit(call, next);
    return next;
  }

  /**
   * The customer is back from Bansky: on the success path, ask Bansky now rather than wait for its
   * postback. The check runs after the answer; that it is due is stored first (with the alarm, one
   * batch), so a restart that drops it, or Bansky not answering, leaves it to the alarm. The
   * return's own analytics event is sent from here, in the check's message when there is one.
   */
  async customerReturned(call: FlowCall, via: 'success' | 'error'): Promise<PaymentRecord | null> {
    const r = await this.storage.read();
    if (!r) return null;
    const returned: AnalyticsEventInput = {
      ...fields(r, call),
      event_type: 'customer_returned',
      occurred_at: this.now().toISOString(),
      attributes: { via },
    };
    if (via !== 'success' || r.status !== 'awaiting_payment') {
      this.storage.defer(call.analytics.emit(returned));
      return r;
    }
    const dueAt = new Date(this.now().getTime() + STATUS_CHECK_AFTER_RETURN_MS).toISOString();
    const due: PaymentRecord = { ...r, statusCheck: { dueAt, attempts: r.statusCheck?.attempts ?? 0 } };
    await this.storage.write(due); // no await since the read: nothing can interleave
    // The return's event rides in the status check's Queue message (one message, not two).
    const check = carrying(call, returned);
    this.storage.defer(this.runStatusCheck(check, due, 'customer returned', false).finally(check.flush));
    return due;
  }

  /**
   * Runs the due status check and settles its flag: cleared once Bansky answered (whatever it
   * reported) or the payment is final; after a failed try from the alarm, the next try is booked
   * with backoff until the tries are used up. A failed try after the answer leaves the booked alarm.
   */
  private async runStatusCheck(call: FlowCall, r: PaymentRecord, why: string, fromAlarm: boolean): Promise<void> {
    const { answered } = r.status === 'awaiting_payment' ? await this.checkStatus(call, r, why) : { answered: true };
    const current = await this.storage.read(); // no await between this read and the write below
    if (!current?.statusCheck) return; // e.g. the check found the payment final: that write cleared it
    if (answered && !fromAlarm && current.status === 'awaiting_payment') {
      // Not cleared by a write of its own (two rows): Bansky's postback usually makes the payment
      // final within the booking's few seconds, and that write clears it (state.ts `transition`);
      // otherwise its alarm clears it without asking Bansky again, while this object remembers.
      this.answeredCheckDueAt = current.statusCheck.dueAt;
      return;
    }
    if (answered || current.status !== 'awaiting_payment') {
      await this.storage.write({ ...current, statusCheck: null });
      return;
    }
    if (!fromAlarm) return;
    const attempts = current.statusCheck.attempts + 1;
    const wait = statusCheckRetryMs(attempts);
    if (wait === null) call.log.warn('bansky status check still failing; left to the pay link expiry check', { paymentId: r.id, attempts });
    const dueAt = wait === null ? null : new Date(this.now().getTime() + wait).toISOString();
    await this.storage.write({ ...current, statusCheck: dueAt ? { dueAt, attempts } : null });
  }

  /**
   * Asks Bansky what it knows of the payment and applies a final result it reports, exactly as
   * its postback would have been applied. Bansky unreachable or undecided: nothing changes.
   */
  async reconcile(call: FlowCall, r: PaymentRecord, why: string): Promise<PaymentRecord> {
    return (await this.checkStatus(call, r, why)).record;
  }

  /** `reconcile`, and whether Bansky answered at all (a status check that must be tried again when not). */
  private async checkStatus(call: FlowCall, r: PaymentRecord, why: string): Promise<{ record: PaymentRecord; answered: boolean }> {
    let view: BanskyResult | null;
    try {
      view = await this.s.bansky.lookupPayment(r.mode, r.id);
    } catch (err) {
      call.log.warn('bansky status check failed; carrying on without it', {
        paymentId: r.id,
        why,
        err: err instanceof Error ? err.message : String(err),
      });
      return { record: r, answered: false };
    }
    const current = (await this.storage.read()) ?? r; // the postback may have landed while we asked
    // Built from the record as it is now: an event sent after a transition must not carry the
    // status from before it (the reports take a payment's latest event's status as its state).
    const event: AnalyticsEventInput = {
      ...fields(current, call),
      event_type: 'bansky_status_checked',
      attributes: { why, reported: view?.status ?? 'unknown' },
    };
    // A lookup settles a payment only when Bansky reports it paid or failed; its pending and expired are not results.
    if (!view || (view.status !== 'paid' && view.status !== 'failed') || !canTransition(current.status, view.status)) {
      this.storage.defer(call.analytics.emit(event));
      return { record: current, answered: true };
    }
    const applied = await this.apply(call, current, view, `bansky status check (${why})`, event);
    if (applied.kind === 'mismatch') {
      call.log.error('bansky reports another amount for this payment; not applied', { paymentId: r.id, why });
      this.storage.defer(call.analytics.emit({ ...event, attributes: { ...event.attributes, applied: false, reason: 'mismatch' } }));
    }
    return { record: applied.kind === 'accepted' ? applied.record : current, answered: true };
  }

  /**
   * Sends the final-state postback again, same webhook-id: an operator's redelivery, or a shop's
   * resend, which `notWithinMs` limits per payment (checked here, where two requests cannot race).
   */
  async redeliverPostback(call: FlowCall, opts: { notWithinMs?: number } = {}): Promise<RedeliveryOutcome> {
    const r = await this.storage.read();
    if (!r) return null;
    if (!wantsPostback(r)) return { ok: false, reason: 'The payment has no shop transaction id or postback URL.' };
    if (!r.postback.webhookId) return { ok: false, reason: `The payment is ${r.status}: there is no final-state postback to send.` };
    const sinceQueuedMs = r.postback.queuedAt ? this.now().getTime() - Date.parse(r.postback.queuedAt) : Infinity;
    if (opts.notWithinMs && sinceQueuedMs < opts.notWithinMs) {
      const retryAfterSeconds = Math.ceil((opts.notWithinMs - sinceQueuedMs) / 1000);
      return {
        ok: false,
        reason: `This postback was queued ${Math.floor(sinceQueuedMs / 1000)} s ago; resend again in ${retryAfterSeconds} s.`,
        retryAfterSeconds,
      };
    }
    const at = this.now().toISOString();
    const next: PaymentRecord = {
      ...r,
      postback: { ...r.postback, status: 'pending', queuedAt: at, nextAttemptAt: at, deadLetterKey: null },
    };
    await this.storage.write(next); // before any other await: nothing can interleave between read and write
    if (r.postback.deadLetterKey) await this.s.postbackDeadLetters.remove(r.postback.deadLetterKey);
    this.storage.defer(this.syncIndex(call, next, false, this.storage.deliverSoon()));
    return { ok: true, webhookId: r.postback.webhookId };
  }

  /** After a postback attempt (which adds no transition): the index's postback columns follow it now, the alarm being the fallback. */
  async catchUpIndex(call: FlowCall): Promise<void> {
    // When the commit's sync is still waiting for this attempt, syncIndex runs after it and finds nothing left to write.
    const r = await this.storage.read();
    if (r && indexBehind(r, await this.storage.readIndex())) await this.syncIndex(call, r);
  }

  /**
   * The alarm (after the object finished an interrupted init, see PaymentObject.alarm): run a
   * status check booked on the customer's return that did not complete, expire the pay link, and sweep a pending postback whose trigger was lost (the object attempts it itself).
   * Re-arms itself from the record.
   */
  async onAlarm(call: FlowCall): Promise<boolean> {
    const stored = await this.storage.read();
    if (!stored) return false;
    if (needsLateCheck(stored) && Date.parse(stored.expiresAt) <= this.now().getTime()) {
      const checked = await this.reconcile(call, stored, 'init timed out');
      const current = await this.storage.read(); // no await between this read and the write below
      if (current?.status === 'init_failed' && checked.status === 'init_failed')
        await this.storage.write({ ...current, lateCheckAt: this.now().toISOString() });
    }
    // A status check booked when the customer returned, whose run after the answer was lost or failed.
    const booked = await this.storage.read();
    if (booked?.statusCheck && Date.parse(booked.statusCheck.dueAt) <= this.now().getTime()) {
      if (booked.statusCheck.dueAt === this.answeredCheckDueAt) await this.storage.write({ ...booked, statusCheck: null });
      else await this.runStatusCheck(call, booked, 'customer returned (alarm)', true);
    }
    const r = await this.expireIfDue(call);
    if (r && indexBehind(r, await this.storage.readIndex())) await this.syncIndex(call, r, true);
    await this.storage.rearm(); // for what is left, without rewriting the record
    return (await this.storage.read())?.postback.status === 'pending';
  }

  /**
   * Brings the payment's row in the shop's payments index up to this record's version. Run after
   * every commit (the answer does not wait for it) and by the alarm until it succeeds; the shard
   * ignores a version it already has, so repeats are harmless. With `attempt` (a postback attempt
   * the commit started), the events log is written at once — a shop may look its event up while
   * its endpoint answers — and the index row once that attempt is recorded, at most
   * `INDEX_WAITS_FOR_ATTEMPT_MS` later: one index write carries both the new state and the
   * delivery's outcome, where two followed each other.
   */
  private syncIndex(call: FlowCall, written: PaymentRecord, fromAlarm = false, attempt?: Promise<unknown>): Promise<void> {
    const previous = this.indexSync;
    const sync = (async () => {
      // One sync at a time: after the one in flight (e.g. waiting for an attempt when the alarm
      // comes), only what it left behind is written.
      if (previous) {
        await previous;
        const r = await this.storage.read();
        if (!r || !indexBehind(r, await this.storage.readIndex())) return;
      }
      await this.writeIndex(call, written, fromAlarm, attempt);
    })().finally(() => {
      if (this.indexSync === sync) this.indexSync = null;
    });
    this.indexSync = sync;
    return sync;
  }

  private async writeIndex(call: FlowCall, written: PaymentRecord, fromAlarm: boolean, attempt?: Promise<unknown>): Promise<void> {
    try {
      // The stored record, not the caller's copy: the storage stamps each write's revision.
      const first = (await this.storage.read()) ?? written;
      // The events log rides with the index: written (and caught up by the alarm) together.
      const logged = this.s.events.record(first);
      let r = first;
      if (attempt) {
        await settledWithin(attempt, INDEX_WAITS_FOR_ATTEMPT_MS);
        r = (await this.storage.read()) ?? first;
      }
      // A transition during the wait (e.g. expired, then paid) has its own event to log.
      const events =
        r.transitions.length === first.transitions.length ? logged : logged.then(async (a) => [...a, ...(await this.s.events.record(r))]);
      const [, added] = await Promise.all([this.s.paymentsIndex.record(r), events]);
      // New test-mode events also go to the shop's `aimbrellapay listen` sessions (normal delivery is separate).
      if (added.length > 0 && r.mode === 'test')
        this.storage.defer(this.s.listen.push(r.shopId, r.mode, added).catch((err) => call.log.warn('listen push failed', { err })));
      const index = await this.storage.readIndex();
      if (indexBehind(r, index)) await this.storage.writeIndex({ version: revisionOf(r), retryAt: null, attempts: 0 });
    } catch (err) {
      call.log.warn('payments index write failed; the alarm retries it', { err, paymentId: written.id });
      if (fromAlarm) {
        const index = await this.storage.readIndex();
        const attempts = (index?.attempts ?? 0) + 1;
        const retryAt = new Date(this.now().getTime() + indexRetryDelayMs(attempts)).toISOString();
        await this.storage.writeIndex({ version: index?.version ?? 0, retryAt, attempts });
      }
    }
  }

  /**
   * Persist, queue the shop's postback (awaited: it must not be lost), then the derived records —
   * analytics (one batch with the caller's other events) and the transaction log — after the
   * answer: neither may slow the shop or Bansky down, and neither throws.
   */
  private async commit(call: FlowCall, r: PaymentRecord, events: AnalyticsEventInput[] = []): Promise<void> {
    await this.storage.write(r); // the postback's due time is stored with it: the alarm sweeps it if the attempt below is lost
    const attempt = r.postback.status === 'pending' ? this.storage.deliverSoon() : undefined;
    const last = r.transitions.at(-1)!;
    const changed: AnalyticsEventInput = { ...fields(r, call), event_type: 'status_changed', attributes: { reason: last.reason } };
    const txlog = this.s.txlog.write(r).catch((err) => call.log.error('txlog write failed', { err, paymentId: r.id }));
    this.storage.defer(Promise.all([call.analytics.emit(...events, changed), txlog, this.syncIndex(call, r, false, attempt)]));
  }
}

/**
 * `call`, whose next analytics message also carries `event` (so two events of one request go in one
 * Queue message); `flush` sends it alone if nothing was sent, so it is never dropped.
 */
function carrying(call: FlowCall, event: AnalyticsEventInput): FlowCall & { flush: () => Promise<void> } {
  let pending: AnalyticsEventInput[] = [event];
  const take = () => {
    const out = pending;
    pending = [];
    return out;
  };
  return {
    ...call,
    analytics: { emit: (...inputs) => call.analytics.emit(...take(), ...inputs), withLogger: (log) => call.analytics.withLogger(log) },
    flush: async () => {
      const left = take();
      if (left.length) await call.analytics.emit(...left);
    },
  };
}

function fields(r: PaymentRecord, call: FlowCall) {
  return paymentEventFields(r, call.requestId);
}
