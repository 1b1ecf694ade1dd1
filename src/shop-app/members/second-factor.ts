/**
 * What a member proves beyond the password, and the browser marker that keeps them able to sign
 * in during a guessing flood.
 *
 *  - TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s, the parameters every authenticator app accepts),
 *    through the `otpauth` library's bare build with only SHA-1 from @noble/hashes (4.7 KiB gzip in
 *    the Worker instead of 10.4 with every hash it supports). A code is accepted one step either side of now and only for a
 *    time step later than the last one used, so a code seen over a shoulder cannot be replayed.
 *  - Recovery codes: 10 random codes of 80 bits, shown once, stored as SHA-256 (high-entropy
 *    values need no slow hash), each usable once.
 *  - The device cookie: `<device id>.<HMAC>`, keyed by the member's password hash and bound to
 *    their email. It proves only that this browser signed in to this account before; the sign-in
 *    throttle then counts the browser's attempts on their own key (see src/platform/limits/login-throttle.ts),
 *    so a stranger's flood on the email does not lock the member out. A new password voids it.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { Secret, TOTP } from 'otpauth/bare';
import { fromBase64Url, hmacKey, hmacSha256, hmacVerify, randomBytes, sha256, sha256Hex, toBase64Url } from '../../platform/lib/crypto';

const PERIOD_SECONDS = 30;
const ISSUER = 'AimbrellaPay';
const RECOVERY_CODE_COUNT = 10;

/** A fresh TOTP secret (160 bits, RFC 4226's recommended size) as base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app imports (label: the member's email). */
export function totpUri(secretBase32: string, email: string): string {
  return totp(secretBase32, email).toString();
}

/** The time step the code belongs to (now ±1), or null. Compare with the last used step to refuse replays. */
export function totpStep(secretBase32: string, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secretBase32, '').validate({ token, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
}

const hmacSha1 = (_algorithm: string, key: Uint8Array, message: Uint8Array) => hmac(sha1, key, message);

function totp(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
    hmac: hmacSha1,
  });
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i to misread

/** `xxxx-xxxx-xxxx-xxxx` (16 characters of a 31-letter alphabet: 79 bits). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    let code = '';
    while (code.length < 16) {
      for (const b of randomBytes(16)) if (b < 248 && code.length < 16) code += RECOVERY_ALPHABET[b % 31]; // 248 = 8 × 31: uniform
    }
    return code.match(/.{4}/g)!.join('-');
  });
}

/** What is stored for a recovery code; typed input is lower-cased and stripped of spaces and dashes first. */
export function recoveryCodeHash(code: string): Promise<string> {
  return sha256Hex(`apay recovery code v1\n${code.toLowerCase().replace(/[\s-]+/g, '')}`);
}

export const looksLikeRecoveryCode = (code: string) => /^[a-z0-9]{16}$/.test(code.toLowerCase().replace(/[\s-]+/g, ''));

async function deviceKey(passwordHash: string): Promise<CryptoKey> {
  return hmacKey(await sha256(`apay app device v1\n${passwordHash}`));
}

export async function issueDeviceCookie(passwordHash: string, email: string): Promise<string> {
  const id = toBase64Url(randomBytes(16));
  return `${id}.${toBase64Url(await hmacSha256(await deviceKey(passwordHash), `${email}\n${id}`))}`;
}

/** The device id of a valid cookie for this member, else null. */
export async function verifyDeviceCookie(value: string | undefined, passwordHash: string, email: string): Promise<string | null> {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m) return null;
  return (await hmacVerify(await deviceKey(passwordHash), fromBase64Url(m[2]!), `${email}\n${m[1]!}`)) ? m[1]! : null;
}
