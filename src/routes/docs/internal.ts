import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import contract from '../../../generated/openapi.json';
import { INTERNAL_GUIDE } from '../../docs/content.gen';
import { clientIp, LOCKOUT_SECONDS, LoginThrottle } from '../../docs/login-throttle';
import { closedPage, loginPage, SIGN_OUT_FORM } from '../../docs/pages';
import { parsePasswordHash, verifyPassword } from '../../docs/password';
import { renderScalarPage } from '../../docs/scalar-page';
import { issueSession, SESSION_COOKIE, SESSION_TTL_SECONDS, sessionCookieOptions, verifySession } from '../../docs/session';
import { buildInternalSpec, servedFrom } from '../../docs/specs';
import type { AppEnv } from '../../http/context';

/**
 * /internal: operator docs and the full reference (admin and Bansky operations included), behind
 * a password. Without a valid session every path answers 401 with the sign-in form and nothing else.
 */
export const internalDocsRouter = new Hono<AppEnv>();

let internalSpec: Record<string, unknown> | undefined;
const getInternalSpec = () => (internalSpec ??= buildInternalSpec(contract as Record<string, unknown>, INTERNAL_GUIDE));

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
  const ok = await verifySession(getCookie(c, SESSION_COOKIE), hash!, c.var.services.now());
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
  return refused ?? c.json(servedFrom(getInternalSpec(), c.var.services.config.publicBaseUrl));
});

internalDocsRouter.post('/internal/login', async (c) => {
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(c.req.url).origin) return c.html(loginPage('Sign in from this site.'), 403);
  const stored = parsePasswordHash(passwordHashOf(c));
  if (!stored) return c.html(closedPage(), 503);

  const ip = clientIp(c.req.raw.headers);
  const throttle = new LoginThrottle(c.env.KV);
  if (await throttle.isLocked(ip)) {
    c.header('Retry-After', String(LOCKOUT_SECONDS));
    return c.html(loginPage('Too many wrong passwords. Try again in 15 minutes.'), 429);
  }
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const password = typeof form.password === 'string' ? form.password : '';
  if (!(await verifyPassword(password, stored))) {
    const failures = await throttle.recordFailure(ip);
    c.var.services.log.warn('internal docs: wrong password', { failures });
    return c.html(loginPage('Wrong password.'), 401);
  }
  await throttle.reset(ip);
  const session = await issueSession(passwordHashOf(c)!, c.var.services.now());
  setCookie(c, SESSION_COOKIE, session, sessionCookieOptions(c.req.url, SESSION_TTL_SECONDS));
  return c.redirect('/internal', 303);
});

internalDocsRouter.post('/internal/logout', (c) => {
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c.req.url, 0));
  return c.redirect('/internal', 303);
});

// Any other path under /internal: the same refusal as the pages, never a hint of what exists.
internalDocsRouter.all('/internal/*', async (c) => (await refusal(c)) ?? c.notFound());
