/**
 * Roles in the shop app, checked on the server: every state-changing route refuses a role that
 * lacks the permission (403, nothing changes) whatever the page showed, and every change lands
 * in the owner's audit list with who, what and when — and no secret.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MemberRole } from '../../generated/api/types.gen';
import { appGet, appPost, csrfOf, PASSWORD, sessionCookieOf, signedInMember } from './app.support';
import { adminCall, createShopWithToken } from './helpers';
import {
  checkout,
  paymentBody,
  recorded,
  recorderUrl,
  relayBanskyPostbacks,
  shopApi,
  shopHookPath,
  visit,
  waitFor,
} from './payments.support';

type Member = Awaited<ReturnType<typeof signedInMember>>;
let shop: { shopId: string; token: string; tokenId: string };
let paymentId: string;
const team: Record<MemberRole, Member> = {} as Record<MemberRole, Member>;
let bystander: Member;

async function state() {
  const kv = (await env.KV.get<{ webhookSecrets: unknown[] }>(`shop:${shop.shopId}`, 'json'))!;
  const tokens = (await (await adminCall('GET', `/admin/v1/shops/${shop.shopId}/tokens`)).json()) as {
    items: { revokedAt: string | null }[];
  };
  const members = (await (await adminCall('GET', `/admin/v1/shops/${shop.shopId}/members`)).json()) as {
    items: { id: string; role: string }[];
  };
  return {
    secrets: kv.webhookSecrets.length,
    tokens: tokens.items.length,
    revoked: tokens.items.filter((t) => t.revokedAt).length,
    members: members.items,
  };
}

beforeAll(async () => {
  shop = await createShopWithToken({ allowedRedirectHosts: ['shop.example'] });
  for (const role of ['owner', 'developer', 'viewer'] as const) team[role] = await signedInMember(shop.shopId, undefined, role);
  bystander = await signedInMember(shop.shopId, undefined, 'viewer');
  const hook = shopHookPath();
  const init = await shopApi(shop.token).init(
    paymentBody({ id: `team-${crypto.randomUUID().slice(0, 6)}`, postbackUrl: recorderUrl() + hook }),
  );
  paymentId = init.data!.id;
  await checkout((await visit(init.data!.url)).headers.get('location')!, 'pay');
  await relayBanskyPostbacks(paymentId);
  // Delivered once, so a resend is possible (and, a minute later, not rate-limited in these tests: each resends once).
  await waitFor('the first delivery', async () => ((await recorded(hook)).length > 0 ? true : null));
});

const ACTIONS: Array<{ name: string; path: () => string; fields?: () => Record<string, string>; get?: true; roles: MemberRole[] }> = [
  { name: 'create a token', path: () => '/app/developers/tokens', fields: () => ({ label: 'role check' }), roles: ['owner', 'developer'] },
  { name: 'revoke a token', path: () => `/app/developers/tokens/${shop.tokenId}/revoke`, roles: ['owner', 'developer'] },
  { name: 'rotate the webhook secret', path: () => '/app/developers/webhook-secret', roles: ['owner', 'developer'] },
  {
    name: 'send a test postback',
    path: () => '/app/developers/test-postback',
    fields: () => ({ url: `${recorderUrl()}/role-check` }),
    roles: ['owner', 'developer'],
  },
  { name: 'resend a postback', path: () => `/app/payments/${paymentId}/resend`, roles: ['owner', 'developer'] },
  {
    name: 'invite a member',
    path: () => '/app/team/invite',
    fields: () => ({ email: `new-${crypto.randomUUID().slice(0, 6)}@shop.example`, role: 'owner' }),
    roles: ['owner'],
  },
  {
    name: "change a member's role",
    path: () => `/app/team/${bystander.memberId}/role`,
    fields: () => ({ role: 'owner' }),
    roles: ['owner'],
  },
  { name: 'remove a member', path: () => `/app/team/${bystander.memberId}/remove`, roles: ['owner'] },
  { name: 'read the audit list', path: () => '/app/team/audit', get: true, roles: ['owner'] },
];

describe.each(['viewer', 'developer'] as const)('as a %s', (role) => {
  it.each(ACTIONS.filter((a) => !a.roles.includes(role)).map((a) => [a.name, a] as const))(
    'refuses to %s on the server (403, nothing changes)',
    async (_name, action) => {
      const m = team[role];
      const before = await state();
      const res = action.get
        ? await appGet(action.path(), m.cookie)
        : await appPost(action.path(), { ...(action.fields?.() ?? {}), _csrf: m.csrf }, { cookie: m.cookie });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain(`As a ${role} you cannot`);
      expect(await state()).toEqual(before);
    },
  );

  it('does not show the forms it may not use', async () => {
    const dev = await (await appGet('/app/developers', team[role].cookie)).text();
    const payment = await (await appGet(`/app/payments/${paymentId}`, team[role].cookie)).text();
    const teamPage = await (await appGet('/app/team', team[role].cookie)).text();
    const developer = role === 'developer';
    expect(dev.includes('action="/app/developers/tokens"')).toBe(developer);
    expect(dev.includes('action="/app/developers/webhook-secret"')).toBe(developer);
    expect(dev.includes('action="/app/developers/test-postback"')).toBe(developer);
    expect(payment.includes(`action="/app/payments/${paymentId}/resend"`)).toBe(developer);
    expect(teamPage).not.toContain('action="/app/team/invite"');
    expect(teamPage).not.toContain('/remove"');
    expect(teamPage).not.toContain('href="/app/team/audit"');
  });
});

describe('a developer', () => {
  it('creates and revokes tokens, rotates the secret, sends test postbacks and resends', async () => {
    const m = team.developer;
    const created = await appPost('/app/developers/tokens', { label: 'dev made', _csrf: m.csrf }, { cookie: m.cookie });
    expect(created.status).toBe(200);
    const tokenId = /\/app\/developers\/tokens\/(tok_[A-Za-z0-9]+)\/revoke/.exec(await created.text())![1]!;
    expect((await appPost(`/app/developers/tokens/${tokenId}/revoke`, { _csrf: m.csrf }, { cookie: m.cookie })).status).toBe(200);
    expect((await appPost('/app/developers/webhook-secret', { _csrf: m.csrf }, { cookie: m.cookie })).status).toBe(200);
    expect(
      (await appPost('/app/developers/test-postback', { url: `${recorderUrl()}/dev-test`, _csrf: m.csrf }, { cookie: m.cookie })).status,
    ).toBe(200);
    expect((await appPost(`/app/payments/${paymentId}/resend`, { _csrf: m.csrf }, { cookie: m.cookie })).status).toBe(303);
  });
});

describe('an owner', () => {
  it('invites a developer from the app, changes their role, removes them (their session ends at once)', async () => {
    const o = team.owner;
    const email = `invitee-${crypto.randomUUID().slice(0, 6)}@shop.example`;
    const invited = await appPost('/app/team/invite', { email, role: 'developer', _csrf: o.csrf }, { cookie: o.cookie });
    expect(invited.status).toBe(200);
    const html = await invited.text();
    const link = /id="invite-link"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(link).toMatch(/\/app\/invite\/shop_[A-Za-z0-9]+\.[A-Za-z0-9]{43}$/);
    const accepted = await appPost(`/app/invite/${link.split('/app/invite/')[1]}`, { password: PASSWORD, confirm: PASSWORD });
    expect(accepted.status, link).toBe(303);
    const cookie = sessionCookieOf(accepted)!;
    const newcomer = (await state()).members.find((x) => x.role === 'developer' && x.id !== team.developer.memberId)!;
    expect(newcomer).toBeTruthy();

    const demoted = await appPost(`/app/team/${newcomer.id}/role`, { role: 'viewer', _csrf: o.csrf }, { cookie: o.cookie });
    expect(await demoted.text()).toContain('is now a viewer');
    // The new role applies to the next request of the member's existing session.
    const csrf = csrfOf(await (await appGet('/app/payments', cookie)).text());
    expect((await appPost('/app/developers/webhook-secret', { _csrf: csrf }, { cookie })).status).toBe(403);

    const removed = await appPost(`/app/team/${newcomer.id}/remove`, { _csrf: o.csrf }, { cookie: o.cookie });
    expect(await removed.text()).toContain('was removed; their sessions have ended');
    expect((await appGet('/app/payments', cookie)).status).toBe(303);
  });

  it('cannot remove or demote themselves, nor the last owner who can sign in', async () => {
    const lone = await createShopWithToken();
    const o = await signedInMember(lone.shopId, undefined, 'owner');
    const invitedOwner = (await (
      await adminCall('POST', `/admin/v1/shops/${lone.shopId}/members`, {
        email: `pending-${crypto.randomUUID().slice(0, 6)}@shop.example`,
        role: 'owner',
      })
    ).json()) as {
      member: { id: string };
    };
    expect((await appPost(`/app/team/${o.memberId}/remove`, { _csrf: o.csrf }, { cookie: o.cookie })).status).toBe(400);
    expect((await appPost(`/app/team/${o.memberId}/role`, { role: 'viewer', _csrf: o.csrf }, { cookie: o.cookie })).status).toBe(400);
    // An owner who has not set a password yet does not count: they could not sign in.
    const other = await signedInMember(lone.shopId, undefined, 'owner');
    const signedOut = await appPost(`/app/team/${o.memberId}/remove`, { _csrf: other.csrf }, { cookie: other.cookie });
    expect(signedOut.status).toBe(200); // two active owners: one may go
    expect((await appPost(`/app/team/${invitedOwner.member.id}/remove`, { _csrf: other.csrf }, { cookie: other.cookie })).status).toBe(200);
    expect(
      (await appPost(`/app/team/${other.memberId}/role`, { role: 'viewer', _csrf: other.csrf }, { cookie: other.cookie })).status,
    ).toBe(400);
  });

  it('reads the audit list: who, what, when, for every change above and the operator’s, with no secret in it', async () => {
    const o = team.owner;
    const tokenPage = await (await appPost('/app/developers/tokens', { label: 'audited', _csrf: o.csrf }, { cookie: o.cookie })).text();
    const token = /id="new-token"[^>]*value="([^"]+)"/.exec(tokenPage)?.[1] ?? /value="(apay_[^"]+)"/.exec(tokenPage)?.[1] ?? '';
    expect(token.length).toBeGreaterThan(20);
    const secretPage = await (await appPost('/app/developers/webhook-secret', { _csrf: o.csrf }, { cookie: o.cookie })).text();
    const secret = /id="new-secret"[^>]*value="([^"]+)"/.exec(secretPage)![1]!;
    const audit = await appGet('/app/team/audit', o.cookie);
    expect(audit.status).toBe(200);
    const html = await audit.text();
    // (A resend the 60 s limit refused changes nothing and is not listed; the developer's came moments after the first delivery.)
    for (const what of [
      'Created an API token',
      'Revoked an API token',
      'Rotated the webhook secret',
      'Sent a test postback',
      'Invited a member',
      'Changed a role',
      'Removed a member',
    ]) {
      expect(html).toContain(what);
    }
    expect(html).toContain(team.developer.email);
    expect(html).toContain(o.email);
    expect(html).toContain('AimbrellaPay operator'); // the operator's invites through the admin API
    expect(html).toMatch(/\d{4}-\d{2}-\d{2}|\d{1,2} \w{3}/); // when
    expect(html).not.toContain(token);
    expect(html).not.toContain(secret);
  });
});

describe('members the operator invited before roles existed', () => {
  it('are owners, and the admin API lists roles', async () => {
    const s = await createShopWithToken();
    const res = await adminCall('POST', `/admin/v1/shops/${s.shopId}/members`, {
      email: `first-${crypto.randomUUID().slice(0, 6)}@shop.example`,
    });
    expect(((await res.json()) as { member: { role: string } }).member.role).toBe('owner');
    const bad = await adminCall('POST', `/admin/v1/shops/${s.shopId}/members`, { email: 'x@shop.example', role: 'admin' });
    expect(bad.status).toBe(400);
  });
});
