/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { type AccountNotice, AccountPage } from './pages/account';
import { actor, type C, form, frame, signedIn } from './route-kit';
import { type AppPageEnv, clearSessionCookie } from './security';

/** /app/account: the member's own sign-in — two-step sign-in (TOTP) and sign-out everywhere. Open to every role. */
export const accountRouter = new Hono<AppPageEnv>();

async function account(c: C, notice?: AccountNotice, status: 200 | 400 = 200) {
  const secondFactor = await c.var.services.members.secondFactor(c.var.session);
  return c.html(<AccountPage frame={frame(c, '/app/account')} secondFactor={secondFactor} notice={notice} />, status);
}

accountRouter.get('/app/account', ...signedIn, (c) => account(c));

accountRouter.post('/app/account/two-step/start', ...signedIn, async (c) => {
  const { members } = c.var.services;
  if ((await members.secondFactor(c.var.session)).enabled)
    return account(c, { kind: 'message', tone: 'bad', text: 'Two-step sign-in is already on.' }, 400);
  return account(c, { kind: 'enrol', enrolment: await members.startTotp(c.var.session) });
});

accountRouter.post('/app/account/two-step/confirm', ...signedIn, async (c) => {
  const { members, log } = c.var.services;
  const result = await members.confirmTotp(c.var.session, (await form(c)).code ?? '');
  if (result.ok) {
    log.info('two-step sign-in turned on', { shopId: c.var.session.shopId, memberId: c.var.session.memberId });
    await members.record(c.var.session.shopId, actor(c), 'two-step.enabled', c.var.session.email);
    return account(c, { kind: 'recovery-codes', codes: result.recoveryCodes });
  }
  const enrolment = await members.stagedTotp(c.var.session);
  if (!enrolment) return account(c, { kind: 'message', tone: 'bad', text: 'Start the set-up again.' }, 400);
  return account(
    c,
    {
      kind: 'enrol',
      enrolment,
      error: 'That code does not match. Check that the time on your phone is set automatically and type the newest code.',
    },
    400,
  );
});

accountRouter.post('/app/account/two-step/disable', ...signedIn, async (c) => {
  const { members, log } = c.var.services;
  if (!(await members.disableTotp(c.var.session, (await form(c)).code ?? ''))) {
    return account(
      c,
      { kind: 'message', tone: 'bad', text: 'That code is not right (or was used already). Two-step sign-in is still on.' },
      400,
    );
  }
  log.info('two-step sign-in turned off', { shopId: c.var.session.shopId, memberId: c.var.session.memberId });
  await members.record(c.var.session.shopId, actor(c), 'two-step.disabled', c.var.session.email);
  return account(c, { kind: 'message', tone: 'ok', text: 'Two-step sign-in is off. Your password alone signs you in now.' });
});

accountRouter.post('/app/account/sign-out-everywhere', ...signedIn, async (c) => {
  const ended = await c.var.services.members.signOutEverywhere(c.var.session);
  c.var.services.log.info('member signed out everywhere', {
    shopId: c.var.session.shopId,
    memberId: c.var.session.memberId,
    sessions: ended,
  });
  await c.var.services.members.record(
    c.var.session.shopId,
    actor(c),
    'sessions.ended-everywhere',
    `${c.var.session.email}: ${ended} session${ended === 1 ? '' : 's'}`,
  );
  clearSessionCookie(c);
  return c.redirect('/app/sign-in', 303);
});
