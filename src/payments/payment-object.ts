import { DurableObject } from 'cloudflare:workers';
import type { BanskyPostback, PostbackAttempt } from '../../generated/api/types.gen';
import type { Env } from '../env';
import { buildServices, type Services, withLogFields } from '../services';
import { PaymentFlow, type PaymentStorage, type PostbackOutcome, type RedeliveryOutcome } from './flow';
import type { PaymentRecord } from './record';
import type { AttemptOutcome, NewPayment } from './state';

export type InitOutcome = { kind: 'created' | 'replayed'; record: PaymentRecord } | { kind: 'conflict' };
export type { PostbackOutcome };

const RECORD = 'payment';

/**
 * One Durable Object per payment, addressed by the payment id (DESIGN §4): strongly consistent
 * from every location and single-threaded — except across an await on fetch, which is why
 * concurrent inits share one in-flight promise. It keeps only what needs the object: storage,
 * that coalescing, and the alarm; the rules live in PaymentFlow.
 */
export class PaymentObject extends DurableObject<Env> {
  private initInFlight: Promise<PaymentRecord> | null = null;
  /** From the composition root; tests replace it (runInDurableObject) to move the clock or fake Bansky. */
  services: Services = buildServices(this.env);

  private readonly storage = durableStorage(this.ctx);

  private flow(requestId: string): PaymentFlow {
    return new PaymentFlow(this.storage, withLogFields(this.services, { requestId }), requestId);
  }

  async get(): Promise<PaymentRecord | null> {
    return this.storage.read();
  }

  /** Creates the payment and calls Bansky exactly once, however many identical requests race. */
  async init(input: NewPayment & { requestId: string }): Promise<InitOutcome> {
    if (this.initInFlight) return replay(await this.initInFlight, input.fingerprint);
    const existing = await this.get();
    if (this.initInFlight) return replay(await this.initInFlight, input.fingerprint);
    if (existing) return replay(await this.flow(input.requestId).settleInterrupted(existing), input.fingerprint);
    this.initInFlight = this.flow(input.requestId).start(input);
    try {
      return { kind: 'created', record: await this.initInFlight };
    } finally {
      this.initInFlight = null;
    }
  }

  applyBanskyPostback(pb: BanskyPostback, requestId: string): Promise<PostbackOutcome> {
    return this.flow(requestId).applyBanskyPostback(pb);
  }

  /** The payment as a pay link must see it: expired first if its time has come (by this object's clock). */
  expireIfDue(requestId: string): Promise<PaymentRecord | null> {
    return this.flow(requestId).expireIfDue();
  }

  recordPostbackAttempt(attempt: Omit<PostbackAttempt, 'attempt'>, outcome: AttemptOutcome, deadLetterKey: string | null = null): Promise<PaymentRecord | null> {
    return this.flow('postbacks').recordPostbackAttempt(attempt, outcome, deadLetterKey);
  }

  markDeadLettered(deadLetterKey: string): Promise<void> {
    return this.flow('postbacks').markDeadLettered(deadLetterKey);
  }

  redeliverPostback(requestId: string): Promise<RedeliveryOutcome> {
    return this.flow(requestId).redeliverPostback();
  }

  /** Expiry of the pay link; safety nets for an init interrupted by eviction and a failed postback enqueue. */
  override async alarm(): Promise<void> {
    await this.flow('alarm').onAlarm(this.initInFlight !== null);
  }
}

/** A payment's storage in its object: one record, the object's alarm, waitUntil for after the answer. */
export function durableStorage(ctx: DurableObjectState): PaymentStorage {
  return {
    read: async () => (await ctx.storage.get<PaymentRecord>(RECORD)) ?? null,
    // No await between the two: the object's storage commits them in one batch.
    write: (r, alarmAt) => Promise.all([ctx.storage.put(RECORD, r), alarmAt === undefined ? null : ctx.storage.setAlarm(alarmAt)]).then(() => {}),
    setAlarm: (at) => ctx.storage.setAlarm(at),
    defer: (work) => ctx.waitUntil(work),
  };
}

function replay(r: PaymentRecord, fingerprint: string): InitOutcome {
  return r.fingerprint === fingerprint ? { kind: 'replayed', record: r } : { kind: 'conflict' };
}
