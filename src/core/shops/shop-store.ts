import type { Mode, Shop, TokenInfo } from '../../../generated/api/types.gen';
import type { Clock } from '../../platform/lib/clock';
import { randomBase62, randomBytes, sha256Hex, toBase64 } from '../../platform/lib/crypto';
import type { Sealed, SecretBox } from '../../platform/lib/secret-box';
import { TtlCache } from '../../platform/lib/ttl-cache';

/**
 * Shops and their credentials in Workers KV (read-mostly data; docs/architecture.md#state-a-durable-object-per-payment-kv-for-what-is-read-mostly).
 *
 *   shop:<shopId>                 ShopRecord (webhook signing secrets sealed with AES-GCM)
 *   token:<sha256(token)>         TokenRecord — the only way a token is ever looked up
 *   shop-token:<shopId>:<tokenId> the token's hash, to list and revoke a shop's tokens
 *
 * Token and shop reads on the request path are cached twice, each for half of
 * REVOCATION_DELAY_SECONDS: at the edge (KV's cacheTtl, 30 s at least) and in the isolate (a
 * bounded TtlCache). Together they bound how long a revocation or a disabled shop takes to be
 * seen everywhere: 60 s, as the operator docs say.
 */
const REVOCATION_DELAY_SECONDS = 60;
const EDGE_CACHE_SECONDS = REVOCATION_DELAY_SECONDS / 2;
const ISOLATE_CACHE_MS = (REVOCATION_DELAY_SECONDS / 2) * 1000;
const ISOLATE_CACHE_ENTRIES = 10_000;
/** KV takes one write per second per key; "last used" is a hint, refreshed at most this often. */
const TOUCH_EVERY_MS = 10 * 60_000;

export interface WebhookSecret {
  secret: string; // whsec_…
  createdAt: string;
  /** null for the current secret; set on a rotated-out secret until which it still signs. */
  expiresAt: string | null;
}

export interface ShopRecord extends Shop {
  webhookSecrets: WebhookSecret[];
}

/** The shop as KV holds it: the secrets sealed (a value from before sealing may still be plain). */
type StoredShop = Omit<ShopRecord, 'webhookSecrets'> & {
  webhookSecrets: Array<({ sealed: Sealed } | { secret: string }) & Omit<WebhookSecret, 'secret'>>;
};

