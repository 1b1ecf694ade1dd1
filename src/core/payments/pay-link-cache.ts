import type { Clock } from '../../platform/lib/clock';
import { TtlCache } from '../../platform/lib/ttl-cache';
import type { PaymentRecord } from './record';

/** How long an isolate may answer a pay link from memory: a reload or double click, not a session. */
export const PAY_LINK_CACHE_SECONDS = 5;

/**
 * The pay links this isolate answered in the last few seconds, for payments still awaiting
 * payment: a repeated open redirects to Bansky without waking the payment's object. Only a
 * redirect is ever answered from here, never a final page, and never past the link's expiry.
 * Every request in this isolate that sees the payment change (Bansky's postback, the customer's
 * return) forgets the entry at once; another location may send a customer to Bansky's checkout
 * for up to PAY_LINK_CACHE_SECONDS after the payment became final, and Bansky's own page then
 * says the checkout is complete. A disabled shop is still checked on every open.
 */
export interface RememberedLink {
  record: PaymentRecord;
  /** Bansky's checkout, already checked as a safe Location. */
  location: string;
}

export class PayLinkCache {
  private readonly entries: TtlCache<string, RememberedLink>;

  constructor(private readonly clock: Clock) {
    this.entries = new TtlCache(10_000, PAY_LINK_CACHE_SECONDS * 1000, clock);
  }

  /** The payment as last seen here, when it was awaiting payment and its link has not expired. */
  get(paymentId: string): RememberedLink | undefined {
    const hit = this.entries.get(paymentId);
    if (hit && Date.parse(hit.record.expiresAt) <= this.clock.now().getTime()) {
      this.entries.delete(paymentId);
      return undefined;
    }
    return hit;
  }

  remember(record: PaymentRecord, location: string): void {
    if (record.status === 'awaiting_payment') this.entries.set(record.id, { record, location });
    else this.entries.delete(record.id);
  }

  forget(paymentId: string): void {
    this.entries.delete(paymentId);
  }
}
