import { adminCreateShop, adminGetShop, adminListShops, adminUpdateShop } from '../../../generated/api/sdk.gen';
import type { Shop } from '../../../generated/api/types.gen';
import { CliError, collectPages, unwrap } from '../client';
import { printJson, printRecord, printTable } from '../output';
import { type Command, type CommandContext, limitOf, pageOptions } from './types';

function printShop(ctx: CommandContext, shop: Shop): void {
  if (ctx.json) {
    printJson(shop);
    return;
  }
  printRecord({
    id: shop.id,
    name: shop.name,
    allowedRedirectHosts: shop.allowedRedirectHosts,
    status: shop.disabled ? 'DISABLED' : 'enabled',
    createdAt: shop.createdAt,
    updatedAt: shop.updatedAt,
  });
}

async function setDisabled(ctx: CommandContext, disabled: boolean): Promise<void> {
  const shop = await unwrap(ctx.conn, adminUpdateShop({ client: ctx.conn.client, path: { shopId: ctx.args[0]! }, body: { disabled } }));
  if (ctx.json) return printJson(shop);
  console.log(disabled ? `Shop ${shop.id} disabled: its tokens now get 403 shop_disabled.` : `Shop ${shop.id} enabled.`);
}

export const shopCommands: Command[] = [
  {
    name: 'shops create',
    summary: 'Onboard a shop; prints its webhook secret once',
    usage: '--name <name> --allow-host <host> [--allow-host <host> …]',
    options: { name: { type: 'string' }, 'allow-host': { type: 'string', multiple: true } },
    notes: ['Allowed hosts are where successUrl/errorUrl may point (`*.shop.example` allows subdomains).'],
    async run(ctx) {
      const name = ctx.values.name as string | undefined;
      if (!name) throw new CliError('shops create needs --name', 2);
      const allowedRedirectHosts = (ctx.values['allow-host'] as string[] | undefined) ?? [];
      // Without a host the shop's customers could not be sent back anywhere in live mode.
      if (allowedRedirectHosts.length === 0) throw new CliError('shops create needs at least one --allow-host <host>', 2);
      const created = await unwrap(ctx.conn, adminCreateShop({ client: ctx.conn.client, body: { name, allowedRedirectHosts } }));
      if (ctx.json) return printJson(created);
      console.log(`Created shop ${created.shop.id} (${created.shop.name}).`);
      console.log(`Webhook secret (shown once, give it to the shop): ${created.webhookSecret}`);
      console.log(`Next: npm run admin -- tokens issue --shop ${created.shop.id} --mode test`);
    },
  },
  {
    name: 'shops list',
    summary: 'List shops (follows every page unless --cursor is given)',
    usage: '[--cursor <c>] [--limit <n>]',
    options: pageOptions,
    async run(ctx) {
      const { client } = ctx.conn;
      const limit = limitOf(ctx.values);
      const page = await collectPages(
        (cursor) => unwrap(ctx.conn, adminListShops({ client, query: { cursor, limit } })),
        ctx.values.cursor as string | undefined,
      );
      if (ctx.json) return printJson(page);
      printTable(
        page.items.map((s) => ({ ...s, status: s.disabled ? 'DISABLED' : 'enabled', hosts: s.allowedRedirectHosts })),
        ['id', 'name', 'status', 'hosts', 'createdAt'],
      );
      if (page.nextCursor) console.log(`More: --cursor ${page.nextCursor}`);
    },
  },
  {
    name: 'shops show',
    summary: 'Show one shop',
    usage: '<shopId>',
    positionals: ['shopId'],
    async run(ctx) {
      printShop(ctx, await unwrap(ctx.conn, adminGetShop({ client: ctx.conn.client, path: { shopId: ctx.args[0]! } })));
    },
  },
  {
    name: 'shops update',
    summary: 'Rename a shop or replace its allowed redirect hosts',
    usage: '<shopId> [--name <name>] [--allow-host <host> …]',
    positionals: ['shopId'],
    options: { name: { type: 'string' }, 'allow-host': { type: 'string', multiple: true } },
    notes: ['--allow-host replaces the whole list; repeat it for every host the shop keeps.'],
    async run(ctx) {
      const body: { name?: string; allowedRedirectHosts?: string[] } = {};
      if (ctx.values.name !== undefined) body.name = ctx.values.name as string;
      if (ctx.values['allow-host'] !== undefined) body.allowedRedirectHosts = ctx.values['allow-host'] as string[];
      if (Object.keys(body).length === 0) throw new CliError('shops update needs --name and/or --allow-host', 2);
      printShop(ctx, await unwrap(ctx.conn, adminUpdateShop({ client: ctx.conn.client, path: { shopId: ctx.args[0]! }, body })));
    },
  },
  {
    name: 'shops disable',
    summary: 'Disable a shop: all its tokens answer 403 shop_disabled',
    usage: '<shopId>',
    positionals: ['shopId'],
    notes: ['Takes effect within about 60 s everywhere (shop records are edge-cached for 60 s).'],
    run: (ctx) => setDisabled(ctx, true),
  },
  {
    name: 'shops enable',
    summary: 'Re-enable a disabled shop',
    usage: '<shopId>',
    positionals: ['shopId'],
    run: (ctx) => setDisabled(ctx, false),
  },
  {
    name: 'shops live-enable',
    summary: "Let the shop's members create live tokens in the shop app (after the go-live checklist)",
    usage: '<shopId>',
    positionals: ['shopId'],
    async run(ctx) {
      const shop = await unwrap(
        ctx.conn,
        adminUpdateShop({ client: ctx.conn.client, path: { shopId: ctx.args[0]! }, body: { liveEnabled: true } }),
      );
      if (ctx.json) return printJson(shop);
      console.log(`Shop ${shop.id}: live mode enabled; its members can now create live tokens in the shop app.`);
    },
  },
];
