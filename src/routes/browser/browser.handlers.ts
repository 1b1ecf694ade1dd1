import type { Context } from 'hono';
import { paymentEventFields } from '../../analytics/events';
import type { AppEnv, Handler } from '../../http/context';
import type { PaymentRecord } from '../../payments/record';
import { isPaymentId } from '../../payments/store';
import { safeLocation } from '../../payments/url-policy';
import type * as routes from './browser.routes';
import { HTML_HEADERS, PAGES } from './pages';

/**
 * The customer's browser: pay link → Bansky, and Bansky's returns → the shop. The payment's
 * Durable Object is read directly (not KV), so a link works the moment init answered, from any
 * location. A return never changes a payment's status: only Bansky's signed postback does.
 */
type Status = 400 | 403 | 404 | 409 | 410;
const html = (c: Context<AppEnv>, status: Status, body: string) => c.body(body, status, HTML_HEADERS);

function redirectTo(c: Context<AppEnv>, location: string) {
  return c.body(null, 302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
}

function track(
  c: Context<AppEnv>,
  r: PaymentRecord,
  eventType: 'pay_link_opened' | 'customer_returned',
  attributes: Record<string, unknown>,
) {
  c.executionCtx.waitUntil(c.var.services.analytics.emit({ ...paymentEventFields(r, c.var.requestId), event_type: eventType, attributes }));
}

export const openPayLink: Handler<typeof routes.openPayLink> = async (c) => {
  const { id } = c.req.valid('query');
  // One call to the payment's object, which expires the link first if its time has come: the
  // alarm normally gets there first, but a customer is never sent to an expired Bansky page.
  const r = isPaymentId(id) ? await c.var.services.payments.object(id).expireIfDue(c.var.requestId) : null;
  if (!r || r.status === 'created') return html(c, 404, PAGES.unknown());
  track(c, r, 'pay_link_opened', {});
  // A disabled shop takes no more payments, not even through links it already handed out.
  if (r.status === 'awaiting_payment' && (await c.var.services.shops.getShopCached(r.shopId))?.disabled)
    return html(c, 403, PAGES.shopDisabled());
  switch (r.status) {
    case 'awaiting_payment': {
      const to = safeLocation(r.banskyUrl); // never a Location that makes Headers throw
      return to ? redirectTo(c, to) : html(c, 404, PAGES.unknown());
    }
    case 'expired':
      return html(c, 410, PAGES.expired());
    case 'paid':
      return html(c, 409, PAGES.paid());
    case 'failed':
      return html(c, 409, PAGES.failed());
    default:
      return html(c, 409, PAGES.notStarted());
  }
};

async function returnTo(c: Context<AppEnv>, id: string, which: 'success' | 'error') {
  const r = isPaymentId(id) ? await c.var.services.payments.object(id).customerReturned(which, c.var.requestId) : null;
  if (!r) return html(c, 404, PAGES.unknown());
  track(c, r, 'customer_returned', { via: which });
  // Stored normalised since issue 14 item 7; older records are normalised here, never thrown on.
  const to = safeLocation(which === 'success' ? r.successUrl : r.errorUrl);
  return to ? redirectTo(c, to) : html(c, 400, PAGES.noReturn());
}

export const returnSuccess: Handler<typeof routes.returnSuccess> = (c) => returnTo(c, c.req.valid('query').id, 'success');
export const returnError: Handler<typeof routes.returnError> = (c) => returnTo(c, c.req.valid('query').id, 'error');
