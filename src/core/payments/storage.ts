import type { PaymentRecord } from './record';
import type { IndexState } from './state';

/**
 * One payment's storage as the flow and the postback delivery need it, in a module of its own so
 * postbacks/ depends on storage, not on the flow. The Durable Object implements it over its own
 * storage: `write` stores the record together with the alarm the record calls for
 * (state.ts `nextAlarmAt`) in one batch; `defer` keeps work alive after the answer
 * (ctx.waitUntil); `deliverSoon` starts the postback attempt that is due, after the answer, and
 * settles when that attempt has been recorded.
 */
export interface PaymentStorage {
  read(): Promise<PaymentRecord | null>;
  write(r: PaymentRecord): Promise<void>;
  /** The payments index's view of this payment (its own key: see state.ts `IndexState`). */
  readIndex(): Promise<IndexState | null>;
  /** Stores the index state and re-arms the alarm for it (without writing the record). */
  writeIndex(s: IndexState): Promise<void>;
  /** Sets the alarm the stored record (and index state) call for, without writing the record. */
  rearm(): Promise<void>;
  defer(work: Promise<unknown>): void;
  deliverSoon(): Promise<unknown>;
}
