import { randomBytes, sha256, toBase64Url } from '../../platform/lib/crypto';
import type { SessionInfo, SessionObject } from './session-object';

export type { SessionInfo };

/** 32 random bytes, base64url: the opaque session id a cookie carries. */
export function newOpaqueId(bytes = 32): string {
  return toBase64Url(randomBytes(bytes));
}

const hashOf = async (text: string) => toBase64Url(await sha256(text));

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
    await this.stub().create(await hashOf(id), subject, now.getTime(), ttl.absoluteSeconds, ttl.idleSeconds);
    return id;
  }

  /** The live session for a cookie value, or null (malformed values never reach the object). */
  async get(id: string | undefined, now: Date): Promise<SessionInfo | null> {
    if (!id || !ID_SHAPE.test(id)) return null;
    return this.stub().touch(await hashOf(id), now.getTime());
  }

  async revoke(id: string | undefined): Promise<void> {
    if (id && ID_SHAPE.test(id)) await this.stub().revoke(await hashOf(id));
  }

  revokeSubject(subject: string): Promise<number> {
    return this.stub().revokeSubject(subject);
  }
}
