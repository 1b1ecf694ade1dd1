/**
 * Password hashes, shared by the internal docs gate and the shop app's members:
 * `pbkdf2-sha256:<iterations>:<salt b64url>:<hash b64url>` — a leaked value does not reveal the
 * password and guessing offline is slow. `npm run docs:hash-password` writes the same format.
 */

import { fromBase64Url, randomBytes, timingSafeEqualBytes, toBase64Url } from '../lib/crypto';

// workerd refuses PBKDF2 above 100 000 iterations; fewer would be too fast to guess offline.
const REQUIRED_ITERATIONS = 100_000;
const MAX_PASSWORD_CHARS = 1024;

export interface PasswordHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** Null when the value is missing or malformed (callers then refuse every password). */
export function parsePasswordHash(value: string | undefined | null): PasswordHash | null {
  const m = /^pbkdf2-sha256:(\d+):([A-Za-z0-9_-]{16,}):([A-Za-z0-9_-]{43})$/.exec(value?.trim() ?? '');
  if (!m || Number(m[1]) !== REQUIRED_ITERATIONS) return null;
  try {
    const hash = fromBase64Url(m[3]!);
    return hash.length === 32 ? { iterations: Number(m[1]), salt: fromBase64Url(m[2]!), hash } : null;
  } catch {
    return null;
  }
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
}

/** A new hash with a random 16-byte salt, in the stored format. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = new Uint8Array(await pbkdf2(password.slice(0, MAX_PASSWORD_CHARS), salt, REQUIRED_ITERATIONS));
  return `pbkdf2-sha256:${REQUIRED_ITERATIONS}:${toBase64Url(salt)}:${toBase64Url(hash)}`;
}

/** Derives the candidate's hash and compares all 32 bytes in constant time. */
export async function verifyPassword(candidate: string, stored: PasswordHash): Promise<boolean> {
  const derived = await pbkdf2(candidate.slice(0, MAX_PASSWORD_CHARS), stored.salt, stored.iterations);
  return timingSafeEqualBytes(derived, stored.hash);
}
