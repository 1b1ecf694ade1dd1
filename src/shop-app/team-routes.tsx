/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { isRole } from './members/roles';
import { MemberConflict } from './members/service';
import { AuditPage, type TeamNotice, TeamPage } from './pages/team';
import { actor, allowed, type C, form, frame, signedIn } from './route-kit';
import type { AppPageEnv } from './security';

/**
 * /app/team: the shop's members, and for owners inviting, changing roles, removing and the audit
 * list. Every change is checked against the role here (allowed('team')) and recorded.
 */
export const teamRouter = new Hono<AppPageEnv>();

const AUDIT_PAGE = 50;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

async function team(c: C, notice?: TeamNotice, status: 200 | 400 | 404 | 409 = 200, inviteEmail?: string) {
  const members = await c.var.services.members.list(c.var.session.shopId);
  return c.html(
    <TeamPage frame={frame(c, '/app/team')} members={members} selfId={c.var.session.memberId} notice={notice} inviteEmail={inviteEmail} />,
    status,
  );
}

teamRouter.get('/app/team', ...signedIn, (c) => team(c));

teamRouter.post('/app/team/invite', ...signedIn, allowed('team'), async (c) => {
  const f = await form(c);
  const email = (f.email ?? '').trim().slice(0, 254);
  if (!EMAIL.test(email))
    return team(c, { kind: 'message', tone: 'bad', text: 'Enter the email address of the person to invite.' }, 400, email);
  if (!isRole(f.role)) return team(c, { kind: 'message', tone: 'bad', text: 'Choose a role: owner, developer or viewer.' }, 400, email);
  try {
    const invite = await c.var.services.members.invite(c.var.session.shopId, email, actor(c), f.role);
    return team(c, {
      kind: 'invite',
      email: invite.member.email,
      role: invite.member.role,
      url: invite.inviteUrl,
      expiresAt: invite.expiresAt,
    });
  } catch (err) {
    if (err instanceof MemberConflict)
      return team(c, { kind: 'message', tone: 'bad', text: `${err.message} Ask AimbrellaPay to move them.` }, 409, email);
    throw err;
  }
});

teamRouter.post('/app/team/:memberId/role', ...signedIn, allowed('team'), async (c) => {
  const { services, session } = c.var;
  const role = (await form(c)).role;
  const memberId = c.req.param('memberId');
  if (!isRole(role)) return team(c, { kind: 'message', tone: 'bad', text: 'Choose a role: owner, developer or viewer.' }, 400);
  if (memberId === session.memberId) return team(c, { kind: 'message', tone: 'bad', text: 'Another owner changes your role.' }, 400);
  const changed = await services.members.setRole(session.shopId, memberId, role, actor(c));
  if (!changed) return team(c, { kind: 'message', tone: 'bad', text: 'No such member.' }, 404);
  if (changed === 'last-owner')
    return team(c, { kind: 'message', tone: 'bad', text: 'The shop needs at least one owner who can sign in.' }, 409);
  return team(c, {
    kind: 'message',
    tone: 'ok',
    text: `${changed.email} is now ${changed.role === 'owner' ? 'an owner' : `a ${changed.role}`}; it applies to their next click.`,
  });
});

teamRouter.post('/app/team/:memberId/remove', ...signedIn, allowed('team'), async (c) => {
  const { services, session } = c.var;
  const memberId = c.req.param('memberId');
  if (memberId === session.memberId) return team(c, { kind: 'message', tone: 'bad', text: 'Another owner removes you.' }, 400);
  const target = await services.members.member(session.shopId, memberId);
  if (!target) return team(c, { kind: 'message', tone: 'bad', text: 'No such member.' }, 404);
  if (target.role === 'owner' && target.status === 'active' && (await services.members.otherActiveOwners(session.shopId, memberId)) === 0) {
    return team(c, { kind: 'message', tone: 'bad', text: 'The shop needs at least one owner who can sign in.' }, 409);
  }
  const removed = await services.members.remove(session.shopId, memberId, actor(c));
  if (!removed) return team(c, { kind: 'message', tone: 'bad', text: 'No such member.' }, 404);
  services.log.info('member removed in the shop app; their sessions ended', { shopId: session.shopId, memberId, by: session.memberId });
  return team(c, { kind: 'message', tone: 'ok', text: `${removed.email} was removed; their sessions have ended.` });
});

teamRouter.get('/app/team/audit', ...signedIn, allowed('audit'), async (c) => {
  const before = Number(c.req.query('before'));
  const entries = await c.var.services.members.auditList(
    c.var.session.shopId,
    AUDIT_PAGE + 1,
    Number.isSafeInteger(before) && before > 0 ? before : undefined,
  );
  const next = entries.length > AUDIT_PAGE ? entries[AUDIT_PAGE - 1]!.id : undefined;
  return c.html(<AuditPage frame={frame(c, '/app/team')} entries={entries.slice(0, AUDIT_PAGE)} next={next} />);
});
