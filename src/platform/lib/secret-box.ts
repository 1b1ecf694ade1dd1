import { fromBase64Url, randomBytes, toBase64Url } from './crypto';

/**
 * Encryption at rest for secrets we must be able to read back (the shops' webhook signing
 * secrets): AES-256-GCM with keys from a Worker secret, WEBHOOK_SECRET_KEYS =
 * `<keyId>:<32 bytes base64url>[,<keyId>:<…>]`. The first key seals; every listed key opens, and
 * each sealed value names its key, so keys rotate by putting a new one first and dropping the old
 * one once everything has been re-sealed (every write re-seals with the current key). The
 * additional data binds a ciphertext to its owner (the shop id): a value copied onto another shop
 * does not open.
 */
export interface Sealed {
  v: 1;
  keyId: string;
  iv: string;
  ct: string;
}

export class SecretBox {
  private readonly keys: Map<string, Promise<CryptoKey>>;
  private readonly currentKeyId: string;

  constructor(spec: string) {
    const entries = parseKeySpec(spec);
    this.currentKeyId = entries[0]!.keyId;
    this.keys = new Map(
      entries.map(({ keyId, raw }) => [keyId, crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])]),
    );
  }

  async seal(plain: string, owner: string): Promise<Sealed> {
    const iv = randomBytes(12);
    const key = await this.keys.get(this.currentKeyId)!;
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(owner) }, key, utf8(plain));
    return { v: 1, keyId: this.currentKeyId, iv: toBase64Url(iv), ct: toBase64Url(ct) };
  }

  async open(sealed: Sealed, owner: string): Promise<string> {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`secret sealed with key "${sealed.keyId}", which WEBHOOK_SECRET_KEYS no longer lists`);
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(sealed.iv), additionalData: utf8(owner) },
      await key,
      fromBase64Url(sealed.ct),
    );
    return new TextDecoder().decode(plain);
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** `k2:…,k1:…` → keys in order; throws (naming the problem, never the key) on a malformed spec. */
export function parseKeySpec(spec: string): Array<{ keyId: string; raw: Uint8Array }> {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]{43}=?)$/.exec(part);
      if (!m) throw new Error('WEBHOOK_SECRET_KEYS: each entry is <keyId>:<32 bytes as base64url>');
      return { keyId: m[1]!, raw: fromBase64Url(m[2]!) };
    });
  if (entries.length === 0) throw new Error('WEBHOOK_SECRET_KEYS: at least one key');
  if (entries.some((e) => e.raw.length !== 32)) throw new Error('WEBHOOK_SECRET_KEYS: keys are 32 bytes');
  return entries;
}