export interface TokenRecord extends TokenInfo {
  hash: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const TOKEN_PATTERN = /^apay_(test|live)_[A-Za-z0-9]{43}$/;

function newWebhookSecret(): string {
  return `whsec_${toBase64(randomBytes(32))}`;
}

/** Webhook secrets that should sign right now: the current one plus any still in overlap. */
export function activeWebhookSecrets(shop: ShopRecord, now: Date): string[] {
  return shop.webhookSecrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime()).map((s) => s.secret);
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
    private readonly box: SecretBox,
  ) {
    this.cachedTokens = new TtlCache(ISOLATE_CACHE_ENTRIES, ISOLATE_CACHE_MS, clock);
    this.cachedShops = new TtlCache(ISOLATE_CACHE_ENTRIES, ISOLATE_CACHE_MS, clock);
    this.touched = new TtlCache(ISOLATE_CACHE_ENTRIES, TOUCH_EVERY_MS, clock);
  }

  private readonly cachedTokens: TtlCache<string, TokenRecord | null>;
  private readonly cachedShops: TtlCache<string, ShopRecord | null>;
  private readonly touched: TtlCache<string, true>;

  async createShop(input: { name: string; allowedRedirectHosts: string[] }): Promise<{ shop: ShopRecord; webhookSecret: string }> {
    const at = this.clock.now().toISOString();
    const webhookSecret = newWebhookSecret();
    const shop: ShopRecord = {
      id: `shop_${randomBase62(16)}`,
      name: input.name,
      allowedRedirectHosts: normaliseHosts(input.allowedRedirectHosts),
      disabled: false,
      liveEnabled: false,
      createdAt: at,
      updatedAt: at,
      webhookSecrets: [{ secret: webhookSecret, createdAt: at, expiresAt: null }],
    };
    await this.putShop(shop);
    return { shop, webhookSecret };
  }

  /** The shop as KV has it now: for admin reads and writes, and wherever a secret is used. */
  async getShop(shopId: string): Promise<ShopRecord | null> {
    const stored = await this.kv.get<StoredShop>(shopKey(shopId), 'json');
    return stored ? this.open(stored) : null;
  }

  /** The shop for the request path (auth, pay links): at most REVOCATION_DELAY_SECONDS stale. */
  async getShopCached(shopId: string): Promise<ShopRecord | null> {
    const hit = this.cachedShops.get(shopId);
    if (hit !== undefined) return hit;
    const stored = await this.kv.get<StoredShop>(shopKey(shopId), { type: 'json', cacheTtl: EDGE_CACHE_SECONDS });
    const shop = stored ? await this.open(stored) : null;
    this.cachedShops.set(shopId, shop);
    return shop;
  }

  /** KV holds the webhook secrets sealed (src/platform/lib/secret-box.ts); every write re-seals with the current key. */
  private async putShop(shop: ShopRecord): Promise<void> {
    const webhookSecrets = await Promise.all(
      shop.webhookSecrets.map(async ({ secret, createdAt, expiresAt }) => ({
        sealed: await this.box.seal(secret, shop.id),
        createdAt,
        expiresAt,
      })),
    );
    await this.kv.put(shopKey(shop.id), JSON.stringify({ ...shop, webhookSecrets } satisfies StoredShop));
    this.cachedShops.delete(shop.id); // this isolate at once; others within REVOCATION_DELAY_SECONDS
  }

  private async open(stored: StoredShop): Promise<ShopRecord> {
    const webhookSecrets = await Promise.all(
      stored.webhookSecrets.map(async (s) => ({
        // Shops written before secrets were sealed still hold them in the clear until their next write.
        secret: 'sealed' in s ? await this.box.open(s.sealed, stored.id) : s.secret,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
      })),
    );
    return { ...stored, webhookSecrets };
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
    await this.putShop(next);
    return next;
  }

  async listShops(cursor: string | undefined, limit: number): Promise<Page<ShopRecord>> {
    const page = await this.kv.list({ prefix: 'shop:', cursor, limit });
    const items = await Promise.all(
      page.keys.map(async (k) => {
        const stored = await this.kv.get<StoredShop>(k.name, 'json');
        return stored ? this.open(stored) : null;
      }),
    );
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
    await this.putShop(next);
    return { webhookSecret, previousSecretExpiresAt: expiresAt };
  }

  /** Issues a token. The plaintext is returned once; KV keeps only its SHA-256. */
  async issueToken(shopId: string, mode: Mode, label?: string): Promise<{ token: string; record: TokenRecord }> {
    const prefix = mode === 'live' ? 'apay_live_' : 'apay_test_';
    const token = prefix + randomBase62(43); // 43 base62 chars ≈ 256 bits
    const hash = await sha256Hex(token);
    const record: TokenRecord = {
      id: `tok_${randomBase62(16)}`,
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
    this.cachedTokens.delete(hash); // this isolate at once; others within REVOCATION_DELAY_SECONDS
    return revoked;
  }

  /**
   * Resolves a presented bearer token to its record, or null when unknown, malformed or revoked.
   * Lookups are by hash only, so the plaintext is never compared or stored.
   */
  async resolveToken(token: string): Promise<TokenRecord | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const hash = await sha256Hex(token);
    let record = this.cachedTokens.get(hash);
    if (record === undefined) {
      record = await this.kv.get<TokenRecord>(tokenKey(hash), { type: 'json', cacheTtl: EDGE_CACHE_SECONDS });
      this.cachedTokens.set(hash, record); // unknown tokens too: a flood of bad ones costs no KV reads
    }
    return record && !record.revokedAt ? record : null;
  }

  /**
   * Records token use at most every 10 minutes. Remembered in the isolate too: the cached record
   * keeps its old `lastUsedAt` for a while, and every request must not re-read and re-write the key.
   */
  async touchToken(record: TokenRecord): Promise<void> {
    const now = this.clock.now();
    if (this.touched.get(record.hash)) return;
    if (record.lastUsedAt && now.getTime() - Date.parse(record.lastUsedAt) < TOUCH_EVERY_MS) return;
    this.touched.set(record.hash, true);
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
