/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { BigQueryUnavailableError } from '../insight/reporting/bigquery-query';
import { refreshDashboardEmbedToken, signDashboardEmbedToken } from '../insight/reporting/embed-token';
import { STATS_RANGES, type StatsRange } from '../insight/reporting/stats-figures';
import { type EmbedState, type FiguresState, StatsPage } from './pages/stats';
import { type C, frame, signedIn } from './route-kit';
import { type AppPageEnv, appCsp, requireSession, sameOriginFetch } from './security';

/**
 * /app/stats: the shop's figures for a range (from BigQuery) and, when Metabase is configured, its
 * dashboard as a guest embed, with the endpoint embed.js refreshes its token from.
 */
export const statsRouter = new Hono<AppPageEnv>();

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

statsRouter.get('/app/stats', ...signedIn, async (c) => {
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
statsRouter.post(EMBED_TOKEN_PATH, requireSession({ json: true }), async (c) => {
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
