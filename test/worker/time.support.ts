/**
 * Moving time in tests: a clock the test advances, handed to a payment's Durable Object (its
 * services are given through PaymentObject.withServices) or to a consumer run, so no test sleeps and
 * no test rewrites stored state to pretend time passed.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { BanskyGateway } from '../../src/core/bansky/gateway';
import type { PaymentObject } from '../../src/core/payments/payment-object';
import type { Clock } from '../../src/platform/lib/clock';
import { buildServices, type Services } from '../../src/services';

export class FakeClock implements Clock {
  private at: number;
  constructor(start: Date | number = Date.now()) {
    this.at = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): this {
    this.at += ms;
    return this;
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function paymentStub(id: string): DurableObjectStub<PaymentObject> {
  return env.PAYMENTS.get(env.PAYMENTS.idFromName(id));
}

/** The services the Worker would build, with this clock (and optionally another Bansky). */
export function servicesWith(overrides: { clock?: Clock; bansky?: BanskyGateway }): Services {
  return buildServices(env, overrides);
}

/** From now on the payment's object reads time from `clock` (and talks to `bansky` when given). */
export async function useInPaymentObject(id: string, overrides: { clock?: Clock; bansky?: BanskyGateway }): Promise<void> {
  // The class the runtime built the object from (the Worker's module instance), given the services.
  await runInDurableObject(paymentStub(id), async (instance: PaymentObject, state) => {
    (instance.constructor as typeof PaymentObject).withServices(state.id, servicesWith(overrides));
  });
}
