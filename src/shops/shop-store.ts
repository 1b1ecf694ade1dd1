import type { Mode, Shop, TokenInfo } from '../../generated/api/types.gen';
import type { Clock } from '../lib/clock';
import { randomBase62, randomBytes, sha256Hex, toBase64 } from '../lib/crypto';

/**
 * Shops and their credentials in Workers KV (read-mostly data; DESIGN §4).
 *
 *   shop:<shopId>                 ShopRecord (incl. webhook signing secrets)
 *   token:<sha256(token)>         TokenRecord — the only way a token is ever looked up
 *   shop-token:<shopId>:<tokenId> the token's hash, to list and revoke a shop's tokens
 *
 * Token reads are edge-cached for TOKEN_CACHE_TTL seconds, which bounds how long a revocation
 * takes to be seen in every location.
 */
export const TOKEN_CACHE_TTL = 60;

export interface WebhookSecret {
  secret: string; // whsec_…
  createdAt: string;
  /** null for the current secret; set on a rotated-out secret until which it still signs. */
  expiresAt: string | null;
}

export interface ShopRecord extends Shop {
  webhookSecrets: WebhookSecret[];
}

export interface TokenRecord extends TokenInfo {
  hash: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const TOKEN_PATTERN = /^apay_(test|live)_[A-Za-z0-9]{43}$/;

export function newWebhookSecret(): string {
  return 'whsec_' + toBase64(randomBytes(32));
}

/** Webhook secrets that should sign right now: the current one plus any still in overlap. */
export function activeWebhookSecrets(shop: ShopRecord, now: Date): string[] {
  return shop.webhookSecrets
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => s.secret);
}

export function publicShop(shop: ShopRecord): Shop {
  const { webhookSecrets: _secrets, ...rest } = shop;
  return { ...rest, liveEnabled: shop.liveEnabled ?? false }; // shops created before the flag existed: not live-enabled
}

export function publicToken(token: TokenRecord): TokenInfo {
  const { hash: _hash, ...rest } = token;
  return rest;
}

