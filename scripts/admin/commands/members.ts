import { adminInviteMember, adminListMembers, adminRemoveMember } from '../../../generated/api/sdk.gen';
import { CliError, unwrap } from '../client';
import { printJson, printTable } from '../output';
import type { Command, Values } from './types';

function requireShop(values: Values): string {
  const shop = values.shop as string | undefined;
  if (!shop) throw new CliError('this command needs --shop <shopId>', 2);
  return shop;
}

/** Shop app members (docs/internal/shop-app-members.md). */
export const memberCommands: Command[] = [
  {
    name: 'members invite',
    summary: 'Invite a member to the shop app, or reset their password; prints a one-time link (72 h)',
    usage: '--shop <shopId> --email <address> [--role owner|developer|viewer]',
    options: { shop: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' } },
    notes: [
      'A new member is an owner unless --role says otherwise (owners then invite the rest of their team in the app);',
      'with --role, an existing member gets that role.',
      'Send the link to the person privately; it works once. Inviting an existing member again is the password reset:',
      'the old link stops working and setting the new password ends their sessions. An email belongs to one shop only.',
    ],
    async run(ctx) {
      const shopId = requireShop(ctx.values);
      const email = ctx.values.email as string | undefined;
      if (!email) throw new CliError('members invite needs --email <address>', 2);
      const role = ctx.values.role as string | undefined;
      if (role !== undefined && role !== 'owner' && role !== 'developer' && role !== 'viewer') {
        throw new CliError('--role is owner, developer or viewer', 2);
      }
      const invite = await unwrap(
        ctx.conn,
        adminInviteMember({ client: ctx.conn.client, path: { shopId }, body: { email, ...(role ? { role } : {}) } }),
      );
      if (ctx.json) return printJson(invite);
      console.log(`Invited ${invite.member.email} (${invite.member.id}, ${invite.member.role}) to shop ${shopId}.`);
      console.log(`Invite link (shown once, valid until ${invite.expiresAt}): ${invite.inviteUrl}`);
    },
  },
  {
    name: 'members list',
    summary: "List a shop's app members",
    usage: '--shop <shopId>',
    options: { shop: { type: 'string' } },
    async run(ctx) {
      const shopId = requireShop(ctx.values);
      const page = await unwrap(ctx.conn, adminListMembers({ client: ctx.conn.client, path: { shopId } }));
      if (ctx.json) return printJson(page);
      printTable(page.items, ['id', 'email', 'role', 'status', 'invitedAt', 'lastSignInAt']);
    },
  },
  {
    name: 'members remove',
    summary: 'Remove a member; their sessions end at once',
    usage: '--shop <shopId> <memberId>',
    options: { shop: { type: 'string' } },
    positionals: ['memberId'],
    async run(ctx) {
      const shopId = requireShop(ctx.values);
      const removed = await unwrap(ctx.conn, adminRemoveMember({ client: ctx.conn.client, path: { shopId, memberId: ctx.args[0]! } }));
      if (ctx.json) return printJson(removed);
      console.log(`Removed ${removed.email} (${removed.id}) from shop ${shopId}; their sessions have ended.`);
    },
  },
];
