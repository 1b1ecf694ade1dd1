import type { Context } from 'hono';
import type { AppEnv } from '../../app-env';
import { isPaymentId } from '../../core/payments/store';
import { safeLocation } from '../../platform/input/url-policy';
import type { Handler } from '../http/context';
import { HTML_HEADERS, PAGES } from './pages';
import { answerPayLink, REDIRECT_HEADERS } from './pay-link';

/**
 * The customer's browser: pay link → Bansky, and Bansky's returns → the shop. The payment's
 * Durable Object is read directly (not KV), so a link works the moment init answered, from any
 * location. A return never changes a payment's status: only Bansky's signed postback does.
 */
type Status = 400 | 403 | 404 | 409 | 410;
const html = (c: Context<AppEnv>, status: Status, body: string) => c.body(body, status, HTML_HEADERS);

function redirectTo(c: Context<AppEnv>, location: string) {
  return c.body(null, 302, { location, ...REDIRECT_HEADERS });
}

export const openPayLink: Handler<'openPayLink'> = async (c) => {
  const answer = await answerPayLink(c.var.services, c.req.valid('query').id, c.var.requestId, (w) => c.executionCtx.waitUntil(w));
  return 'redirect' in answer ? redirectTo(c, answer.redirect) : html(c, answer.status, answer.page);
};

async function returnTo(c: Context<AppEnv>, id: string, which: 'success' | 'error') {
  const r = isPaymentId(id) ? await c.var.services.payments.object(id).customerReturned(which, c.var.requestId) : null;
  // Its `customer_returned` event is sent by the payment's object (with the status check's on a success return).
  if (!r) return html(c, 404, PAGES.unknown());
  // New records store the URL normalised; older ones are normalised here, never thrown on.
  const to = safeLocation(which === 'success' ? r.successUrl : r.errorUrl);
  return to ? redirectTo(c, to) : html(c, 400, PAGES.noReturn());
}

export const returnSuccess: Handler<'returnSuccess'> = (c) => returnTo(c, c.req.valid('query').id, 'success');
export const returnError: Handler<'returnError'> = (c) => returnTo(c, c.req.valid('query').id, 'error');
