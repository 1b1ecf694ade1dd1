import { adminIssueToken, adminListTokens, adminRevokeToken, adminRotateWebhookSecret } from '../../../generated/api/sdk.gen';
import type { Mode } from '../../../generated/api/types.gen';
import { CliError, collectPages, unwrap } from '../client';
import { printJson, printRecord, printTable } from '../output';
import { type Command, limitOf, pageOptions, type Values } from './types';

function requireShop(values: Values): string {
  const shop = values.shop as string | undefined;
  if (!shop) throw new CliError('this command needs --shop <shopId>', 2);
  return shop;
}

export const REVOCATION_DELAY_NOTE =
  'A revoked token is usually refused everywhere within 60 s: lookups are cached at each location and in each ' +
  'Worker isolate for 60 s in all (REVOCATION_DELAY_SECONDS in src/core/shops/shop-store.ts) and KV propagation can add about as much, ' +
  'so allow up to ~2 minutes. Disabling the shop goes through the same caches.';

export const tokenCommands: Command[] = [
  {
    name: 'tokens issue',
    summary: 'Issue a shop token; prints it once (we keep only its SHA-256 hash)',
    usage: '--shop <shopId> --mode test|live [--label <text>]',
    options: { shop: { type: 'string' }, mode: { type: 'string' }, label: { type: 'string' } },
    notes: ['test tokens (apay_test_…) reach the Bansky sandbox; live tokens (apay_live_…) move real money.'],
    async run(ctx) {
      const shopId = requireShop(ctx.values);
      const mode = ctx.values.mode as string | undefined;
      if (mode !== 'test' && mode !== 'live') throw new CliError('tokens issue needs --mode test or --mode live', 2);
      const label = ctx.values.label as string | undefined;
      const issued = await unwrap(
        ctx.conn,
        adminIssueToken({ client: ctx.conn.client, path: { shopId }, body: { mode: mode as Mode, ...(label ? { label } : {}) } }),
      );
      if (ctx.json) return printJson(issued);
      console.log(`Issued ${issued.mode} token ${issued.id} for shop ${issued.shopId}${issued.label ? ` (${issued.label})` : ''}.`);
      console.log(`Token (shown once, store it now): ${issued.token}`);
    },
  },
  {
    name: 'tokens list',
    summary: "List a shop's tokens (never the tokens themselves)",
    usage: '--shop <shopId> [--cursor <c>] [--limit <n>]',
    options: { shop: { type: 'string' }, ...pageOptions },
    async run(ctx) {
      const shopId = requireShop(ctx.values);
      const { client } = ctx.conn;
      const limit = limitOf(ctx.values);
      const page = await collectPages(
        (cursor) => unwrap(ctx.conn, adminListTokens({ client, path: { shopId }, query: { cursor, limit } })),
        ctx.values.cursor as string | undefined,
      );
      if (ctx.json) return printJson(page);
      printTable(
        page.items.map((t) => ({ ...t, token: `${t.prefix}…${t.last4}`, revoked: t.revokedAt ?? 'no' })),
        ['id', 'mode', 'token', 'label', 'createdAt', 'lastUsedAt', 'revoked'],
      );
      if (page.nextCursor) console.log(`More: --cursor ${page.nextCursor}`);
    },
  },
  {
    name: 'tokens revoke',
    summary: 'Revoke a shop token',
    usage: '--shop <shopId> --token <tokenId>',
    options: { shop: { type: 'string' }, token: { type: 'string' } },
    notes: [REVOCATION_DELAY_NOTE],
    async run(ctx) {
      const shopId = requireShop(ctx.values);
      const tokenId = ctx.values.token as string | undefined;
      if (!tokenId) throw new CliError('tokens revoke needs --token <tokenId> (the id, e.g. tok_…, not the token)', 2);
      const revoked = await unwrap(ctx.conn, adminRevokeToken({ client: ctx.conn.client, path: { shopId, tokenId } }));
      if (ctx.json) return printJson(revoked);
      console.log(`Revoked token ${revoked.id} (${revoked.prefix}…${revoked.last4}) at ${revoked.revokedAt}.`);
      console.log(REVOCATION_DELAY_NOTE);
    },
  },
  {
    name: 'webhook-secret rotate',
    summary: "Rotate a shop's postback signing secret; prints the new one once",
    usage: '--shop <shopId> [--overlap-seconds <n>]',
    options: { shop: { type: 'string' }, 'overlap-seconds': { type: 'string' } },
    notes: ['Until the overlap ends (default 86400 s) postbacks carry signatures by both secrets.'],
    async run(ctx) {
      const shopId = requireShop(ctx.values);
      const overlap = ctx.values['overlap-seconds'] as string | undefined;
      const body = overlap === undefined ? {} : { overlapSeconds: Number(overlap) };
      const rotated = await unwrap(ctx.conn, adminRotateWebhookSecret({ client: ctx.conn.client, path: { shopId }, body }));
      if (ctx.json) return printJson(rotated);
      console.log(`New webhook secret (shown once, give it to the shop): ${rotated.webhookSecret}`);
      printRecord({
        previousSecretSignsUntil: rotated.previousSecretExpiresAt ?? 'no longer (no overlap)',
      });
    },
  },
];
