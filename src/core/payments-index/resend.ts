import type { Mode } from '../../../generated/api/types.gen';
import type { Services } from '../../services';
import type { IndexEntry } from './entry';
import type { PaymentsIndex } from './query';

export type ResendOutcome =
  | { kind: 'queued'; webhookId: string }
  | { kind: 'not_found' }
  | { kind: 'not_redeliverable'; reason: string }
  | { kind: 'rate_limited'; reason: string; retryAfterSeconds: number };

/**
 * The shop's "send the final postback again": same webhook-id; shared by the API and the app.
 * Accepted once the postback was last queued at least POSTBACK_RESEND_INTERVAL_SECONDS ago
 * (60 s by default), checked inside the payment's object so concurrent resends cannot slip through together.
 */
export async function resendShopPostback(
  services: Pick<Services, 'config' | 'payments'>,
  shopId: string,
  mode: Mode,
  paymentId: string,
  requestId: string,
): Promise<ResendOutcome> {
  const payment = services.payments.object(paymentId);
  const r = await payment.get();
  // Another shop's or the other mode's payment is indistinguishable from a missing one.
  if (!r || r.shopId !== shopId || r.mode !== mode) return { kind: 'not_found' };
  const result = await payment.redeliverPostback(requestId, { notWithinMs: services.config.postbacks.resendIntervalSeconds * 1000 });
  if (!result) return { kind: 'not_found' };
  if (result.ok) return { kind: 'queued', webhookId: result.webhookId };
  if (result.retryAfterSeconds !== undefined)
    return { kind: 'rate_limited', reason: result.reason, retryAfterSeconds: result.retryAfterSeconds };
  return { kind: 'not_redeliverable', reason: result.reason };
}

/** Failed and resendable: dead-lettered, or retrying after a failed attempt. */
export const isFailedDelivery = (e: Pick<IndexEntry, 'postback'>) =>
  e.postback?.status === 'dead_lettered' || (e.postback?.status === 'pending' && e.postback.lastError != null);

/**
 * The ids "resend all failed" acts on, at most `max`: dead-lettered first (nothing else will
 * send them), then those still retrying after a failure; `more` says some were left for later.
 */
export async function failedPostbacks(
  index: Pick<PaymentsIndex, 'postbacks'>,
  shop: { id: string; createdAt: string },
  mode: Mode,
  range: { from?: string; to?: string; only?: 'dead_lettered' | 'pending' },
  max: number,
): Promise<{ ids: string[]; more: boolean }> {
  const ids: string[] = [];
  for (const state of range.only ? [range.only] : (['dead_lettered', 'pending'] as const)) {
    let cursor: string | undefined;
    do {
      const page = await index.postbacks(shop, mode, { from: range.from, to: range.to, postback: state }, cursor, 100);
      for (const e of page.items.filter(isFailedDelivery)) {
        if (ids.length === max) return { ids, more: true };
        ids.push(e.id);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return { ids, more: false };
}
