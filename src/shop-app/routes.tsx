/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Mode } from '../../generated/api/types.gen';
import { zIssueTokenRequest, zListPaymentsQuery } from '../../generated/api/zod.gen';
import type { PaymentRecord } from '../core/payments/record';
import { isPaymentId } from '../core/payments/store';
import { exportCsv } from '../core/payments-index/export';
import { BadCursor, type ListFilters } from '../core/payments-index/query';
import { resendShopPostback } from '../core/payments-index/resend';
import { BigQueryUnavailableError } from '../insight/reporting/bigquery-query';
import { refreshDashboardEmbedToken, signDashboardEmbedToken } from '../insight/reporting/embed-token';
import { STATS_RANGES, type StatsRange } from '../insight/reporting/stats-figures';
import { clientIp } from '../platform/limits/login-throttle';
import { PASSWORD_RULE_TEXT } from '../platform/security/password-policy';
import { accountRouter } from './account-routes';
import { InvitePage, InviteUnusablePage, MessagePage, SecondFactorPage, SignInPage } from './pages/auth';
import { DevelopersPage, type DevNotice } from './pages/developers';
import { PaymentPage, type ResendNotice } from './pages/payment';
import { PaymentsPage } from './pages/payments';
import { type EmbedState, type FiguresState, StatsPage } from './pages/stats';
import { postbacksRouter } from './postbacks-routes';
import { actor, allowed, type C, crossSite, form, frame, signedIn } from './route-kit';
import {
  type AppPageEnv,
  appCsp,
  clearSessionCookie,
  DEVICE_COOKIE,
  requireSession,
  SESSION_COOKIE,
  sameOriginFetch,
  sameSite,
  securityHeaders,
  setDeviceCookie,
  setSessionCookie,
} from './security';
import { teamRouter } from './team-routes';
import { sendTestPostback } from './test-postback';

/**
 * /app: the shop app, server-rendered (no client-side JavaScript needed). Handlers only call the
 * domain (members, the payments index, the payment objects, the shop store) — the same code the
 * API uses — and render. Every signed-in route goes through requireSession and requireCsrf.
 */
export const shopAppRouter = new Hono<AppPageEnv>();

const WEBHOOK_OVERLAP_SECONDS = 86_400;

shopAppRouter.use('/app', securityHeaders());
shopAppRouter.use('/app/*', securityHeaders());

shopAppRouter.get('/app', ...signedIn, (c) => c.redirect('/app/payments', 303));
shopAppRouter.get('/app/', ...signedIn, (c) => c.redirect('/app/payments', 303));

// ── Sign-in, invites, sign-out ──
shopAppRouter.get('/app/sign-in', async (c) => {
  if (await c.var.services.members.resolve(getCookie(c, SESSION_COOKIE))) return c.redirect('/app/payments', 303);
  return c.html(<SignInPage />);
});

function lockedPage(c: C, result: { retryAfterSeconds: number; scope: 'account' | 'ip' }, email: string) {
  const minutes = Math.max(1, Math.ceil(result.retryAfterSeconds / 60));
  const who = result.scope === 'account' ? 'for this account' : 'from your network';
  c.header('Retry-After', String(result.retryAfterSeconds));
  const error =
    `Too many failed sign-ins ${who}. Sign-in is locked for ${minutes} minute${minutes === 1 ? '' : 's'}, even with the right password.` +
    (result.scope === 'account' ? ' A browser you have signed in with before is not affected: use it, or wait.' : '') +
    ' If you forgot your password, ask a shop owner or your AimbrellaPay contact for a new invite link.';
  return c.html(<SignInPage error={error} email={email} />, 429);
}

shopAppRouter.post('/app/sign-in', async (c) => {
  if (!sameSite(c)) return crossSite(c);
  const f = await form(c);
  const email = (f.email ?? '').slice(0, 254);
  const result = await c.var.services.members.signIn(email, f.password ?? '', clientIp(c.req.raw.headers), getCookie(c, DEVICE_COOKIE));
  if (result.ok) {
    setSessionCookie(c, result.cookie);
    setDeviceCookie(c, result.device);
    return c.redirect('/app/payments', 303);
  }
  if (result.reason === 'locked') return lockedPage(c, result, email);
  if (result.reason === 'second-factor') return c.html(<SecondFactorPage challenge={result.challenge} />);
  c.var.services.log.warn('app sign-in failed');
  return c.html(<SignInPage error="Wrong email or password." email={email} />, 401);
});

