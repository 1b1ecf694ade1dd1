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
import type { Env } from '../env';
import { SessionStore, newOpaqueId, toBase64Url } from '../sessions/sessions';

export const SESSION_COOKIE = 'apay_internal_docs';
export const DEVICE_COOKIE = 'apay_internal_device';
export const SESSION_PATH = '/internal';
export const SESSION_TTL_SECONDS = 8 * 3600;
export const SESSION_IDLE_SECONDS = 2 * 3600;
export const DEVICE_TTL_SECONDS = 90 * 86_400;
const OPERATOR = 'operator';

async function fingerprint(passwordHash: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`apay internal docs v2\n${passwordHash}`));
  return toBase64Url(digest).slice(0, 22);
}

export async function internalSessions(env: Pick<Env, 'SESSIONS'>, passwordHash: string): Promise<SessionStore> {
  return new SessionStore(env.SESSIONS, `internal-docs:${await fingerprint(passwordHash)}`);
}

export async function issueSession(env: Pick<Env, 'SESSIONS'>, passwordHash: string, now: Date): Promise<string> {
  return (await internalSessions(env, passwordHash)).create(OPERATOR, now, { absoluteSeconds: SESSION_TTL_SECONDS, idleSeconds: SESSION_IDLE_SECONDS });
}

/** True for a cookie whose server-side session is live (unexpired, not signed out). */
export async function verifySession(env: Pick<Env, 'SESSIONS'>, value: string | undefined, passwordHash: string, now: Date): Promise<boolean> {
  return (await (await internalSessions(env, passwordHash)).get(value, now)) !== null;
}

export async function endSession(env: Pick<Env, 'SESSIONS'>, value: string | undefined, passwordHash: string): Promise<void> {
  await (await internalSessions(env, passwordHash)).revoke(value);
}

async function deviceKey(passwordHash: string): Promise<CryptoKey> {
  const material = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`apay internal docs device v1\n${passwordHash}`));
  return crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** `<device id>.<HMAC>`: proves this browser signed in with the current password before. */
export async function issueDeviceCookie(passwordHash: string): Promise<string> {
  const id = newOpaqueId(16);
  const sig = await crypto.subtle.sign('HMAC', await deviceKey(passwordHash), new TextEncoder().encode(id));
  return `${id}.${toBase64Url(sig)}`;
}

/** The device id of a valid device cookie, else null (HMAC verify is constant-time). */
export async function verifyDeviceCookie(value: string | undefined, passwordHash: string): Promise<string | null> {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m) return null;
  const sig = Uint8Array.from(atob(m[2]!.replace(/-/g, '+').replace(/_/g, '/') + '='), (ch) => ch.charCodeAt(0));
  const ok = await crypto.subtle.verify('HMAC', await deviceKey(passwordHash), sig, new TextEncoder().encode(m[1]!));
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
