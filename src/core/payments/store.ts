import { readWithOneRetry } from '../../platform/transient';
import { PAYMENT_ID_PATTERN } from './ids';
import type { PaymentObject } from './payment-object';
import type { PaymentRecord } from './record';

/** Ids that cannot exist never wake an object. */
export const isPaymentId = (id: string) => PAYMENT_ID_PATTERN.test(id);

/**
 * The payments: one Durable Object each, addressed by name = payment id, so any location reaches
 * the same object right after init (no KV propagation in the path of the pay link).
 */
export class PaymentStore {
  constructor(private readonly ns: DurableObjectNamespace<PaymentObject>) {}

  object(paymentId: string): DurableObjectStub<PaymentObject> {
    return this.ns.get(this.ns.idFromName(paymentId));
  }

  /** The payment, or null for an unknown or impossible id (without waking an object). A read, so tried twice on a transient failure. */
  async get(paymentId: string): Promise<PaymentRecord | null> {
    return isPaymentId(paymentId) ? readWithOneRetry(() => this.object(paymentId).get()) : null;
  }
}
