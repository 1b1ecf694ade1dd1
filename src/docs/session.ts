/**
 * The internal docs session: after a correct password, an HttpOnly, SameSite=Strict cookie (Secure
 * on https) holding `<expiry>.<HMAC>`. The HMAC key is derived from INTERNAL_DOCS_PASSWORD_HASH,
 * so changing the password ends every session and no extra secret is needed.
 */

export const SESSION_COOKIE = 'apay_internal_docs';
export const SESSION_PATH = '/internal';
export const SESSION_TTL_SECONDS = 8 * 3600;

function toBase64Url(buf: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  try {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function sessionKey(passwordHash: string): Promise<CryptoKey> {
  const material = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`apay internal docs session v1\n${passwordHash}`));
  return crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export async function issueSession(passwordHash: string, now: Date): Promise<string> {
  const expires = Math.floor(now.getTime() / 1000) + SESSION_TTL_SECONDS;
  const sig = await crypto.subtle.sign('HMAC', await sessionKey(passwordHash), new TextEncoder().encode(String(expires)));
  return `${expires}.${toBase64Url(sig)}`;
}

/** True for an unexpired cookie value signed with this password hash (HMAC verify is constant-time). */
export async function verifySession(value: string | undefined, passwordHash: string, now: Date): Promise<boolean> {
  const m = /^(\d{10})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m || Number(m[1]) * 1000 <= now.getTime()) return false;
  const sig = fromBase64Url(m[2]!);
  if (!sig) return false;
  return crypto.subtle.verify('HMAC', await sessionKey(passwordHash), sig, new TextEncoder().encode(m[1]!));
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
