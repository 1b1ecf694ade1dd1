/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Mode } from '../../generated/api/types.gen';
import { clientIp } from '../platform/limits/login-throttle';
import { PASSWORD_RULE_TEXT } from '../platform/security/password-policy';
import { accountRouter } from './account-routes';
import { developersRouter } from './developers-routes';
import { InvitePage, InviteUnusablePage, MessagePage, SecondFactorPage, SignInPage } from './pages/auth';
import { paymentsRouter } from './payments-routes';
import { postbacksRouter } from './postbacks-routes';
import { type C, crossSite, form, signedIn } from './route-kit';
import {
  type AppPageEnv,
  clearSessionCookie,
  DEVICE_COOKIE,
  SESSION_COOKIE,
  sameSite,
  securityHeaders,
  setDeviceCookie,
  setSessionCookie,
} from './security';
import { statsRouter } from './stats-routes';
import { teamRouter } from './team-routes';

/**
 * /app: the shop app, server-rendered (no client-side JavaScript needed). Handlers only call the
 * domain (members, the payments index, the payment objects, the shop store) — the same code the
 * API uses — and render. Every signed-in route goes through requireSession and requireCsrf.
 *
 * This file holds what comes before any page area: the security headers, sign-in, invites,
 * sign-out and the mode switch. Each page area is its own router (`<area>-routes.tsx`, built
 * from route-kit.tsx), mounted below in order, then the 404 for anything else under /app.
 */
export const shopAppRouter = new Hono<AppPageEnv>();

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

// The page areas. Their paths do not overlap, so the order only has to keep the 404 below last.
shopAppRouter.route('/', paymentsRouter);
shopAppRouter.route('/', developersRouter);
shopAppRouter.route('/', statsRouter);
shopAppRouter.route('/', accountRouter);
shopAppRouter.route('/', teamRouter);
shopAppRouter.route('/', postbacksRouter);

// Anything else under /app: signed-out visitors go to sign-in; members get a plain 404.
shopAppRouter.all('/app/*', ...signedIn, (c) =>
  c.html(<MessagePage title="Page not found" message="There is no page at this address." />, 404),
);
