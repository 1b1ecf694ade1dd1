import type { Env } from '../env';
import { PAYMENT_ID_PATTERN } from './ids';
import type { PaymentObject } from './payment-object';

/**
 * The Durable Object of a payment, addressed by name = payment id, so any location reaches the
 * same object right after init (no KV propagation in the path of the pay link).
 */
export function paymentObject(env: Env, paymentId: string): DurableObjectStub<PaymentObject> {
  const ns = env.PAYMENTS as unknown as DurableObjectNamespace<PaymentObject>;
  return ns.get(ns.idFromName(paymentId));
}

/** Ids that cannot exist never wake an object. */
export const isPaymentId = (id: string) => PAYMENT_ID_PATTERN.test(id);
