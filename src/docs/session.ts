/**
 * The internal docs session: after a correct password, an HttpOnly, SameSite=Strict cookie (Secure
 * on https) holding an opaque id whose record lives server-side in a SessionObject. Sign-out
 * deletes the record, so the old cookie stops working at once, everywhere (a signed stateless
 * cookie kept working until its expiry). The realm is named after the password hash, so a new
 * password starts from an empty object: every old session ends.
 *
 * Also the operator's *device cookie*: a signed, long-lived marker that this browser has signed
 * in before. It lets the real operator sign in while strangers' wrong passwords have locked the
 * shared account (see login-throttle.ts).
 */
import { fromBase64Url, hmacKey, hmacSha256, hmacVerify, sha256, toBase64Url } from '../platform/lib/crypto';
import type { Services } from '../services';
import { newOpaqueId, type SessionStore } from './sessions/sessions';

export const SESSION_COOKIE = 'apay_internal_docs';
export const DEVICE_COOKIE = 'apay_internal_device';
const SESSION_PATH = '/internal';
export const SESSION_TTL_SECONDS = 8 * 3600;
const SESSION_IDLE_SECONDS = 2 * 3600;
export const DEVICE_TTL_SECONDS = 90 * 86_400;
const OPERATOR = 'operator';

async function fingerprint(passwordHash: string): Promise<string> {
  return toBase64Url(await sha256(`apay internal docs v2\n${passwordHash}`)).slice(0, 22);
}

async function internalSessions(services: Pick<Services, 'sessions'>, passwordHash: string): Promise<SessionStore> {
  return services.sessions(`internal-docs:${await fingerprint(passwordHash)}`);
}

export async function issueSession(services: Pick<Services, 'sessions'>, passwordHash: string, now: Date): Promise<string> {
  return (await internalSessions(services, passwordHash)).create(OPERATOR, now, {
    absoluteSeconds: SESSION_TTL_SECONDS,
    idleSeconds: SESSION_IDLE_SECONDS,
  });
}

/** True for a cookie whose server-side session is live (unexpired, not signed out). */
export async function verifySession(
  services: Pick<Services, 'sessions'>,
  value: string | undefined,
  passwordHash: string,
  now: Date,
): Promise<boolean> {
  return (await (await internalSessions(services, passwordHash)).get(value, now)) !== null;
}

export async function endSession(services: Pick<Services, 'sessions'>, value: string | undefined, passwordHash: string): Promise<void> {
  await (await internalSessions(services, passwordHash)).revoke(value);
}

async function deviceKey(passwordHash: string): Promise<CryptoKey> {
  return hmacKey(await sha256(`apay internal docs device v1\n${passwordHash}`));
}

/** `<device id>.<HMAC>`: proves this browser signed in with the current password before. */
export async function issueDeviceCookie(passwordHash: string): Promise<string> {
  const id = newOpaqueId(16);
  return `${id}.${toBase64Url(await hmacSha256(await deviceKey(passwordHash), id))}`;
}

/** The device id of a valid device cookie, else null (HMAC verify is constant-time). */
export async function verifyDeviceCookie(value: string | undefined, passwordHash: string): Promise<string | null> {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m) return null;
  const ok = await hmacVerify(await deviceKey(passwordHash), fromBase64Url(m[2]!), m[1]!);
  return ok ? m[1]! : null;
}

export function sessionCookieOptions(requestUrl: string, maxAge: number) {
  return {
    path: SESSION_PATH,
    httpOnly: true,
    secure: new URL(requestUrl).protocol === 'https:',
    sameSite: 'Strict' as const,
    maxAge,
  };
}
