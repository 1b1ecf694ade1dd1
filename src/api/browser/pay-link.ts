import { isPaymentId } from '../../core/payments/store';
import { paymentEventFields } from '../../insight/analytics/events';
import { safeLocation } from '../../platform/input/url-policy';
import type { Services } from '../../services';
import { PAGES } from './pages';

/** What a pay link answers: a redirect to Bansky's checkout, or one of the customer pages. */
export type PayLinkAnswer = { redirect: string } | { status: 403 | 404 | 409 | 410; page: string };

/**
 * The pay link's decision. One call to the payment's object on every open, which expires the link first if its time has come (the
 * alarm normally gets there first, but a customer is never sent to an expired Bansky page). Never
 * answered from an isolate's memory: a payment that is final in its object must never send the
 * customer to Bansky, and no isolate can know it became final elsewhere.
 */
export async function answerPayLink(
  s: Services,
  id: string,
  requestId: string,
  waitUntil: (work: Promise<unknown>) => void,
): Promise<PayLinkAnswer> {
  const r = isPaymentId(id) ? await s.payments.object(id).expireIfDue(requestId) : null;
  if (!r || r.status === 'created') return { status: 404, page: PAGES.unknown() };
  s.payLinkOpens.add(
    `pay_link_opened:${r.id}:${r.status}`,
    () => ({ ...paymentEventFields(r, requestId), event_type: 'pay_link_opened' }),
    waitUntil,
  );
  switch (r.status) {
    case 'awaiting_payment': {
      // A disabled shop takes no more payments, not even through links it already handed out.
      if ((await s.shops.getShopCached(r.shopId))?.disabled) return { status: 403, page: PAGES.shopDisabled() };
      const to = safeLocation(r.banskyUrl); // never a Location that makes Headers throw
      return to ? { redirect: to } : { status: 404, page: PAGES.unknown() };
    }
    case 'expired':
      return { status: 410, page: PAGES.expired() };
    case 'paid':
      return { status: 409, page: PAGES.paid() };
    case 'failed':
      return { status: 409, page: PAGES.failed() };
    default:
      return { status: 409, page: PAGES.notStarted() };
  }
}

/** The headers of the redirect to Bansky (and to the shop on return): never cached, no referrer. */
export const REDIRECT_HEADERS = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } as const;
