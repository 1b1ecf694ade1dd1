import type { Mode } from '../../generated/api/types.gen';
import type { Env } from '../env';
import { paymentObject } from '../payments/store';

/**
 * A shop-initiated resend is accepted once the payment's postback was last queued at least this
 * long ago (60 s unless POSTBACK_RESEND_INTERVAL_SECONDS says otherwise), checked inside the
 * payment's object so concurrent resends cannot slip through together.
 */
export function resendIntervalMs(env: Env): number {
  const s = Number(env.POSTBACK_RESEND_INTERVAL_SECONDS);
  return Number.isFinite(s) && s >= 0 && env.POSTBACK_RESEND_INTERVAL_SECONDS ? s * 1000 : 60_000;
}

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
  const result = await payment.redeliverPostback(requestId, { notWithinMs: resendIntervalMs(env) });
  if (!result) return { kind: 'not_found' };
  if (result.ok) return { kind: 'queued', webhookId: result.webhookId };
  if (result.retryAfterSeconds !== undefined) return { kind: 'rate_limited', reason: result.reason, retryAfterSeconds: result.retryAfterSeconds };
  return { kind: 'not_redeliverable', reason: result.reason };
}