// The code step after the right password, for members with two-step sign-in on.
shopAppRouter.post('/app/sign-in/code', async (c) => {
  if (!sameSite(c)) return crossSite(c);
  const f = await form(c);
  const challenge = (f.challenge ?? '').slice(0, 100);
  const result = await c.var.services.members.completeSignIn(
    challenge,
    (f.code ?? '').slice(0, 40),
    clientIp(c.req.raw.headers),
    getCookie(c, DEVICE_COOKIE),
  );
  if (result.ok) {
    setSessionCookie(c, result.cookie);
    setDeviceCookie(c, result.device);
    return c.redirect('/app/payments', 303);
  }
  if (result.reason === 'locked') return lockedPage(c, result, '');
  if (result.reason === 'expired')
    return c.html(<SignInPage error="The sign-in took too long or had too many wrong codes. Enter your password again." />, 401);
  c.var.services.log.warn('app sign-in code wrong');
  return c.html(
    <SecondFactorPage challenge={challenge} error="That code is not right. Check the time on your phone, or use a recovery code." />,
    401,
  );
});

shopAppRouter.get('/app/invite/:token', async (c) => {
  const state = await c.var.services.members.inviteState(c.req.param('token'));
  if (!state.ok) return c.html(<InviteUnusablePage reason={state.reason} />, state.reason === 'unknown' ? 404 : 410);
  return c.html(<InvitePage action={`/app/invite/${c.req.param('token')}`} email={state.email} />);
});

shopAppRouter.post('/app/invite/:token', async (c) => {
  if (!sameSite(c)) return crossSite(c);
  const token = c.req.param('token');
  const state = await c.var.services.members.inviteState(token);
  if (!state.ok) return c.html(<InviteUnusablePage reason={state.reason} />, state.reason === 'unknown' ? 404 : 410);
  const f = await form(c);
  const action = `/app/invite/${token}`;
  if ((f.password ?? '') !== (f.confirm ?? ''))
    return c.html(<InvitePage action={action} email={state.email} error="The two passwords differ." />, 400);
  const result = await c.var.services.members.acceptInvite(token, f.password ?? '');
  if (!result.ok) {
    if (result.reason === 'weak')
      return c.html(<InvitePage action={action} email={state.email} error={PASSWORD_RULE_TEXT[result.rule]} />, 400);
    return c.html(<InviteUnusablePage reason={result.reason} />, 410);
  }
  setSessionCookie(c, result.cookie);
  setDeviceCookie(c, result.device);
  return c.redirect('/app/payments', 303);
});

shopAppRouter.post('/app/sign-out', ...signedIn, async (c) => {
  await c.var.services.members.signOut(c.var.session);
  clearSessionCookie(c);
  return c.redirect('/app/sign-in', 303);
});

shopAppRouter.post('/app/mode', ...signedIn, async (c) => {
  const f = await form(c);
  const mode: Mode = f.mode === 'live' ? 'live' : 'test';
  await c.var.services.members.setMode(c.var.session, mode);
  const back = ['/app/developers', '/app/stats', '/app/postbacks'].find((p) => f.back === p) ?? '/app/payments';
  return c.redirect(back, 303);
});

// ── Payments ──
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

