import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import type { ShopRecord } from '../core/shops/shop-store';
import { timingSafeEqualStrings } from '../platform/lib/crypto';
import type { AppSession } from './members/service';

/**
 * The shop app's guards: security headers on every answer, the session cookie, and CSRF.
 * CSRF, stated: every state-changing form of a signed-in member carries the session's own random
 * token (`_csrf`, compared in constant time) AND the request must not come from another site
 * (`Origin`, else `Sec-Fetch-Site`). The sign-in and set-password forms have no session yet and
 * rely on the Origin check (plus SameSite=Lax on the cookie they set).
 */
/**
 * `__Host-`: the browser takes the cookie only with Secure, Path=/ and no Domain, so a sibling
 * subdomain cannot plant or overwrite it. Local http://localhost works in Chromium and Firefox,
 * which treat localhost as a secure context for cookies; Safari does not (use Chromium locally).
 */
export const SESSION_COOKIE = '__Host-apay_app_session';
/** Set by a successful sign-in: this browser signed in to this member before (see src/shop-app/members/second-factor.ts). */
export const DEVICE_COOKIE = '__Host-apay_app_device';
const DEVICE_TTL_SECONDS = 180 * 86_400;
const APP_PATH = '/app';

export type AppPageEnv = AppEnv & {
  Variables: AppEnv['Variables'] & {
    session: AppSession;
    appShop: ShopRecord;
    /** Set only by a page that needs more than the strict policy (the Stats page's Metabase embed). */
    appCsp: string | undefined;
  };
};

/**
 * Our own origin only. With `metabaseOrigin` (the Stats page when Metabase is configured) that one
 * origin is added exactly where the guest embed needs it and nowhere else: script-src (its
 * embed.js), frame-src (the dashboard's iframe), connect-src (embed.js talking to Metabase; 'self'
 * for its POST to our token refresh endpoint). Every other page keeps the strict policy.
 */
export function appCsp(metabaseOrigin?: string): string {
  return [
    "default-src 'none'",
    metabaseOrigin ? `script-src 'self' ${metabaseOrigin}` : "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    ...(metabaseOrigin ? [`frame-src ${metabaseOrigin}`, `connect-src 'self' ${metabaseOrigin}`] : []),
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const CSP = appCsp();

// nosniff and HSTS are the Worker's, set on every answer in one place (src/api/http/security-headers.ts).
export const securityHeaders = (): MiddlewareHandler<AppPageEnv> => async (c, next) => {
  await next();
  c.header('Content-Security-Policy', c.get('appCsp') ?? CSP);
  c.header('X-Frame-Options', 'DENY');
  // same-origin: invite links carry their secret in the path and never leave in a Referer; with
  // no-referrer, Chromium would send `Origin: null` on our own forms and the CSRF check would refuse them.
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
  c.header('X-Robots-Tag', 'noindex');
};

/**
 * For a script's same-origin fetch (no form, so no CSRF token): true only when the browser says so,
 * `Origin` equal to ours, else `Sec-Fetch-Site: same-origin`. Browsers send Origin on every POST
 * fetch, so a request with neither header is refused here (stricter than `sameSite`).
 */
export function sameOriginFetch(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin) return origin === new URL(c.req.url).origin;
  return c.req.header('sec-fetch-site') === 'same-origin';
}

/** False for a request a browser sent from another site. Requests without either header are not from a browser form. */
export function sameSite(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin) return origin === new URL(c.req.url).origin;
  const site = c.req.header('sec-fetch-site');
  return !site || site === 'same-origin' || site === 'none';
}

const HOST_COOKIE = { path: '/', httpOnly: true, secure: true, sameSite: 'Lax' } as const;

export function setSessionCookie(c: Context, value: string): void {
  setCookie(c, SESSION_COOKIE, value, HOST_COOKIE);
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, HOST_COOKIE);
}

/** Only when the sign-in issued a new one (a browser that had a valid one keeps it). */
export function setDeviceCookie(c: Context, value: string | null): void {
  if (value) setCookie(c, DEVICE_COOKIE, value, { ...HOST_COOKIE, sameSite: 'Strict', maxAge: DEVICE_TTL_SECONDS });
}

/**
 * Signed-in pages: a valid session of an existing, enabled shop, else back to sign-in. `json`: for
 * an endpoint a script calls (the embed's token refresh), answer 401/403 JSON instead of a redirect.
 */
export const requireSession =
  (opts: { json?: boolean } = {}): MiddlewareHandler<AppPageEnv> =>
  async (c, next) => {
    const session = await c.var.services.members.resolve(getCookie(c, SESSION_COOKIE));
    if (!session) {
      clearSessionCookie(c);
      return opts.json ? c.json({ error: 'not signed in' }, 401) : c.redirect(`${APP_PATH}/sign-in`, 303);
    }
    const shop = await c.var.services.shops.getShop(session.shopId);
    if (!shop || shop.disabled) {
      return opts.json ? c.json({ error: 'shop disabled' }, 403) : c.text('This shop is disabled. Contact AimbrellaPay support.', 403);
    }
    c.set('session', session);
    c.set('appShop', shop);
    await next();
  };

/** Every signed-in POST: same site and the session's CSRF token. */
export const requireCsrf = (): MiddlewareHandler<AppPageEnv> => async (c, next) => {
  if (c.req.method !== 'POST') return next();
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const token = typeof form._csrf === 'string' ? form._csrf : '';
  if (!sameSite(c) || !(await timingSafeEqualStrings(token, c.var.session.csrf))) {
    return c.text('This form was sent from another site or has expired. Go back, reload the page and try again.', 403);
  }
  await next();
};
