import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { servedAt, servedFrom } from '../../api/contract/specs';
import type { AppEnv } from '../../app-env';
import { clientIp, LoginThrottle, tryAgainIn } from '../../platform/limits/login-throttle';
import { parsePasswordHash, verifyPassword } from '../../platform/security/password';
import { closedPage, loginPage, SIGN_OUT_FORM } from '../pages';
import { renderScalarPage } from '../scalar-page';
import {
  DEVICE_COOKIE,
  DEVICE_TTL_SECONDS,
  endSession,
  issueDeviceCookie,
  issueSession,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  sessionCookieOptions,
  verifyDeviceCookie,
  verifySession,
} from '../session';

/** The single account behind the operator password gate. */
const OPERATOR_ACCOUNT = 'operator';

/**
 * /internal: operator docs and the full reference (admin and Bansky operations included), behind
 * a password. Without a valid session every path answers 401 with the sign-in form and nothing else.
 */
export const internalDocsRouter = new Hono<AppEnv>();

const passwordHashOf = (c: Context<AppEnv>) => c.var.services.config.internalDocsPasswordHash;

// Never cached by a browser or proxy, never indexed.
for (const path of ['/internal', '/internal/*']) {
  internalDocsRouter.use(path, async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
  });
}

/** Null for a signed-in operator; otherwise the answer instead: the sign-in form (401), or 503 when no password is set. */
async function refusal(c: Context<AppEnv>): Promise<Response | null> {
  const hash = passwordHashOf(c);
  if (!parsePasswordHash(hash)) return c.html(closedPage(), 503);
  const ok = await verifySession(c.var.services, getCookie(c, SESSION_COOKIE), hash!, c.var.services.clock.now());
  return ok ? null : c.html(loginPage(), 401);
}

internalDocsRouter.get('/internal', async (c) => {
  const refused = await refusal(c);
  if (refused) return refused;
  const html = await renderScalarPage(c, { specUrl: '/internal/openapi.json', title: 'AimbrellaPay internal docs' }, (page) =>
    page.replace('</body>', `${SIGN_OUT_FORM}\n</body>`),
  );
  return c.html(html);
});

internalDocsRouter.get('/internal/', (c) => c.redirect('/internal', 301));

internalDocsRouter.get('/internal/openapi.json', async (c) => {
  const refused = await refusal(c);
  return (
    refused ??
    c.json(servedFrom(await c.var.services.documents.internalDocsSpec(), servedAt(c.req.url, c.var.services.config.publicBaseUrl)))
  );
});

internalDocsRouter.post('/internal/login', async (c) => {
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(c.req.url).origin) return c.html(loginPage('Sign in from this site.'), 403);
  const stored = parsePasswordHash(passwordHashOf(c));
  if (!stored) return c.html(closedPage(), 503);

  const hash = passwordHashOf(c)!;
  const now = c.var.services.clock.now();
  const attempt = {
    ip: clientIp(c.req.raw.headers),
    account: OPERATOR_ACCOUNT,
    device: await verifyDeviceCookie(getCookie(c, DEVICE_COOKIE), hash),
  };
  const throttle = new LoginThrottle(c.var.services.limiter, 'internal-docs');
  const verdict = await throttle.begin(attempt, now);
  if (!verdict.allowed) {
    c.var.services.log.warn('internal docs: sign-in refused while locked', { retryAfter: verdict.retryAfterSeconds });
    c.header('Retry-After', String(verdict.retryAfterSeconds));
    return c.html(
      loginPage(`Too many wrong passwords: sign-in is locked, even with the right password. ${tryAgainIn(verdict.retryAfterSeconds)}`),
      429,
    );
  }
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const password = typeof form.password === 'string' ? form.password : '';
  if (!(await verifyPassword(password, stored))) {
    c.var.services.log.warn('internal docs: wrong password', { remaining: verdict.remaining });
    return c.html(loginPage('Wrong password.'), 401);
  }
  await throttle.succeeded(attempt);
  const session = await issueSession(c.var.services, hash, now);
  setCookie(c, SESSION_COOKIE, session, sessionCookieOptions(c.req.url, SESSION_TTL_SECONDS));
  if (!attempt.device) setCookie(c, DEVICE_COOKIE, await issueDeviceCookie(hash), sessionCookieOptions(c.req.url, DEVICE_TTL_SECONDS));
  return c.redirect('/internal', 303);
});

// Ends the session server-side: the cookie stops working at once, even if a copy of it is kept.
internalDocsRouter.post('/internal/logout', async (c) => {
  const hash = passwordHashOf(c);
  if (parsePasswordHash(hash)) await endSession(c.var.services, getCookie(c, SESSION_COOKIE), hash!);
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c.req.url, 0));
  return c.redirect('/internal', 303);
});

// Any other path under /internal: the same refusal as the pages, never a hint of what exists.
internalDocsRouter.all('/internal/*', async (c) => (await refusal(c)) ?? c.notFound());
