/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { zListPaymentsQuery } from '../../generated/api/zod.gen';
import type { PaymentRecord } from '../core/payments/record';
import { isPaymentId } from '../core/payments/store';
import { exportCsv } from '../core/payments-index/export';
import { BadCursor, type ListFilters } from '../core/payments-index/query';
import { resendShopPostback } from '../core/payments-index/resend';
import { MessagePage } from './pages/auth';
import { PaymentPage, type ResendNotice } from './pages/payment';
import { PaymentsPage } from './pages/payments';
import { actor, allowed, type C, frame, signedIn } from './route-kit';
import type { AppPageEnv } from './security';

/**
 * /app/payments: the shop's payments list from the payments index (filters, search, CSV export)
 * and one payment's page with its postback attempts and a resend. A payment of another shop or
 * of the other mode is answered like a missing one.
 */
export const paymentsRouter = new Hono<AppPageEnv>();

function filtersFrom(c: C): { filters: ListFilters; cursor?: string; error?: string } {
  const raw = Object.fromEntries(
    Object.entries(c.req.query())
      .filter(([, v]) => v.trim() !== '')
      .map(([k, v]) => [k, v.trim()]),
  );
  if (raw.currency) raw.currency = raw.currency.toUpperCase();
  const parsed = zListPaymentsQuery.safeParse({ ...raw, limit: undefined });
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].join(', ');
    return { filters: {}, error: `Check the filter${fields.includes(',') ? 's' : ''}: ${fields}.` };
  }
  const { cursor, limit: _limit, q, ...filters } = parsed.data;
  // The page's one search box finds ids by their start: ours when it looks like one, else the shop's own.
  if (q) {
    if (/^pay_[A-Za-z0-9]{0,22}$/.test(q)) filters.idPrefix = q;
    else filters.transactionIdPrefix = q;
  }
  return { filters, cursor };
}

paymentsRouter.get('/app/payments', ...signedIn, async (c) => {
  const { filters, cursor, error } = filtersFrom(c);
  const { session, appShop, services } = c.var;
  try {
    const list = await services.paymentsIndex.list(appShop, session.mode, filters, cursor, 25);
    return c.html(<PaymentsPage frame={frame(c, '/app/payments')} filters={filters} list={list} error={error} firstPage={!cursor} />);
  } catch (err) {
    if (!(err instanceof BadCursor)) throw err;
    const list = await services.paymentsIndex.list(appShop, session.mode, filters, undefined, 25);
    return c.html(
      <PaymentsPage
        frame={frame(c, '/app/payments')}
        filters={filters}
        list={list}
        error="That page link is not valid any more; showing the newest payments."
        firstPage
      />,
      400,
    );
  }
});

// The filtered list as CSV (every page, streamed; src/core/payments-index/export.ts). Before /:id.
paymentsRouter.get('/app/payments/export.csv', ...signedIn, (c) => {
  const { filters, error } = filtersFrom(c);
  if (error) return c.text(`${error} Fix it on the Payments page, then export again.`, 400);
  const { session, appShop, services } = c.var;
  const day = services.clock.now().toISOString().slice(0, 10);
  services.log.info('payments exported as CSV', { shopId: session.shopId, memberId: session.memberId, mode: session.mode });
  return c.body(exportCsv(services.paymentsIndex, appShop, session.mode, filters), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="payments-${session.mode}-${day}.csv"`,
  });
});

async function ownPayment(c: C): Promise<PaymentRecord | null> {
  const id = c.req.param('id') ?? '';
  if (!isPaymentId(id)) return null;
  const r = await c.var.services.payments.get(id);
  // Another shop's or the other mode's payment is indistinguishable from a missing one.
  return r && r.shopId === c.var.session.shopId && r.mode === c.var.session.mode && r.status !== 'created' ? r : null;
}

/** When the next attempt is due, as the delivery scheduled it (src/core/postbacks/delivery.ts). */
function nextRetryAt(r: PaymentRecord): string | null {
  return r.postback.status === 'pending' ? (r.postback.nextAttemptAt ?? null) : null;
}

const notFoundPage = (c: C) =>
  c.html(
    <MessagePage
      title="Payment not found"
      message={`No payment with this id exists for ${c.var.appShop.name} in ${c.var.session.mode} mode.`}
    />,
    404,
  );

/** The outcome of a resend travels as a code in the redirect (post/redirect/get: a reload never resends). */
function resendNotice(c: C, r: PaymentRecord): ResendNotice | undefined {
  const outcome = c.req.query('resend');
  if (outcome === 'queued')
    return {
      tone: 'ok',
      text: `Postback queued again with the same webhook-id (${r.postback.webhookId}). The new attempt appears below within seconds; reload to see it.`,
    };
  if (outcome === 'limited')
    return { tone: 'bad', text: `This postback was queued moments ago. Try again in ${Number(c.req.query('retry')) || 60} s.` };
  if (outcome === 'none')
    return { tone: 'bad', text: 'This payment has no postback to send (no transaction id or postback URL, or not final yet).' };
  return undefined;
}

paymentsRouter.get('/app/payments/:id', ...signedIn, async (c) => {
  const r = await ownPayment(c);
  if (!r) return notFoundPage(c);
  return c.html(<PaymentPage frame={frame(c, '/app/payments')} r={r} nextRetryAt={nextRetryAt(r)} notice={resendNotice(c, r)} />);
});

paymentsRouter.post('/app/payments/:id/resend', ...signedIn, allowed('resend-postback'), async (c) => {
  const r = await ownPayment(c);
  if (!r) return notFoundPage(c);
  const outcome = await resendShopPostback(c.var.services, c.var.session.shopId, c.var.session.mode, r.id, c.var.requestId);
  if (outcome.kind === 'not_found') return notFoundPage(c);
  if (outcome.kind === 'queued')
    await c.var.services.members.record(c.var.session.shopId, actor(c), 'postback.resent', `${r.id} (${c.var.session.mode})`);
  const query =
    outcome.kind === 'queued'
      ? 'resend=queued'
      : outcome.kind === 'rate_limited'
        ? `resend=limited&retry=${outcome.retryAfterSeconds}`
        : 'resend=none';
  return c.redirect(`/app/payments/${r.id}?${query}`, 303);
});
