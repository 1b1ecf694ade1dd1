import { DurableObject } from 'cloudflare:workers';
import type { BanskyPostback } from '../../../generated/api/types.gen';
import type { Env } from '../../env';
import { buildServices, type Services, withLogFields } from '../../services';
import { resultOfPostback } from '../bansky/gateway';
import { toIndexEntry } from '../payments-index/entry';
import { type DeliveryResult, type DeliveryServices, PostbackDelivery } from '../postbacks/delivery';
import { type FlowCall, type FlowServices, PaymentFlow, type PostbackOutcome, type RedeliveryOutcome } from './flow';
import { isFinal, type ListenDelivery, type PaymentRecord, revisionOf } from './record';
import { armedAlarmServes, type IndexState, indexBehind, type NewPayment, nextAlarmAt } from './state';
import type { PaymentStorage } from './storage';

export type InitOutcome = { kind: 'created' | 'replayed' | 'conflict'; record: PaymentRecord };
export type { PostbackOutcome };

type ObjectServices = FlowServices & DeliveryServices;
/** Set only by tests (PaymentObject.withServices); empty in production. */
const servicesForTests = new Map<string, ObjectServices>();

const RECORD = 'payment';
const INDEX = 'payments-index';
/** An init still `created` this long after Bansky's timeout was cut off by an eviction: the alarm finishes it. */
const INIT_GRACE_MS = 60_000;
/** A pending postback's trigger counts as lost this long after it was due (at most one retry interval). */
const MAX_SWEEP_GRACE_MS = 30_000;
/** Listen reports kept per payment: enough for a developer's session, bounded against a noisy tool. */
const MAX_LISTEN_DELIVERIES = 50;

/**
 * One Durable Object per payment, addressed by the payment id (docs/architecture.md#state-a-durable-object-per-payment-kv-for-what-is-read-mostly): strongly consistent
 * from every location and single-threaded — except across an await on fetch, which is why
 * concurrent inits share one in-flight promise. It keeps only what needs the object: storage,
 * that coalescing, and the alarm; the rules live in PaymentFlow.
 */
export class PaymentObject extends DurableObject<Env> {
  private initInFlight: Promise<PaymentRecord> | null = null;
  private deliveryInFlight: Promise<DeliveryResult> | null = null;
  private deliveryRequested = false;
  /** Built from the composition root once per object lifetime (see `withServices` for the tests' seam). */
  private readonly ownServices: ObjectServices;

