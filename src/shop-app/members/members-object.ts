import { DurableObject } from 'cloudflare:workers';
import type { Member, Mode } from '../../../generated/api/types.gen';
import type { Env } from '../../env';

/**
 * One Durable Object per shop holds its app members, their invites and their sessions (SQLite).
 * Sessions live here, not in KV, because removing a member or resetting a password must end
 * their sessions at once in every location: KV would keep serving a deleted session for up to a
 * minute. Secrets (invite links, session ids) are stored only as SHA-256 hashes. The caller
 * passes the time (`nowMs`), so tests control the clock and nothing here sleeps.
 */
export interface SessionView {
  memberId: string;
  email: string;
  csrf: string;
  mode: Mode;
  createdAt: number;
  lastSeenAt: number;
}

export type InviteState = { ok: true; email: string; memberId: string } | { ok: false; reason: 'unknown' | 'expired' | 'used' };

export interface SessionTimes {
  idleMs: number;
  absoluteMs: number;
}

type Row = Record<string, SqlStorageValue>;
const TOUCH_EVERY_MS = 60_000;

export class ShopMembersObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS members (
        id TEXT PRIMARY KEY, shop_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, password_hash TEXT,
        created_at INTEGER NOT NULL, invited_at INTEGER NOT NULL, last_sign_in_at INTEGER);
      CREATE TABLE IF NOT EXISTS invites (
        hash TEXT PRIMARY KEY, member_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
      CREATE TABLE IF NOT EXISTS sessions (
        hash TEXT PRIMARY KEY, member_id TEXT NOT NULL, csrf TEXT NOT NULL, mode TEXT NOT NULL,
        created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_member ON sessions (member_id);
    `);
  }

  /** A new member, or an existing one re-invited (the password reset): earlier links stop working. */
  invite(shopId: string, email: string, newMemberId: string, inviteHash: string, nowMs: number, ttlMs: number): Member {
    return this.ctx.storage.transactionSync(() => {
      let row = this.memberByEmail(email);
      if (!row) {
        this.sql.exec(
          'INSERT INTO members (id, shop_id, email, created_at, invited_at) VALUES (?,?,?,?,?)',
          newMemberId,
          shopId,
          email,
          nowMs,
          nowMs,
        );
        row = this.memberByEmail(email)!;
      } else {
        this.sql.exec('UPDATE members SET invited_at = ? WHERE id = ?', nowMs, row.id);
      }
      this.sql.exec('DELETE FROM invites WHERE member_id = ?', row.id);
      this.sql.exec('INSERT INTO invites (hash, member_id, expires_at) VALUES (?,?,?)', inviteHash, row.id, nowMs + ttlMs);
      return toMember(this.memberByEmail(email)!);
    });
  }

  list(): Member[] {
    return this.sql.exec('SELECT * FROM members ORDER BY created_at, id').toArray().map(toMember);
  }

  /** Deletes the member with every invite and session: the next request of theirs is signed out. */
  remove(memberId: string): Member | null {
    return this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec('SELECT * FROM members WHERE id = ?', memberId).toArray()[0];
      if (!row) return null;
      this.sql.exec('DELETE FROM sessions WHERE member_id = ?', memberId);
      this.sql.exec('DELETE FROM invites WHERE member_id = ?', memberId);
      this.sql.exec('DELETE FROM members WHERE id = ?', memberId);
      return toMember(row);
    });
  }

  inviteState(inviteHash: string, nowMs: number): InviteState {
    const row = this.sql
      .exec('SELECT i.*, m.email FROM invites i JOIN members m ON m.id = i.member_id WHERE i.hash = ?', inviteHash)
      .toArray()[0];
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.used_at !== null) return { ok: false, reason: 'used' };
    if (Number(row.expires_at) <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true, email: String(row.email), memberId: String(row.member_id) };
  }

  /** Sets the password, spends the invite, ends every earlier session and opens a new one. */
  acceptInvite(inviteHash: string, passwordHash: string, session: { hash: string; csrf: string }, nowMs: number): InviteState {
    return this.ctx.storage.transactionSync(() => {
      const state = this.inviteState(inviteHash, nowMs);
      if (!state.ok) return state;
      this.sql.exec('UPDATE invites SET used_at = ? WHERE hash = ?', nowMs, inviteHash);
      this.sql.exec('UPDATE members SET password_hash = ?, last_sign_in_at = ? WHERE id = ?', passwordHash, nowMs, state.memberId);
      this.sql.exec('DELETE FROM sessions WHERE member_id = ?', state.memberId);
      this.insertSession(session, state.memberId, nowMs);
      return state;
    });
  }

  /** The stored hash to verify a password against (the slow PBKDF2 runs in the Worker, not here). */
  credentials(email: string): { memberId: string; passwordHash: string } | null {
    const row = this.memberByEmail(email);
    return row?.password_hash ? { memberId: String(row.id), passwordHash: String(row.password_hash) } : null;
  }

  /** Opens a session only if the member still has the password that was verified (no race with a removal or reset). */
  openSession(memberId: string, verifiedHash: string, session: { hash: string; csrf: string }, nowMs: number): boolean {
    return this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec('SELECT password_hash FROM members WHERE id = ?', memberId).toArray()[0];
      if (!row || row.password_hash !== verifiedHash) return false;
      this.sql.exec('UPDATE members SET last_sign_in_at = ? WHERE id = ?', nowMs, memberId);
      this.insertSession(session, memberId, nowMs);
      return true;
    });
  }

  /** The session if it exists and has neither idled out nor reached its absolute end; slides the idle timer. */
  resolveSession(hash: string, nowMs: number, times: SessionTimes): SessionView | null {
    const row = this.sql
      .exec('SELECT s.*, m.email FROM sessions s JOIN members m ON m.id = s.member_id WHERE s.hash = ?', hash)
      .toArray()[0];
    if (!row) return null;
    const view = toSession(row);
    if (nowMs - view.lastSeenAt >= times.idleMs || nowMs - view.createdAt >= times.absoluteMs) {
      this.sql.exec('DELETE FROM sessions WHERE hash = ?', hash);
      return null;
    }
    if (nowMs - view.lastSeenAt >= TOUCH_EVERY_MS) this.sql.exec('UPDATE sessions SET last_seen_at = ? WHERE hash = ?', nowMs, hash);
    return view;
  }

  endSession(hash: string): void {
    this.sql.exec('DELETE FROM sessions WHERE hash = ?', hash);
  }

  setMode(hash: string, mode: Mode): void {
    this.sql.exec('UPDATE sessions SET mode = ? WHERE hash = ?', mode, hash);
  }

  private insertSession(session: { hash: string; csrf: string }, memberId: string, nowMs: number): void {
    this.sql.exec(
      'INSERT INTO sessions (hash, member_id, csrf, mode, created_at, last_seen_at) VALUES (?,?,?,?,?,?)',
      session.hash,
      memberId,
      session.csrf,
      'test',
      nowMs,
      nowMs,
    );
  }

  private memberByEmail(email: string): Row | undefined {
    return this.sql.exec('SELECT * FROM members WHERE email = ?', email).toArray()[0];
  }
}

const iso = (ms: SqlStorageValue | undefined) => new Date(Number(ms)).toISOString();

function toMember(r: Row): Member {
  return {
    id: String(r.id),
    shopId: String(r.shop_id),
    email: String(r.email),
    status: r.password_hash ? 'active' : 'invited',
    createdAt: iso(r.created_at),
    invitedAt: iso(r.invited_at),
    lastSignInAt: r.last_sign_in_at === null || r.last_sign_in_at === undefined ? null : iso(r.last_sign_in_at),
  };
}

function toSession(r: Row): SessionView {
  return {
    memberId: String(r.member_id),
    email: String(r.email),
    csrf: String(r.csrf),
    mode: r.mode === 'live' ? 'live' : 'test',
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
  };
}
