import type { Mode } from '../../generated/api/types.gen';
import type { Env } from '../env';
import { paymentObject } from '../payments/store';

/** At most one shop-initiated resend per payment per minute (checked inside the payment's object). */
export const RESEND_INTERVAL_MS = 60_000;

export type ResendOutcome =
  | { kind: 'queued'; webhookId: string }
  | { kind: 'not_found' }
  | { kind: 'not_redeliverable'; reason: string }
  | { kind: 'rate_limited'; reason: string; retryAfterSeconds: number };

/** The shop's "send the final postback again": same webhook-id; shared by the API and the app. */
export async function resendShopPostback(env: Env, shopId: string, mode: Mode, paymentId: string, requestId: string): Promise<ResendOutcome> {
  const payment = paymentObject(env, paymentId);
  const r = await payment.get();
  // Another shop's or the other mode's payment is indistinguishable from a missing one.
  if (!r || r.shopId !== shopId || r.mode !== mode) return { kind: 'not_found' };
  const result = await payment.redeliverPostback(requestId, { notWithinMs: RESEND_INTERVAL_MS });
  if (!result) return { kind: 'not_found' };
  if (result.ok) return { kind: 'queued', webhookId: result.webhookId };
  if (result.retryAfterSeconds !== undefined) return { kind: 'rate_limited', reason: result.reason, retryAfterSeconds: result.retryAfterSeconds };
  return { kind: 'not_redeliverable', reason: result.reason };
}
