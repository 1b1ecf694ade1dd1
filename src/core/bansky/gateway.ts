import type { BanskyPostback, Mode } from '../../../generated/api/types.gen';

/**
 * What the payment core needs from the upstream provider, in our own terms. Every Bansky detail
 * (its URLs, request fields, token, signature scheme) stays behind this interface in the HTTP
 * adapter (http-gateway.ts), as each connector's mapping stays out of a payment core.
 */
export interface BanskyGateway {
  /**
   * Starts Bansky's checkout for a payment; throws BanskyFailure with a shop-safe detail.
   * Idempotent on the payment id (Bansky's contract): calling it again for the same payment
   * answers the checkout already made.
   */
  startCheckout(payment: CheckoutRequest): Promise<{ url: string; latencyMs: number }>;
  /**
   * What Bansky knows of a payment (null: Bansky has none by this id). Throws BanskyFailure when
   * Bansky cannot say; callers then carry on as if they had not asked.
   */
  lookupPayment(mode: Mode, paymentId: string): Promise<BanskyResult | null>;
  /** True when a postback's raw body carries Bansky's valid signature. */
  verifyPostback(rawBody: ArrayBuffer | Uint8Array, signatureHeader: string | undefined): Promise<boolean>;
}

/** What the HTTP adapter needs to reach Bansky (config `bansky`: Worker vars and secrets). */
export interface BanskySettings {
  testBaseUrl: string;
  liveBaseUrl: string;
  apiToken: string;
  /** Every secret that verifies Bansky's postbacks (two during a rotation). */
  postbackSecrets: string[];
  timeoutMs: number;
}

export interface CheckoutRequest {
  id: string;
  mode: Mode;
  email: string;
  name: string | null;
  /** The canonical decimal string (src/core/payments/amount.ts). */
  amount: string;
  currency: string;
  type: 'fiat' | 'crypto';
}

/**
 * What Bansky says of a payment, in our terms: one shape whether it came from a verified postback
 * (`resultOfPostback`) or a status lookup (`lookupPayment`), so the flow applies both one way.
 */
export interface BanskyResult {
  status: 'pending' | 'paid' | 'failed' | 'expired';
  amount: string;
  currency: string;
  transactionId: string | null;
  /** The checkout page, while the customer can still pay on it. */
  checkoutUrl: string | null;
}

/** A postback whose signature the Worker verified, in our terms. */
export function resultOfPostback(pb: BanskyPostback): BanskyResult {
  return { status: pb.status, amount: pb.amount, currency: pb.currency, transactionId: pb.transactionId ?? null, checkoutUrl: null };
}

export class BanskyFailure extends Error {
  constructor(
    readonly code: 'bansky_error' | 'bansky_timeout',
    readonly detail: string,
    readonly httpStatus: number | null,
  ) {
    super(detail);
    this.name = 'BanskyFailure';
  }
}
