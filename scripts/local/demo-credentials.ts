import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Client } from '../../generated/api/client/index.ts';
import {
  adminCreateShop,
  adminGetShop,
  adminInviteMember,
  adminIssueToken,
  adminListMembers,
  adminListTokens,
} from '../../generated/api/sdk.gen.ts';

/** The demo shop's credentials, kept beside the Worker's local state (gitignored). */
export interface DemoCredentials {
  shopId: string;
  tokenId: string;
  token: string;
  webhookSecret: string;
}

export const DEMO_SHOP_HOSTS = ['localhost', '127.0.0.1'];

/**
 * Reuses the stored demo shop when the Worker still knows it (enabled, token not revoked);
 * otherwise onboards a new one through the admin API, exactly as an operator would.
 */
export async function ensureDemoShop(
  admin: Client,
  file: string,
  log: (line: string) => void,
): Promise<{ creds: DemoCredentials; created: boolean }> {
  const stored = readStored(file);
  if (stored && (await stillValid(admin, stored))) return { creds: stored, created: false };
  if (stored) log('Stored demo shop is gone, disabled or revoked in this Worker state: creating a new one.');

  const shop = await adminCreateShop({ client: admin, body: { name: 'Demo shop', allowedRedirectHosts: DEMO_SHOP_HOSTS } });
  if (!shop.data) throw new Error(`creating the demo shop failed: ${describe(shop)}`);
  const token = await adminIssueToken({
    client: admin,
    path: { shopId: shop.data.shop.id },
    body: { mode: 'test', label: 'demo shop (npm start)' },
  });
  if (!token.data) throw new Error(`issuing the demo token failed: ${describe(token)}`);
  const creds: DemoCredentials = {
    shopId: shop.data.shop.id,
    tokenId: token.data.id,
    token: token.data.token,
    webhookSecret: shop.data.webhookSecret,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return { creds, created: true };
}

function readStored(file: string): DemoCredentials | null {
  if (!existsSync(file)) return null;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoCredentials>;
    return c.shopId && c.tokenId && c.token && c.webhookSecret ? (c as DemoCredentials) : null;
  } catch {
    return null;
  }
}

async function stillValid(admin: Client, c: DemoCredentials): Promise<boolean> {
  const shop = await adminGetShop({ client: admin, path: { shopId: c.shopId } });
  if (!shop.data || shop.data.disabled) return false;
  let cursor: string | undefined;
  do {
    const page = await adminListTokens({ client: admin, path: { shopId: c.shopId }, query: { cursor, limit: 100 } });
    if (!page.data) return false;
    const token = page.data.items.find((t) => t.id === c.tokenId);
    if (token) return token.revokedAt === null;
    cursor = page.data.nextCursor ?? undefined;
  } while (cursor);
  return false;
}

function describe(result: { error?: unknown; response?: Response }): string {
  const p = result.error as { code?: string; detail?: string } | undefined;
  return `${result.response?.status ?? 'no answer'} ${p?.code ?? ''} ${p?.detail ?? String(result.error ?? '')}`.trim();
}

/** The demo shop's member in the shop app (/app). */
const DEMO_MEMBER_EMAIL = 'staff@demo-shop.example';

export interface DemoMember {
  email: string;
  /** A fresh one-time link to set the password (72 h); using it again later is a password reset. */
  inviteUrl: string;
  /** True when the member has set a password already (sign in with it, or use the link to reset it). */
  active: boolean;
}

/**
 * Every start prints a fresh invite link for the demo member: it sets the password on first use
 * and resets it later. An unused link changes nothing, so printing one each time is harmless.
 */
export async function ensureDemoMember(admin: Client, shopId: string): Promise<DemoMember> {
  const list = await adminListMembers({ client: admin, path: { shopId } });
  if (!list.data) throw new Error(`listing the demo shop's members failed: ${describe(list)}`);
  const active = list.data.items.some((m) => m.email === DEMO_MEMBER_EMAIL && m.status === 'active');
  const invite = await adminInviteMember({ client: admin, path: { shopId }, body: { email: DEMO_MEMBER_EMAIL } });
  if (!invite.data) throw new Error(`inviting the demo member failed: ${describe(invite)}`);
  return { email: DEMO_MEMBER_EMAIL, inviteUrl: invite.data.inviteUrl, active };
}
