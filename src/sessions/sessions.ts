import type { SessionInfo, SessionObject } from './session-object';

export type { SessionInfo };

/** 32 random bytes, base64url: the opaque session id a cookie carries. */
export function newOpaqueId(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function toBase64Url(buf: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const b of buf instanceof Uint8Array ? buf : new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function sha256(text: string): Promise<string> {
  return toBase64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Server-side sessions of one realm (one SessionObject per realm name). The cookie holds only
 * the opaque id; the object holds the hash of it, the subject and the expiries.
 */
export class SessionStore {
  constructor(
    private readonly ns: DurableObjectNamespace<SessionObject>,
    private readonly realm: string,
  ) {}

  private stub() {
    return this.ns.get(this.ns.idFromName(this.realm));
  }

  async create(subject: string, now: Date, ttl: { absoluteSeconds: number; idleSeconds: number }): Promise<string> {
    const id = newOpaqueId();
    await this.stub().create(await sha256(id), subject, now.getTime(), ttl.absoluteSeconds, ttl.idleSeconds);
    return id;
  }

  /** The live session for a cookie value, or null (malformed values never reach the object). */
  async get(id: string | undefined, now: Date): Promise<SessionInfo | null> {
    if (!id || !ID_SHAPE.test(id)) return null;
    return this.stub().touch(await sha256(id), now.getTime());
  }

  async revoke(id: string | undefined): Promise<void> {
    if (id && ID_SHAPE.test(id)) await this.stub().revoke(await sha256(id));
  }

  revokeSubject(subject: string): Promise<number> {
    return this.stub().revokeSubject(subject);
  }
}
