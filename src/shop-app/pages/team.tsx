/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { Member, MemberRole } from '../../../generated/api/types.gen';
import { fmtTime } from '../format';
import { AppPage, Csrf, type Frame, Notice } from '../layout';
import type { AuditEntry } from '../members/members-object';
import { can, ROLE_TEXT, ROLES } from '../members/roles';
import { CopyField } from './copy-field';

export type TeamNotice =
  | { kind: 'invite'; email: string; role: MemberRole; url: string; expiresAt: string }
  | { kind: 'message'; tone: 'ok' | 'bad'; text: string };

const RoleSelect: FC<{ id: string; value: MemberRole }> = ({ id, value }) => (
  <select id={id} name="role">
    {ROLES.map((r) => (
      <option value={r} selected={r === value}>
        {ROLE_TEXT[r]}
      </option>
    ))}
  </select>
);

/** Who can use the app for this shop; owners invite, change roles and remove. */
export const TeamPage: FC<{ frame: Frame; members: Member[]; selfId: string; notice?: TeamNotice; inviteEmail?: string }> = ({
  frame,
  members,
  selfId,
  notice,
  inviteEmail,
}) => {
  const owner = can(frame.role, 'team');
  return (
    <AppPage title="Team" frame={frame} nav="team" script>
      <div class="page-head">
        <h1>Team</h1>
        <p class="muted">
          Everyone who can sign in to {frame.shopName}. You are {frame.role === 'owner' ? 'an owner' : `a ${frame.role}`}.
          {owner ? (
            <>
              {' '}
              <a href="/app/team/audit">Audit list</a>
            </>
          ) : null}
        </p>
      </div>
      {notice?.kind === 'message' ? <Notice tone={notice.tone}>{notice.text}</Notice> : null}
      {notice?.kind === 'invite' ? (
        <div class="notice notice-ok stack" role="status">
          <p>
            <strong>Invite link for {notice.email}</strong> ({notice.role}). Shown only once: send it to them privately. It works once,
            until {fmtTime(notice.expiresAt)}, and lets them set their password.
          </p>
          <CopyField id="invite-link" label="Invite link" value={notice.url} />
        </div>
      ) : null}

      <section class="panel" aria-labelledby="members">
        <h2 id="members">Members</h2>
        <div class="table-wrap">
          <table class="table team">
            <caption class="visually-hidden">Members of {frame.shopName}</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                {owner ? (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr>
                  <td data-label="Email">
                    {m.email}
                    {m.id === selfId ? <span class="muted"> (you)</span> : null}
                  </td>
                  <td data-label="Role">{m.role}</td>
                  <td data-label="Status">{m.status === 'active' ? 'Active' : `Invited ${fmtTime(m.invitedAt)}`}</td>
                  <td data-label="Last sign-in">{m.lastSignInAt ? fmtTime(m.lastSignInAt) : 'Never'}</td>
                  {owner ? (
                    <td data-label="">
                      {m.id === selfId ? null : (
                        <div class="row-actions">
                          <form method="post" action={`/app/team/${m.id}/role`} class="inline-form">
                            <Csrf token={frame.csrf} />
                            <label class="visually-hidden" for={`role-${m.id}`}>
                              Role of {m.email}
                            </label>
                            <RoleSelect id={`role-${m.id}`} value={m.role} />
                            <button type="submit" class="button small">
                              Change role
                            </button>
                          </form>
                          <form method="post" action={`/app/team/${m.id}/remove`}>
                            <Csrf token={frame.csrf} />
                            <button type="submit" class="button danger small" aria-label={`Remove ${m.email}`}>
                              Remove
                            </button>
                          </form>
                        </div>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {owner ? (
        <section class="panel stack" aria-labelledby="invite">
          <h2 id="invite">Invite someone</h2>
          <p class="muted">
            You get a one-time link to send them; it is valid for 72 hours. Inviting a member again resets their password.
          </p>
          <form method="post" action="/app/team/invite" class="stack">
            <Csrf token={frame.csrf} />
            <div class="field">
              <label for="invite-email">Email</label>
              <input id="invite-email" name="email" type="email" maxlength={254} required value={inviteEmail ?? ''} autocomplete="off" />
            </div>
            <div class="field">
              <label for="invite-role">Role</label>
              <RoleSelect id="invite-role" value="viewer" />
            </div>
            <button type="submit" class="button primary">
              Create invite link
            </button>
          </form>
        </section>
      ) : (
        <p class="hint">Owners invite and remove members. Ask an owner if someone needs access or a different role.</p>
      )}
    </AppPage>
  );
};

const ACTION_TEXT: Record<string, string> = {
  'member.invited': 'Invited a member',
  'member.removed': 'Removed a member',
  'member.role-changed': 'Changed a role',
  'token.issued': 'Created an API token',
  'token.revoked': 'Revoked an API token',
  'webhook-secret.rotated': 'Rotated the webhook secret',
  'postback.test-sent': 'Sent a test postback',
  'postback.resent': 'Resent a postback',
  'two-step.enabled': 'Turned on two-step sign-in',
  'two-step.disabled': 'Turned off two-step sign-in',
  'sessions.ended-everywhere': 'Signed out everywhere',
};

export const AuditPage: FC<{ frame: Frame; entries: AuditEntry[]; next?: number }> = ({ frame, entries, next }) => (
  <AppPage title="Audit list" frame={frame} nav="team">
    <div class="page-head">
      <h1>Audit list</h1>
      <p class="muted">
        Every change made in the app or by AimbrellaPay to {frame.shopName}'s team, tokens, webhook secret and postbacks, newest first.
      </p>
    </div>
    {entries.length === 0 ? (
      <p class="empty">Nothing has been changed yet. Changes appear here as soon as someone makes one.</p>
    ) : (
      <div class="table-wrap">
        <table class="table audit">
          <caption class="visually-hidden">Audit list</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td data-label="When">{fmtTime(e.at)}</td>
                <td data-label="Who">{e.email}</td>
                <td data-label="What">{ACTION_TEXT[e.action] ?? e.action}</td>
                <td data-label="Details" class="wrap">
                  {e.detail}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    {next ? (
      <p>
        <a class="button" href={`/app/team/audit?before=${next}`}>
          Older entries
        </a>
      </p>
    ) : null}
  </AppPage>
);