  /**
   * The tests' seam, given to the object's class rather than written into an object: from now on
   * the object of `id` uses these services (a moved clock, a fake Bansky). Never called in production.
   */
  static withServices(id: DurableObjectId, services: ObjectServices): void {
    servicesForTests.set(id.toString(), services);
  }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ownServices = buildServices(env);
  }

  private get services(): ObjectServices {
    return servicesForTests.get(this.ctx.id.toString()) ?? this.ownServices;
  }

  private readonly storage = durableStorage(
    this.ctx,
    () => this.services,
    () => {
      const attempt = this.deliverPostback();
      this.ctx.waitUntil(attempt);
      return attempt;
    },
  );

  private parts: { for: ObjectServices; flow: PaymentFlow; delivery: PostbackDelivery } | null = null;

  /** The flow and the postback delivery, one each for the object's lifetime (built again only when a test hands the object other services). */
  private get core(): { flow: PaymentFlow; delivery: PostbackDelivery } {
    const services = this.services;
    if (this.parts?.for !== services)
      this.parts = {
        for: services,
        flow: new PaymentFlow(this.storage, services),
        delivery: new PostbackDelivery(this.storage, withLogFields(services, { component: 'postbacks' })),
      };
    return this.parts;
  }

  private get flow(): PaymentFlow {
    return this.core.flow;
  }

  /** What one call into the flow carries: the id of the request (or alarm) it serves, in its logs and events. */
  private call(requestId: string): FlowCall {
    const { log, analytics } = withLogFields(this.services, { requestId });
    return { requestId, log, analytics };
  }

  async get(): Promise<PaymentRecord | null> {
    return this.storage.read();
  }

  /**
   * Creates the payment and calls Bansky once, however many identical requests race. A replay
   * that finds the init cut off by a restart (still `created`, no call in flight) finishes it.
   */
  async init(input: NewPayment & { requestId: string }): Promise<InitOutcome> {
    if (this.initInFlight) return replay(await this.initInFlight, input.fingerprint);
    const existing = await this.get();
    if (this.initInFlight) return replay(await this.initInFlight, input.fingerprint);
    if (existing?.status === 'created' && existing.fingerprint === input.fingerprint) {
      return { kind: 'replayed', record: await this.oneInit(() => this.flow.resume(this.call(input.requestId), existing)) };
    }
    if (existing) return replay(existing, input.fingerprint);
    return { kind: 'created', record: await this.oneInit(() => this.flow.start(this.call(input.requestId), input)) };
  }

  /** Runs a Bansky init (a start or a resume) as the one in flight, which concurrent requests and the alarm share. */
  private async oneInit(run: () => Promise<PaymentRecord>): Promise<PaymentRecord> {
    this.initInFlight = run();
    try {
      return await this.initInFlight;
    } finally {
      this.initInFlight = null;
    }
  }

  applyBanskyPostback(pb: BanskyPostback, requestId: string): Promise<PostbackOutcome> {
    return this.flow.applyBanskyPostback(this.call(requestId), resultOfPostback(pb));
  }

  /** The payment as a pay link must see it: expired first if its time has come (by this object's clock). */
  async expireIfDue(requestId: string): Promise<PaymentRecord | null> {
    const r = await this.storage.read();
    // The pay link's common case, a payment not due to expire: answered without building a flow.
    if (!r || isFinal(r.status) || Date.parse(r.expiresAt) > this.services.clock.now().getTime()) return r;
    return this.flow.expireIfDue(this.call(requestId));
  }

  /**
   * One postback attempt if one is due (from the commit, a queue job or the alarm). Concurrent
   * triggers share one attempt: the shop is never sent the same event twice at once.
   */
  async deliverPostback(webhookId?: string): Promise<DeliveryResult> {
    if (this.deliveryInFlight) {
      this.deliveryRequested = true; // e.g. `paid` right after `expired`: its attempt follows this one
      return this.deliveryInFlight;
    }
    this.deliveryInFlight = (async () => {
      const { delivery } = this.core;
      let result = await delivery.deliverIfDue(webhookId);
      while (this.deliveryRequested) {
        this.deliveryRequested = false;
        result = await delivery.deliverIfDue();
      }
      return result;
    })();
    try {
      return await this.deliveryInFlight;
    } finally {
      this.deliveryInFlight = null;
      this.ctx.waitUntil(this.catchUpIndex());
    }
  }

  private catchUpIndex(): Promise<void> {
    return this.flow
      .catchUpIndex(this.call('postbacks'))
      .catch((err) => this.services.log.warn('payments index catch-up failed; the alarm retries it', { err }));
  }

  /** A queue job's nudge: the attempt runs after this answers (deliverPostback, under waitUntil). */
  requestDelivery(webhookId: string): void {
    this.ctx.waitUntil(this.deliverPostback(webhookId).catch((err) => this.services.log.error('postback delivery crashed', { err })));
  }

  /** The customer came back through our success or error wrapper (see PaymentFlow.customerReturned). */
  customerReturned(via: 'success' | 'error', requestId: string): Promise<PaymentRecord | null> {
    return this.flow.customerReturned(this.call(requestId), via);
  }

  /** The postbacks queue gave up on a job: dead-letter it (operators redeliver from there). */
  async giveUpPostback(webhookId: string): Promise<void> {
    await this.core.delivery.giveUp(webhookId);
    this.ctx.waitUntil(this.catchUpIndex());
  }

  /** A listen session's report of what the shop's local endpoint answered (kept beside the attempts). */
  async recordListenAnswer(d: ListenDelivery): Promise<boolean> {
    const r = await this.storage.read();
    if (r?.mode !== 'test') return false;
    // No await between this read and the write: nothing can interleave.
    await this.storage.write({ ...r, listenDeliveries: [...(r.listenDeliveries ?? []), d].slice(-MAX_LISTEN_DELIVERIES) });
    return true;
  }

  redeliverPostback(requestId: string, opts: { notWithinMs?: number } = {}): Promise<RedeliveryOutcome> {
    return this.flow.redeliverPostback(this.call(requestId), opts);
  }

  /**
   * Expiry of the pay link; safety nets for an init interrupted by eviction, a status check after
   * the customer's return that was lost, and a failed postback enqueue. One alarm: the earliest due.
   */
  override async alarm(): Promise<void> {
    // A record in `created` with no call in flight in this object was cut off by a restart: the
    // shop's request was accepted, so it is finished rather than failed (PaymentFlow.resume).
    const stored = await this.storage.read();
    if (stored?.status === 'created' && !this.initInFlight) await this.oneInit(() => this.flow.resume(this.call('alarm'), stored));
    const postbackPending = await this.flow.onAlarm(this.call('alarm'));
    if (postbackPending) await this.deliverPostback();
  }
}

/**
 * A payment's storage in its object: one record and the alarm it calls for, waitUntil for work
 * after the answer, and a way to start the postback attempt that is due.
 */
