import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../http/context';
import { isFinal, type PaymentRecord } from '../../payments/record';
import { isPaymentId, paymentObject } from '../../payments/store';
import { safeLocation } from '../../payments/url-policy';
import { HTML_HEADERS, PAGES } from './pages';
import type * as routes from './browser.routes';

/**
 * The customer's browser: pay link → Bansky, and Bansky's returns → the shop. The payment's
 * Durable Object is read directly (not KV), so a link works the moment init answered, from any
 * location. A return never changes a payment's status: only Bansky's signed postback does.
 */
type Status = 400 | 404 | 409 | 410;
const html = (c: Context<AppEnv>, status: Status, body: string) => c.body(body, status, HTML_HEADERS);

async function load(c: Context<AppEnv>, id: string): Promise<PaymentRecord | null> {
  return isPaymentId(id) ? paymentObject(c.var.services.env, id).get() : null;
}

function redirectTo(c: Context<AppEnv>, location: string) {
  return c.body(null, 302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
}

function track(c: Context<AppEnv>, r: PaymentRecord, eventType: 'pay_link_opened' | 'customer_returned', attributes: Record<string, unknown>) {
  c.executionCtx.waitUntil(
    c.var.services.analytics.emit({
      event_type: eventType,
      shop_id: r.shopId,
      mode: r.mode,
      payment_id: r.id,
      shop_transaction_id: r.shopTransactionId,
      status: r.status,
      request_id: c.var.requestId,
      attributes,
    }),
  );
}

export const openPayLink: RouteHandler<typeof routes.openPayLink, AppEnv> = async (c) => {
  const { id } = c.req.valid('query');
  let r = await load(c, id);
  if (!r || r.status === 'created') return html(c, 404, PAGES.unknown());
  if (!isFinal(r.status) && Date.parse(r.expiresAt) <= Date.now()) {
    // The alarm normally gets here first; never send a customer to an expired Bansky page.
    r = (await paymentObject(c.var.services.env, id).expireIfDue(c.var.requestId)) ?? r;
  }
  track(c, r, 'pay_link_opened', {});
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
}

async function returnTo(c: Context<AppEnv>, id: string, which: 'success' | 'error') {
  const r = await load(c, id);
  if (!r) return html(c, 404, PAGES.unknown());
  track(c, r, 'customer_returned', { via: which });
  // Stored normalised since issue 14 item 7; older records are normalised here, never thrown on.
  const to = safeLocation(which === 'success' ? r.successUrl : r.errorUrl);
  return to ? redirectTo(c, to) : html(c, 400, PAGES.noReturn());
}

export const returnSuccess: RouteHandler<typeof routes.returnSuccess, AppEnv> = (c) => returnTo(c, c.req.valid('query').id, 'success');
export const returnError: RouteHandler<typeof routes.returnError, AppEnv> = (c) => returnTo(c, c.req.valid('query').id, 'error');
