/**
 * The internal docs password check. INTERNAL_DOCS_PASSWORD_HASH holds
 * `pbkdf2-sha256:<iterations>:<salt b64url>:<hash b64url>` (made by `npm run docs:hash-password`),
 * so a leaked secret does not reveal the password and guessing offline is slow.
 */

import { fromBase64Url, timingSafeEqualBytes } from '../lib/crypto';

// workerd refuses PBKDF2 above 100 000 iterations; fewer would be too fast to guess offline.
const REQUIRED_ITERATIONS = 100_000;

export interface PasswordHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** Null when the value is missing or malformed: the internal docs then stay closed. */
export function parsePasswordHash(value: string | undefined): PasswordHash | null {
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

/** Derives the candidate's hash and compares all 32 bytes in constant time. */
export async function verifyPassword(candidate: string, stored: PasswordHash): Promise<boolean> {
  const derived = await pbkdf2(candidate.slice(0, 1024), stored.salt, stored.iterations);
  return timingSafeEqualBytes(derived, stored.hash);
}