function durableStorage(
  ctx: DurableObjectState,
  services: () => Pick<Services, 'config'>,
  deliverSoon: () => Promise<unknown>,
): PaymentStorage {
  const alarmFor = (r: PaymentRecord, index: IndexState | null) => {
    const { config } = services();
    return nextAlarmAt(r, index, {
      initTimeoutMs: config.bansky.timeoutMs + INIT_GRACE_MS,
      sweepGraceMs: Math.min(MAX_SWEEP_GRACE_MS, (config.postbacks.retryScheduleSeconds[0] ?? 30) * 1000),
    });
  };
  // The index state is kept in memory once read (every flow reads the record before it writes, and
  // that read loads both), so `write` never awaits before its put: writes land in the order they
  // were made, each in one batch with the alarm it calls for.
  let stored: StoredIndexState | null | undefined;
  // The highest revision read or written here: `write` stamps the next one even when the caller's
  // copy of the record is older (e.g. read before a postback attempt's fetch).
  let lastRev = 0;
  // The record last read or written here, which `readIndex` answers for.
  let latest: PaymentRecord | null = null;
  // The alarm as this object last set it (undefined: not known), so a write that calls for the time
  // already set, or for none when none is set, does not set it again (each set is a row written).
  let armed: number | null | undefined;
  const loadIndex = async () => {
    if (stored === undefined) stored = (await ctx.storage.get<StoredIndexState>(INDEX)) ?? null;
    return stored;
  };
  const setAlarm = (at: number | null) => {
    // Only an alarm still in the future is known to be set: one that fired is gone.
    if (at === armed && (at === null || at > Date.now())) return Promise.resolve();
    armed = at;
    return at === null ? ctx.storage.deleteAlarm() : ctx.storage.setAlarm(at);
  };
  return {
    read: async () => {
      const [r] = await Promise.all([ctx.storage.get<PaymentRecord>(RECORD), loadIndex()]);
      if (r) lastRev = Math.max(lastRev, revisionOf(r));
      latest = r ?? null;
      return latest;
    },
    write: async (written) => {
      lastRev = Math.max(lastRev, revisionOf(written)) + 1;
      const r: PaymentRecord = { ...written, rev: lastRev };
      latest = r;
      const known = indexFor(r, stored === undefined ? await loadIndex() : stored);
      const at = alarmFor(r, known);
      // e.g. init's `awaiting_payment` a moment after `created` armed its catch-up: that alarm serves.
      const keep = armedAlarmServes(armed, at, indexBehind(r, known), Date.now());
      // No await between the two: the object's storage commits them in one batch.
      await Promise.all([ctx.storage.put(RECORD, r), keep ? Promise.resolve() : setAlarm(at)]);
    },
    readIndex: async () => {
      const s = await loadIndex();
      return latest ? indexFor(latest, s) : s;
    },
    // With the alarm the new state calls for, in the same batch: the commit armed a catch-up alarm
    // for the index (in case this write never happens), and once the index has the version that
    // alarm has nothing to do — left armed, it woke every payment's object once per transition.
    writeIndex: async (s) => {
      const r = await ctx.storage.get<PaymentRecord>(RECORD);
      // The record moved on while this version was written (e.g. the postback delivered during the
      // sync of `paid`), and no retry is booked either side: the index is behind before and after,
      // with the same catch-up time, so storing the version changes nothing; the next sync does.
      if (r && revisionOf(r) > s.version && !s.retryAt && !stored?.retryAt) return;
      const shows = r && revisionOf(r) === s.version ? indexedView(r) : s.version === stored?.version ? stored.shows : undefined;
      stored = shows === undefined ? s : { ...s, shows };
      await Promise.all([ctx.storage.put(INDEX, stored), ...(r ? [setAlarm(alarmFor(r, indexFor(r, stored)))] : [])]);
    },
    // From the alarm: the alarm that woke it is gone, so the time is read back rather than trusted.
    rearm: async () => {
      const [r, s, at] = await Promise.all([ctx.storage.get<PaymentRecord>(RECORD), loadIndex(), ctx.storage.getAlarm()]);
      armed = at;
      if (r) await setAlarm(alarmFor(r, indexFor(r, s)));
    },
    defer: (work) => ctx.waitUntil(work),
    deliverSoon,
  };
}

/**
 * The index state as stored, with what the index and the events log show of the payment at that
 * version (`indexedView`): a later write that changes none of it (a status check booked and
 * cleared, a listen answer) leaves them current, so it needs no index write and no catch-up alarm.
 */
type StoredIndexState = IndexState & { shows?: string };

/** What the payments index row and the events log are built from, without the version. */
const indexedView = (r: PaymentRecord) => JSON.stringify([{ ...toIndexEntry(r), version: 0 }, r.transitions.length]);

/** The index state as it applies to `r`: at `r`'s revision when the index already shows what `r` would. */
function indexFor(r: PaymentRecord, s: StoredIndexState | null): IndexState | null {
  if (!s?.shows || s.version >= revisionOf(r) || s.shows !== indexedView(r)) return s;
  return { ...s, version: revisionOf(r) };
}

function replay(r: PaymentRecord, fingerprint: string): InitOutcome {
  return { kind: r.fingerprint === fingerprint ? 'replayed' : 'conflict', record: r };
}
