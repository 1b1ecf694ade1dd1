import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env';

/**
 * Server-side sessions for one realm (e.g. the internal docs, or one shop's members): a row per
 * session, keyed by the SHA-256 of the opaque id the cookie holds (a leaked storage dump holds no
 * usable cookie). A Durable Object, not KV: sign-out must end the session everywhere at once, and
 * KV serves a deleted key from other locations' caches for up to 60 s or more.
 */

export interface SessionInfo {
  subject: string;
  createdAt: number;
  expiresAt: number;
}

export class SessionObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, subject TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, idle_until INTEGER NOT NULL, idle_ms INTEGER NOT NULL)',
    );
  }

  /** Stores a new session; expired rows are swept on the way (no alarm needed at this volume). */
  create(idHash: string, subject: string, nowMs: number, absoluteSeconds: number, idleSeconds: number): void {
    this.sql.exec('DELETE FROM sessions WHERE expires_at <= ? OR idle_until <= ?', nowMs, nowMs);
    const idleMs = idleSeconds * 1000;
    this.sql.exec(
      'INSERT INTO sessions (id_hash, subject, created_at, expires_at, idle_until, idle_ms) VALUES (?, ?, ?, ?, ?, ?)',
      idHash,
      subject,
      nowMs,
      nowMs + absoluteSeconds * 1000,
      nowMs + idleMs,
      idleMs,
    );
  }

  /** The live session for this id (and its idle timer restarted), or null. */
  touch(idHash: string, nowMs: number): SessionInfo | null {
    const row = this.sql
      .exec<{ subject: string; created_at: number; expires_at: number; idle_until: number; idle_ms: number }>(
        'SELECT subject, created_at, expires_at, idle_until, idle_ms FROM sessions WHERE id_hash = ?',
        idHash,
      )
      .toArray()[0];
    if (!row) return null;
    if (row.expires_at <= nowMs || row.idle_until <= nowMs) {
      this.sql.exec('DELETE FROM sessions WHERE id_hash = ?', idHash);
      return null;
    }
    this.sql.exec('UPDATE sessions SET idle_until = ? WHERE id_hash = ?', Math.min(nowMs + row.idle_ms, row.expires_at), idHash);
    return { subject: row.subject, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  /** Sign-out: the id stops working on the next request, from every location. */
  revoke(idHash: string): void {
    this.sql.exec('DELETE FROM sessions WHERE id_hash = ?', idHash);
  }

  /** Ends every session of one subject (e.g. a removed member). Returns how many. */
  revokeSubject(subject: string): number {
    return this.sql.exec('DELETE FROM sessions WHERE subject = ?', subject).rowsWritten;
  }
}
