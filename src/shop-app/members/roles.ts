import type { MemberRole } from '../../../generated/api/types.gen';

/**
 * What each role may change in the shop app. Checked on the server for every state-changing
 * route (src/shop-app/route-kit.tsx `allowed`); the pages only hide what a role cannot use.
 * Reading is open to every member, and so is a member's own sign-in (two-step sign-in, sign out
 * everywhere), which is not listed here.
 */
export type Permission = 'team' | 'audit' | 'tokens' | 'webhook-secret' | 'test-postback' | 'resend-postback';

export const ROLES: readonly MemberRole[] = ['owner', 'developer', 'viewer'];

const GRANTS: Record<MemberRole, readonly Permission[]> = {
  owner: ['team', 'audit', 'tokens', 'webhook-secret', 'test-postback', 'resend-postback'],
  developer: ['tokens', 'webhook-secret', 'test-postback', 'resend-postback'],
  viewer: [],
};

export const can = (role: MemberRole, permission: Permission): boolean => GRANTS[role].includes(permission);

export const isRole = (value: unknown): value is MemberRole => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

export const ROLE_TEXT: Record<MemberRole, string> = {
  owner: 'Owner — everything, including the team and the audit list',
  developer: 'Developer — API tokens, webhook secret, test postbacks and resends',
  viewer: 'Viewer — sees everything, changes nothing',
};
