/**
 * The one place for the WebCrypto helpers that tokens, ids, sessions, Bansky's signature and the
 * docs share: random ids, base62/base64/base64url/hex encodings, SHA-256, HMAC-SHA256 and a
 * constant-time comparison. Nothing here holds a secret; callers pass them in.
 */

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const utf8 = new TextEncoder();

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** `length` base62 characters from the CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += BASE62[b % 62]; // 248 = 4 * 62
    }
  }
  return out;
}

/** The first `length` base62 digits of a big-endian byte string (e.g. a MAC), least significant first. */
export function base62Digits(bytes: Uint8Array, length: number): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

const asBytes = (buf: ArrayBuffer | Uint8Array) => (buf instanceof Uint8Array ? buf : new Uint8Array(buf));

export function toBase64(buf: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const b of asBytes(buf)) s += String.fromCharCode(b);
  return btoa(s);
}

export function toBase64Url(buf: ArrayBuffer | Uint8Array): string {
  return toBase64(buf).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Accepts padded or unpadded base64url; throws on characters outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
}

function toHex(buf: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const b of asBytes(buf)) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(text)));
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await sha256(text));
}

// Keys imported from configured secrets (the payment-id key, Bansky's postback secrets), kept per
// isolate: importing one on every request is CPU for nothing. Bounded, since a caller could pass
// many distinct secrets; raw-byte keys (derived per user) are never kept.
const importedKeys = new Map<string, Promise<CryptoKey>>();
const MAX_IMPORTED_KEYS = 16;

/** An HMAC-SHA256 key from a secret's UTF-8 bytes (or raw key material); non-extractable. */
export function hmacKey(secret: string | Uint8Array, usages: Array<'sign' | 'verify'> = ['sign', 'verify']): Promise<CryptoKey> {
  const importRaw = (raw: Uint8Array) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, usages);
  if (typeof secret !== 'string') return importRaw(secret);
  const id = `${usages.join(',')}\u0000${secret}`;
  const kept = importedKeys.get(id);
  if (kept) return kept;
  if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.delete(importedKeys.keys().next().value!);
  const key = importRaw(utf8.encode(secret));
  importedKeys.set(id, key);
  key.catch(() => importedKeys.delete(id)); // a failed import is not remembered
  return key;
}

export async function hmacSha256(key: CryptoKey, message: string | Uint8Array | ArrayBuffer): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, typeof message === 'string' ? utf8.encode(message) : message));
}

/** WebCrypto's verify compares in constant time. */
export function hmacVerify(key: CryptoKey, mac: Uint8Array, message: string | Uint8Array | ArrayBuffer): Promise<boolean> {
  return crypto.subtle.verify('HMAC', key, mac, typeof message === 'string' ? utf8.encode(message) : message);
}

type TimingSafe = SubtleCrypto & { timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean };

/** workerd's constant-time comparison of two equal-length byte strings. */
export function timingSafeEqualBytes(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean {
  return a.byteLength === b.byteLength && (crypto.subtle as TimingSafe).timingSafeEqual(a, b);
}

/**
 * Constant-time string equality: both sides are hashed first so neither length nor content
 * leaks through timing (timingSafeEqual needs equal-length inputs).
 */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([sha256(a), sha256(b)]);
  return timingSafeEqualBytes(ha, hb);
}
