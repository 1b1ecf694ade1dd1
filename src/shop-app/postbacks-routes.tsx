/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { isPaymentId } from '../core/payments/store';
import type { IndexEntry } from '../core/payments-index/entry';
import { BadCursor } from '../core/payments-index/query';
import { failedPostbacks, type ResendOutcome, resendShopPostback } from '../core/payments-index/resend';
import { OUTCOMES, type Outcome, type PostbackFilters, PostbacksPage } from './pages/postbacks';
import { actor, allowed, type C, frame, signedIn } from './route-kit';
import type { AppPageEnv } from './security';

/**
 * /app/postbacks: every postback delivery of the shop, from the payments index (its postback
 * columns), with the reason of each failure; resending one or all failed ones goes through the
 * same resend as the payment page and the API (same webhook-id, per-payment interval).
 */
export const postbacksRouter = new Hono<AppPageEnv>();

const PAGE = 25;
/** A bulk resend queues at most this many postbacks: one click never floods the shop's endpoint. */
const MAX_RESENDS_PER_ACTION = 100;
/** Bulk resends per shop and mode: a few per window, each bounded above. */
const BULK_LIMIT = 3;
const BULK_WINDOW_SECONDS = 600;
/** Resends run this many at a time (each is one call to the payment's object). */
const PARALLEL = 6;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function filtersFrom(c: C): PostbackFilters {
  const outcome = c.req.query('outcome');
  const from = c.req.query('from')?.trim();
  const to = c.req.query('to')?.trim();
  return {
    outcome: outcome && outcome in OUTCOMES ? (outcome as Outcome) : undefined,
    from: from && DAY.test(from) ? from : undefined,
    to: to && DAY.test(to) ? to : undefined,
  };
}

const backTo = (f: PostbackFilters, extra: Record<string, string>) =>
  `/app/postbacks?${new URLSearchParams({ ...Object.fromEntries(Object.entries(f).filter(([, v]) => v)), ...extra })}`;

/** The outcome of a resend travels in the redirect (post/redirect/get: a reload never resends). */
function noticeFrom(c: C): { tone: 'ok' | 'bad'; text: string } | undefined {
  const q = (k: string) => Number(c.req.query(k)) || 0;
  const done = c.req.query('done');
  if (done === 'bulk-limited')
    return {
      tone: 'bad',
      text: `Bulk resends are limited to ${BULK_LIMIT} per ${BULK_WINDOW_SECONDS / 60} minutes. Try again in ${q('retry')} s.`,
    };
  if (done !== 'resent') return undefined;
  const [queued, limited, none] = [q('queued'), q('limited'), q('none')];
  const parts = [`${queued} postback${queued === 1 ? '' : 's'} queued again with the same webhook-id`];
  if (limited) parts.push(`${limited} skipped: queued less than a minute ago`);
  if (none) parts.push(`${none} skipped: nothing to send`);
  if (q('more')) parts.push(`more failed ones remain: at most ${MAX_RESENDS_PER_ACTION} per click`);
  return { tone: queued > 0 ? 'ok' : 'bad', text: `${parts.join('; ')}. New attempts show here within seconds; reload to see them.` };
}

postbacksRouter.get('/app/postbacks', ...signedIn, async (c) => {
  const filters = filtersFrom(c);
  const { services, session, appShop } = c.var;
  const cursor = c.req.query('cursor') || undefined;
  const query = { from: filters.from, to: filters.to, postback: filters.outcome ? OUTCOMES[filters.outcome].state : undefined };
  let page: { items: IndexEntry[]; nextCursor: string | null };
  let notice = noticeFrom(c);
  try {
    page = await services.paymentsIndex.postbacks(appShop, session.mode, query, cursor, PAGE);
  } catch (err) {
    if (!(err instanceof BadCursor)) throw err;
    page = await services.paymentsIndex.postbacks(appShop, session.mode, query, undefined, PAGE);
    notice = { tone: 'bad', text: 'That page link is not valid any more; showing the newest postbacks.' };
  }
  return c.html(
    <PostbacksPage
      frame={frame(c, '/app/postbacks')}
      filters={filters}
      items={page.items}
      nextCursor={page.nextCursor}
      firstPage={!cursor || notice?.text.startsWith('That page') === true}
      notice={notice}
      maxPerAction={MAX_RESENDS_PER_ACTION}
    />,
  );
});

async function resendAll(c: C, ids: string[]): Promise<ResendOutcome[]> {
  const { services, session, requestId } = c.var;
  const out: ResendOutcome[] = [];
  for (let i = 0; i < ids.length; i += PARALLEL)
    out.push(
      ...(await Promise.all(
        ids.slice(i, i + PARALLEL).map((id) => resendShopPostback(services, session.shopId, session.mode, id, requestId)),
      )),
    );
  return out;
}

function tally(outcomes: ResendOutcome[], ids: string[]) {
  const queued = ids.filter((_, i) => outcomes[i]?.kind === 'queued');
  return {
    queued,
    limited: outcomes.filter((o) => o.kind === 'rate_limited').length,
    none: outcomes.filter((o) => o.kind === 'not_redeliverable' || o.kind === 'not_found').length,
  };
}

// Before /:id/resend, which would otherwise take "resend-failed" for an id.
postbacksRouter.post('/app/postbacks/resend-failed', ...signedIn, allowed('resend-postback'), async (c) => {
  const filters = filtersFrom(c);
  const { services, session, appShop } = c.var;
  const verdict = await services.limiter.hit(
    `app-resend-failed:${session.shopId}:${session.mode}`,
    BULK_LIMIT,
    BULK_WINDOW_SECONDS,
    services.clock.now(),
  );
  if (!verdict.allowed) return c.redirect(backTo(filters, { done: 'bulk-limited', retry: String(verdict.retryAfterSeconds) }), 303);

  if (filters.outcome === 'delivered') return c.redirect(backTo(filters, { done: 'resent', queued: '0', none: '0' }), 303);
  const only = filters.outcome ? OUTCOMES[filters.outcome].state : undefined;
  const { ids, more } = await failedPostbacks(
    services.paymentsIndex,
    appShop,
    session.mode,
    { from: filters.from, to: filters.to, only },
    MAX_RESENDS_PER_ACTION,
  );

  const t = tally(await resendAll(c, ids), ids);
  if (t.queued.length > 0)
    await services.members.record(
      session.shopId,
      actor(c),
      'postback.resent',
      `${t.queued.length} failed postback${t.queued.length === 1 ? '' : 's'} (${session.mode}): ${t.queued.join(', ')}`,
    );
  services.log.info('failed postbacks resent from the app', {
    shopId: session.shopId,
    memberId: session.memberId,
    queued: t.queued.length,
  });
  return c.redirect(
    backTo(filters, {
      done: 'resent',
      queued: String(t.queued.length),
      limited: String(t.limited),
      none: String(t.none),
      ...(more ? { more: '1' } : {}),
    }),
    303,
  );
});

postbacksRouter.post('/app/postbacks/:id/resend', ...signedIn, allowed('resend-postback'), async (c) => {
  const filters = filtersFrom(c);
  const id = c.req.param('id');
  const ids = isPaymentId(id) ? [id] : [];
  const t = tally(await resendAll(c, ids), ids);
  if (t.queued.length > 0)
    await c.var.services.members.record(c.var.session.shopId, actor(c), 'postback.resent', `${id} (${c.var.session.mode})`);
  return c.redirect(
    backTo(filters, { done: 'resent', queued: String(t.queued.length), limited: String(t.limited), none: String(ids.length ? t.none : 1) }),
    303,
  );
});