export class ShopStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly clock: Clock,
  ) {}

  async createShop(input: { name: string; allowedRedirectHosts: string[] }): Promise<{ shop: ShopRecord; webhookSecret: string }> {
    const at = this.clock.now().toISOString();
    const webhookSecret = newWebhookSecret();
    const shop: ShopRecord = {
      id: 'shop_' + randomBase62(16),
      name: input.name,
      allowedRedirectHosts: normaliseHosts(input.allowedRedirectHosts),
      disabled: false,
      liveEnabled: false,
      createdAt: at,
      updatedAt: at,
      webhookSecrets: [{ secret: webhookSecret, createdAt: at, expiresAt: null }],
    };
    await this.kv.put(shopKey(shop.id), JSON.stringify(shop));
    return { shop, webhookSecret };
  }

  /** Strongly-read shop (no edge cache): for admin reads and writes. */
  async getShop(shopId: string, opts: { cacheTtl?: number } = {}): Promise<ShopRecord | null> {
    return opts.cacheTtl
      ? this.kv.get<ShopRecord>(shopKey(shopId), { type: 'json', cacheTtl: opts.cacheTtl })
      : this.kv.get<ShopRecord>(shopKey(shopId), 'json');
  }

  async updateShop(
    shopId: string,
    patch: { name?: string; allowedRedirectHosts?: string[]; disabled?: boolean; liveEnabled?: boolean },
  ): Promise<ShopRecord | null> {
    const shop = await this.getShop(shopId);
    if (!shop) return null;
    const next: ShopRecord = {
      ...shop,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.allowedRedirectHosts !== undefined ? { allowedRedirectHosts: normaliseHosts(patch.allowedRedirectHosts) } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      updatedAt: this.clock.now().toISOString(),
      ...(patch.liveEnabled !== undefined ? { liveEnabled: patch.liveEnabled } : {}),
    };
    await this.kv.put(shopKey(shopId), JSON.stringify(next));
    return next;
  }

  async listShops(cursor: string | undefined, limit: number): Promise<Page<ShopRecord>> {
    const page = await this.kv.list({ prefix: 'shop:', cursor, limit });
    const items = await Promise.all(page.keys.map((k) => this.kv.get<ShopRecord>(k.name, 'json')));
    return {
      items: items.filter((s): s is ShopRecord => s !== null),
      nextCursor: page.list_complete ? null : page.cursor,
    };
  }

  /**
   * Rotates the shop's postback secret. The old current secret keeps signing until
   * now + overlapSeconds; secrets whose overlap has ended are dropped.
   */
  async rotateWebhookSecret(
    shopId: string,
    overlapSeconds: number,
  ): Promise<{ webhookSecret: string; previousSecretExpiresAt: string | null } | null> {
    const shop = await this.getShop(shopId);
    if (!shop) return null;
    const now = this.clock.now();
    const at = now.toISOString();
    const expiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000).toISOString() : null;
    const kept = shop.webhookSecrets
      .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime())
      .flatMap((s) => {
        if (s.expiresAt !== null) return [s];
        return expiresAt ? [{ ...s, expiresAt }] : [];
      });
    const webhookSecret = newWebhookSecret();
    const next: ShopRecord = {
      ...shop,
      webhookSecrets: [{ secret: webhookSecret, createdAt: at, expiresAt: null }, ...kept],
      updatedAt: at,
    };
    await this.kv.put(shopKey(shopId), JSON.stringify(next));
    return { webhookSecret, previousSecretExpiresAt: expiresAt };
  }

  /** Issues a token. The plaintext is returned once; KV keeps only its SHA-256. */
  async issueToken(shopId: string, mode: Mode, label?: string): Promise<{ token: string; record: TokenRecord }> {
    const prefix = mode === 'live' ? 'apay_live_' : 'apay_test_';
    const token = prefix + randomBase62(43); // 43 base62 chars ≈ 256 bits
    const hash = await sha256Hex(token);
    const record: TokenRecord = {
      id: 'tok_' + randomBase62(16),
      shopId,
      label: label ?? null,
      mode,
      prefix,
      last4: token.slice(-4),
      createdAt: this.clock.now().toISOString(),
      lastUsedAt: null,
      revokedAt: null,
      hash,
    };
    await this.kv.put(tokenKey(hash), JSON.stringify(record));
    await this.kv.put(shopTokenKey(shopId, record.id), hash);
    return { token, record };
  }

  async listTokens(shopId: string, cursor: string | undefined, limit: number): Promise<Page<TokenRecord>> {
    const page = await this.kv.list({ prefix: `shop-token:${shopId}:`, cursor, limit });
    const hashes = await Promise.all(page.keys.map((k) => this.kv.get(k.name)));
    const items = await Promise.all(hashes.map((h) => (h ? this.kv.get<TokenRecord>(tokenKey(h), 'json') : null)));
    return {
      items: items.filter((t): t is TokenRecord => t !== null),
      nextCursor: page.list_complete ? null : page.cursor,
    };
  }

  async revokeToken(shopId: string, tokenId: string): Promise<TokenRecord | null> {
    const hash = await this.kv.get(shopTokenKey(shopId, tokenId));
    if (!hash) return null;
    const record = await this.kv.get<TokenRecord>(tokenKey(hash), 'json');
    if (!record) return null;
    if (record.revokedAt) return record;
    const revoked: TokenRecord = { ...record, revokedAt: this.clock.now().toISOString() };
    await this.kv.put(tokenKey(hash), JSON.stringify(revoked));
    return revoked;
  }

  /**
   * Resolves a presented bearer token to its record, or null when unknown, malformed or revoked.
   * Lookups are by hash only, so the plaintext is never compared or stored.
   */
  async resolveToken(token: string): Promise<TokenRecord | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const record = await this.kv.get<TokenRecord>(tokenKey(await sha256Hex(token)), {
      type: 'json',
      cacheTtl: TOKEN_CACHE_TTL,
    });
    if (!record || record.revokedAt) return null;
    return record;
  }

  /** Records token use at most every 10 minutes (KV allows one write per key per second). */
  async touchToken(record: TokenRecord): Promise<void> {
    const now = this.clock.now();
    if (record.lastUsedAt && now.getTime() - Date.parse(record.lastUsedAt) < 10 * 60_000) return;
    const fresh = await this.kv.get<TokenRecord>(tokenKey(record.hash), 'json');
    if (!fresh || fresh.revokedAt) return; // never resurrect a revoked token with a stale copy
    await this.kv.put(tokenKey(record.hash), JSON.stringify({ ...fresh, lastUsedAt: now.toISOString() }));
  }
}

function normaliseHosts(hosts: string[]): string[] {
  return [...new Set(hosts.map((h) => h.trim().toLowerCase()).filter(Boolean))];
}

const shopKey = (id: string) => `shop:${id}`;
const tokenKey = (hash: string) => `token:${hash}`;
const shopTokenKey = (shopId: string, tokenId: string) => `shop-token:${shopId}:${tokenId}`;