shopAppRouter.get('/app/payments', ...signedIn, async (c) => {
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
shopAppRouter.get('/app/payments/export.csv', ...signedIn, (c) => {
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

shopAppRouter.get('/app/payments/:id', ...signedIn, async (c) => {
  const r = await ownPayment(c);
  if (!r) return notFoundPage(c);
  return c.html(<PaymentPage frame={frame(c, '/app/payments')} r={r} nextRetryAt={nextRetryAt(r)} notice={resendNotice(c, r)} />);
});

shopAppRouter.post('/app/payments/:id/resend', ...signedIn, allowed('resend-postback'), async (c) => {
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

// ── Developers ──
async function developers(c: C, notice?: DevNotice, status: 200 | 400 | 403 | 404 | 502 = 200, testUrl?: string) {
  const { services, session } = c.var;
  const shop = (await services.shops.getShop(session.shopId)) ?? c.var.appShop;
  const page = await services.shops.listTokens(session.shopId, undefined, 100);
  const tokens = page.items.filter((t) => t.mode === session.mode).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  return c.html(
    <DevelopersPage
      frame={frame(c, '/app/developers')}
      tokens={tokens}
      liveEnabled={shop.liveEnabled === true}
      secrets={shop.webhookSecrets}
      notice={notice}
      testUrl={testUrl}
      now={c.var.services.clock.now()}
    />,
    status,
  );
}

shopAppRouter.get('/app/developers', ...signedIn, (c) => developers(c));

shopAppRouter.post('/app/developers/tokens', ...signedIn, allowed('tokens'), async (c) => {
  const { services, session, appShop } = c.var;
  const f = await form(c);
  if (session.mode === 'live' && appShop.liveEnabled !== true) {
    return developers(c, { kind: 'message', tone: 'bad', text: 'Live mode is not enabled for this shop yet.' }, 403);
  }
  const parsed = zIssueTokenRequest.safeParse({ mode: session.mode, ...(f.label?.trim() ? { label: f.label.trim() } : {}) });
  if (!parsed.success) return developers(c, { kind: 'message', tone: 'bad', text: 'Use a label of at most 100 characters.' }, 400);
  const { token, record } = await services.shops.issueToken(session.shopId, session.mode, parsed.data.label);
  services.log.info('token issued in the shop app', {
    shopId: session.shopId,
    tokenId: record.id,
    mode: session.mode,
    memberId: session.memberId,
  });
  await services.members.record(
    session.shopId,
    actor(c),
    'token.issued',
    `${record.id} ${record.prefix}…${record.last4}${record.label ? ` “${record.label}”` : ''} (${session.mode})`,
  );
  return developers(c, { kind: 'token', token, label: record.label ?? null });
});

shopAppRouter.post('/app/developers/tokens/:tokenId/revoke', ...signedIn, allowed('tokens'), async (c) => {
  const { services, session } = c.var;
  const tokenId = c.req.param('tokenId');
  const revoked = /^tok_[A-Za-z0-9]{12,40}$/.test(tokenId) ? await services.shops.revokeToken(session.shopId, tokenId) : null;
  if (!revoked) return developers(c, { kind: 'message', tone: 'bad', text: 'No such token for this shop.' }, 404);
  await services.listen.revoked(session.shopId, tokenId); // its `aimbrellapay listen` sessions end now
  services.log.info('token revoked in the shop app', { shopId: session.shopId, tokenId, memberId: session.memberId });
  await services.members.record(session.shopId, actor(c), 'token.revoked', `${tokenId} ${revoked.prefix}…${revoked.last4}`);
  return developers(c, {
    kind: 'message',
    tone: 'ok',
    text: `Token ${revoked.prefix}…${revoked.last4} revoked. It stops working everywhere within about two minutes.`,
  });
});

shopAppRouter.post('/app/developers/webhook-secret', ...signedIn, allowed('webhook-secret'), async (c) => {
  const { services, session } = c.var;
  const rotated = await services.shops.rotateWebhookSecret(session.shopId, WEBHOOK_OVERLAP_SECONDS);
  if (!rotated) return developers(c, { kind: 'message', tone: 'bad', text: 'The shop no longer exists.' }, 404);
  services.log.info('webhook secret rotated in the shop app', { shopId: session.shopId, memberId: session.memberId });
  await services.members.record(
    session.shopId,
    actor(c),
    'webhook-secret.rotated',
    `previous secret signs until ${rotated.previousSecretExpiresAt ?? 'now'}`,
  );
  return developers(c, { kind: 'secret', secret: rotated.webhookSecret, previousUntil: rotated.previousSecretExpiresAt });
});

shopAppRouter.post('/app/developers/test-postback', ...signedIn, allowed('test-postback'), async (c) => {
  const { services, session } = c.var;
  const url = ((await form(c)).url ?? '').trim().slice(0, 2048);
  const shop = (await services.shops.getShop(session.shopId)) ?? c.var.appShop;
  const result = await sendTestPostback(shop, session.mode, url, {
    clock: services.clock,
    timeoutMs: services.config.postbacks.timeoutMs,
    reach: services.config,
  });
  if ('refused' in result) return developers(c, { kind: 'message', tone: 'bad', text: `Not sent: ${result.refused}` }, 400, url);
  await services.members.record(
    session.shopId,
    actor(c),
    'postback.test-sent',
    `${new URL(url).origin} → ${result.ok ? `HTTP ${result.httpStatus}` : 'failed'} (${session.mode})`,
  );
  return developers(c, { kind: 'test-postback', url, ...result }, 200, url);
});

// ── Stats ──
const EMBED_TOKEN_PATH = '/app/stats/embed-token';
const MAX_REFRESH_BODY = 4096;

async function statsFigures(c: C, range: StatsRange): Promise<FiguresState> {
  const { services, session } = c.var;
  if (!services.statsFigures) return { kind: 'not_configured' };
  try {
    return { kind: 'ok', figures: await services.statsFigures.get(session.shopId, session.mode, range) };
  } catch (err) {
    // Unreachable or refusing BigQuery is expected now and then; anything else is a bug, logged as one.
    // Either way the page (and the dashboard below the figures) still renders.
    const expected = err instanceof BigQueryUnavailableError;
    services.log[expected ? 'warn' : 'error']('stats figures unavailable', {
      shopId: session.shopId,
      range,
      error: err instanceof Error ? err.message : String(err),
    });
    return { kind: 'unavailable' };
  }
}

/** Without Metabase configured there is simply no dashboard section: the operator's steps are in docs/internal/metabase.md. */
async function statsEmbed(c: C): Promise<EmbedState> {
  const { services, session } = c.var;
  const mb = services.config.metabase;
  if (!mb.embed) {
    // Half a configuration is an operator's mistake: say which settings are missing in the log, never on the page.
    const missing = [
      !mb.siteUrl && 'METABASE_SITE_URL',
      !mb.dashboardId && 'METABASE_DASHBOARD_ID',
      !mb.embedSecret && 'METABASE_EMBED_SECRET',
    ].filter(Boolean);
    if (missing.length < 3) services.log.warn('metabase embed partly configured: no dashboard on the Stats page', { missing });
    return { kind: 'off' };
  }
  try {
    const token = await signDashboardEmbedToken(
      { secret: mb.embed.secret, dashboardId: mb.embed.dashboardId },
      { shopId: session.shopId, mode: session.mode },
      services.clock.now(),
    );
    return { kind: 'on', siteUrl: mb.embed.siteUrl, token, dashboardId: mb.embed.dashboardId, providerUri: EMBED_TOKEN_PATH };
  } catch (err) {
    services.log.error('metabase embed token not signed', {
      shopId: session.shopId,
      error: err instanceof Error ? err.message : String(err),
    });
    return { kind: 'error' };
  }
}

shopAppRouter.get('/app/stats', ...signedIn, async (c) => {
  const today = c.var.services.clock.now().toISOString().slice(0, 10);
  const asked = c.req.query('range');
  const range: StatsRange = asked && asked in STATS_RANGES ? (asked as StatsRange) : '7d';
  const [figures, embed] = await Promise.all([statsFigures(c, range), statsEmbed(c)]);
  // Only this page, and only with the embed on, admits the Metabase origin (script, frame, connect).
  if (embed.kind === 'on') c.set('appCsp', appCsp(embed.siteUrl));
  return c.html(
    <StatsPage
      frame={frame(c, '/app/stats')}
      range={range}
      figures={figures}
      embed={embed}
      monthStart={`${today.slice(0, 8)}01`}
      today={today}
    />,
  );
});

/**
 * The guest embed's `guestEmbedProviderUri` (Metabase PR #71075): before its token expires, embed.js
 * POSTs `{entityType, entityId, customContext}` here (JSON text, `?response=json` appended) with the
 * page's cookies and expects `{"jwt": "…"}`. The token is signed for the *session's* shop and mode
 * and only for the configured dashboard; the body only names what the browser wants and is checked
 * (authorizeEmbedRefresh), never trusted for the scope.
 *
 * CSRF: this is a script's fetch, not a form, so it cannot carry our per-session CSRF token (embed.js
 * sends no custom headers). It is guarded by the Origin check instead: the request must say it
 * comes from our own origin (Origin, else Sec-Fetch-Site: same-origin; browsers send Origin on
 * every POST fetch, so a request with neither is refused). A cross-site page could not read the
 * answer anyway (no CORS headers) and a token for the victim's own shop grants it nothing.
 * Not in openapi.yaml: like every /app route it is part of the server-rendered app, not the API.
 */
shopAppRouter.post(EMBED_TOKEN_PATH, requireSession({ json: true }), async (c) => {
  const { services, session } = c.var;
  if (!sameOriginFetch(c)) return c.json({ error: 'cross-site request refused' }, 403);
  const embed = services.config.metabase.embed;
  if (!embed) return c.json({ error: 'Metabase is not configured' }, 404);
  const text = await c.req.text().catch(() => '');
  let body: unknown = null;
  if (text.length <= MAX_REFRESH_BODY) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const result = await refreshDashboardEmbedToken(
    { secret: embed.secret, dashboardId: embed.dashboardId },
    { shopId: session.shopId, mode: session.mode },
    body && typeof body === 'object' ? body : null,
    services.clock.now(),
  );
  if ('error' in result) {
    services.log.warn('metabase embed refresh refused', { shopId: session.shopId, memberId: session.memberId, reason: result.error });
    return c.json({ error: result.error }, 403);
  }
  return c.json({ jwt: result.jwt });
});

shopAppRouter.route('/', accountRouter);
shopAppRouter.route('/', teamRouter);
shopAppRouter.route('/', postbacksRouter);

// Anything else under /app: signed-out visitors go to sign-in; members get a plain 404.
shopAppRouter.all('/app/*', ...signedIn, (c) =>
  c.html(<MessagePage title="Page not found" message="There is no page at this address." />, 404),
);
