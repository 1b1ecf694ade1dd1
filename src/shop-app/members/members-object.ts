import { DurableObject } from 'cloudflare:workers';
import type { Member, MemberRole, Mode } from '../../../generated/api/types.gen';
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
  role: MemberRole;
  createdAt: number;
  lastSeenAt: number;
}

export type InviteState = { ok: true; email: string; memberId: string } | { ok: false; reason: 'unknown' | 'expired' | 'used' };

export interface SessionTimes {
  idleMs: number;
  absoluteMs: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  memberId: string;
  email: string;
  action: string;
  detail: string;
}

export interface Credentials {
  memberId: string;
  passwordHash: string;
  /** The member turned on a second factor: the password alone does not sign in. */
  secondFactor: boolean;
}

export interface PendingSignIn {
  memberId: string;
  email: string;
  passwordHash: string;
  sealedSecret: string;
  lastStep: number;
}

type Row = Record<string, SqlStorageValue>;
const TOUCH_EVERY_MS = 60_000;
/** Codes tried against one sign-in challenge before the password must be entered again. */
const MAX_CODE_TRIES = 5;

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
      CREATE TABLE IF NOT EXISTS recovery_codes (
        member_id TEXT NOT NULL, hash TEXT NOT NULL, used_at INTEGER, PRIMARY KEY (member_id, hash));
      CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, member_id TEXT NOT NULL, email TEXT NOT NULL,
        action TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS pending_sign_ins (
        hash TEXT PRIMARY KEY, member_id TEXT NOT NULL, password_hash TEXT NOT NULL, expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
    `);
    // Columns added after the first release: SQLite has no ADD COLUMN IF NOT EXISTS.
    const columns = new Set(
      this.sql
        .exec("SELECT name FROM pragma_table_info('members')")
        .toArray()
        .map((r) => String(r.name)),
    );
    for (const [name, type] of [
      ['totp_secret', 'TEXT'],
      ['totp_pending', 'TEXT'],
      ['totp_last_step', 'INTEGER NOT NULL DEFAULT 0'],
      // Members from before roles were invited by an operator as the shop's contact: owners.
      ['role', "TEXT NOT NULL DEFAULT 'owner'"],
    ] as const) {
      if (!columns.has(name)) this.sql.exec(`ALTER TABLE members ADD COLUMN ${name} ${type}`);
    }
  }

  /**
   * A new member (with `role`, default owner), or an existing one re-invited (the password reset;
   * `role` given changes theirs): earlier links stop working.
   */
  invite(shopId: string, email: string, newMemberId: string, inviteHash: string, nowMs: number, ttlMs: number, role?: MemberRole): Member {
    return this.ctx.storage.transactionSync(() => {
      let row = this.memberByEmail(email);
      if (!row) {
        this.sql.exec(
          'INSERT INTO members (id, shop_id, email, role, created_at, invited_at) VALUES (?,?,?,?,?,?)',
          newMemberId,
          shopId,
          email,
          role ?? 'owner',
          nowMs,
          nowMs,
        );
        row = this.memberByEmail(email)!;
      } else {
        this.sql.exec('UPDATE members SET invited_at = ?, role = COALESCE(?, role) WHERE id = ?', nowMs, role ?? null, row.id);
      }
      this.sql.exec('DELETE FROM invites WHERE member_id = ?', row.id);
      this.sql.exec('INSERT INTO invites (hash, member_id, expires_at) VALUES (?,?,?)', inviteHash, row.id, nowMs + ttlMs);
      return toMember(this.memberByEmail(email)!);
    });
  }

  member(memberId: string): Member | null {
    const row = this.sql.exec('SELECT * FROM members WHERE id = ?', memberId).toArray()[0];
    return row ? toMember(row) : null;
  }

  /** Changes a member's role, keeping at least one owner who has set a password. */
  setRole(memberId: string, role: MemberRole): Member | 'last-owner' | null {
    return this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec('SELECT * FROM members WHERE id = ?', memberId).toArray()[0];
      if (!row) return null;
      if (row.role === 'owner' && role !== 'owner' && this.otherActiveOwners(memberId) === 0) return 'last-owner';
      this.sql.exec('UPDATE members SET role = ? WHERE id = ?', role, memberId);
      return toMember({ ...row, role });
    });
  }

  /** Active owners besides this member (the app refuses to remove or demote the last one). */
  otherActiveOwners(memberId: string): number {
    return Number(
      this.sql.exec("SELECT COUNT(*) AS n FROM members WHERE role = 'owner' AND password_hash IS NOT NULL AND id != ?", memberId).one().n,
    );
  }

  /** Appends to the shop's audit list: who (member id and email at the time), what, when. */
  record(entry: { at: number; memberId: string; email: string; action: string; detail: string }): void {
    this.sql.exec(
      'INSERT INTO audit (at, member_id, email, action, detail) VALUES (?,?,?,?,?)',
      entry.at,
      entry.memberId,
      entry.email,
      entry.action,
      entry.detail,
    );
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  auditList(limit: number, before?: number): AuditEntry[] {
    return this.sql
      .exec('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?', before ?? Number.MAX_SAFE_INTEGER, limit)
      .toArray()
      .map((r) => ({
        id: Number(r.id),
        at: iso(r.at),
        memberId: String(r.member_id),
        email: String(r.email),
        action: String(r.action),
        detail: String(r.detail),
      }));
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
      this.sql.exec('DELETE FROM recovery_codes WHERE member_id = ?', memberId);
      this.sql.exec('DELETE FROM pending_sign_ins WHERE member_id = ?', memberId);
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

  /**
   * Sets the password, spends the invite, ends every earlier session and opens a new one. A new
   * invite is also the way back for a member who lost their authenticator and recovery codes, so
   * it turns the second factor off (the member can enrol again at once).
   */
  acceptInvite(inviteHash: string, passwordHash: string, session: { hash: string; csrf: string }, nowMs: number): InviteState {
    return this.ctx.storage.transactionSync(() => {
      const state = this.inviteState(inviteHash, nowMs);
      if (!state.ok) return state;
      this.sql.exec('UPDATE invites SET used_at = ? WHERE hash = ?', nowMs, inviteHash);
      this.sql.exec(
        'UPDATE members SET password_hash = ?, last_sign_in_at = ?, totp_secret = NULL, totp_pending = NULL WHERE id = ?',
        passwordHash,
        nowMs,
        state.memberId,
      );
      this.sql.exec('DELETE FROM sessions WHERE member_id = ?', state.memberId);
      this.sql.exec('DELETE FROM recovery_codes WHERE member_id = ?', state.memberId);
      this.insertSession(session, state.memberId, nowMs);
      return state;
    });
  }

  /** The stored hash to verify a password against (the slow PBKDF2 runs in the Worker, not here). */
  credentials(email: string): Credentials | null {
    const row = this.memberByEmail(email);
    return row?.password_hash
      ? { memberId: String(row.id), passwordHash: String(row.password_hash), secondFactor: row.totp_secret !== null }
      : null;
  }

  /** The password was right and a second factor is due: a short-lived challenge bound to that password. */
  beginSecondFactor(memberId: string, verifiedHash: string, challengeHash: string, nowMs: number, ttlMs: number): void {
    this.sql.exec('DELETE FROM pending_sign_ins WHERE expires_at <= ?', nowMs);
    this.sql.exec(
      'INSERT INTO pending_sign_ins (hash, member_id, password_hash, expires_at) VALUES (?,?,?,?)',
      challengeHash,
      memberId,
      verifiedHash,
      nowMs + ttlMs,
    );
  }

  /** The challenge's member, while it is unexpired, the password unchanged and the factor still on. */
  pendingSignIn(challengeHash: string, nowMs: number): PendingSignIn | null {
    const row = this.sql
      .exec(
        'SELECT p.*, m.email, m.totp_secret, m.totp_last_step FROM pending_sign_ins p JOIN members m ON m.id = p.member_id AND m.password_hash = p.password_hash WHERE p.hash = ?',
        challengeHash,
      )
      .toArray()[0];
    if (!row || Number(row.expires_at) <= nowMs || row.totp_secret === null) return null;
    return {
      memberId: String(row.member_id),
      email: String(row.email),
      passwordHash: String(row.password_hash),
      sealedSecret: String(row.totp_secret),
      lastStep: Number(row.totp_last_step),
    };
  }

  /**
   * Completes a sign-in with a TOTP step (later than the last one used) or an unused recovery
   * code, atomically: the challenge is spent, the code marked used and the session opened together.
   * A wrong proof counts against the challenge; after MAX_CODE_TRIES the password is asked again.
   */
  completeSignIn(
    challengeHash: string,
    proof: { step: number } | { recoveryHash: string },
    session: { hash: string; csrf: string },
    nowMs: number,
  ): 'ok' | 'wrong' | 'expired' {
    return this.ctx.storage.transactionSync(() => {
      const pending = this.pendingSignIn(challengeHash, nowMs);
      if (!pending) return 'expired';
      const accepted =
        'step' in proof ? proof.step > pending.lastStep : this.spendRecoveryCode(pending.memberId, proof.recoveryHash, nowMs);
      if (!accepted) {
        this.sql.exec('UPDATE pending_sign_ins SET attempts = attempts + 1 WHERE hash = ?', challengeHash);
        this.sql.exec('DELETE FROM pending_sign_ins WHERE hash = ? AND attempts >= ?', challengeHash, MAX_CODE_TRIES);
        return 'wrong';
      }
      if ('step' in proof) this.sql.exec('UPDATE members SET totp_last_step = ? WHERE id = ?', proof.step, pending.memberId);
      this.sql.exec('DELETE FROM pending_sign_ins WHERE hash = ?', challengeHash);
      this.sql.exec('UPDATE members SET last_sign_in_at = ? WHERE id = ?', nowMs, pending.memberId);
      this.insertSession(session, pending.memberId, nowMs);
      return 'ok';
    });
  }

  /** A wrong code that did not even parse still costs a try. */
  failSecondFactor(challengeHash: string): void {
    this.sql.exec('UPDATE pending_sign_ins SET attempts = attempts + 1 WHERE hash = ?', challengeHash);
    this.sql.exec('DELETE FROM pending_sign_ins WHERE hash = ? AND attempts >= ?', challengeHash, MAX_CODE_TRIES);
  }

  private spendRecoveryCode(memberId: string, hash: string, nowMs: number): boolean {
    const spent = this.sql.exec(
      'UPDATE recovery_codes SET used_at = ? WHERE member_id = ? AND hash = ? AND used_at IS NULL',
      nowMs,
      memberId,
      hash,
    );
    return spent.rowsWritten > 0;
  }

  /** Second-factor state for the account page and enrolment (the secrets stay sealed). */
  secondFactor(
    memberId: string,
  ): { enabled: boolean; sealedPending: string | null; sealedSecret: string | null; lastStep: number; recoveryLeft: number } | null {
    const row = this.sql.exec('SELECT totp_secret, totp_pending, totp_last_step FROM members WHERE id = ?', memberId).toArray()[0];
    if (!row) return null;
    const left = this.sql.exec('SELECT COUNT(*) AS n FROM recovery_codes WHERE member_id = ? AND used_at IS NULL', memberId).one();
    return {
      enabled: row.totp_secret !== null,
      sealedPending: row.totp_pending === null ? null : String(row.totp_pending),
      sealedSecret: row.totp_secret === null ? null : String(row.totp_secret),
      lastStep: Number(row.totp_last_step),
      recoveryLeft: Number(left.n),
    };
  }

  /** Enrolment, step 1: a secret waiting for its first code (replaces any earlier unconfirmed one). */
  stageTotp(memberId: string, sealedSecret: string): void {
    this.sql.exec('UPDATE members SET totp_pending = ? WHERE id = ?', sealedSecret, memberId);
  }

  /** Enrolment, step 2: the first code matched; the staged secret becomes the factor with fresh recovery codes. */
  enableTotp(memberId: string, sealedSecret: string, step: number, recoveryHashes: string[]): boolean {
    return this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec('SELECT totp_pending FROM members WHERE id = ?', memberId).toArray()[0];
      if (!row || row.totp_pending !== sealedSecret) return false;
      this.sql.exec('UPDATE members SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ? WHERE id = ?', step, memberId);
      this.sql.exec('DELETE FROM recovery_codes WHERE member_id = ?', memberId);
      for (const hash of recoveryHashes) this.sql.exec('INSERT INTO recovery_codes (member_id, hash) VALUES (?, ?)', memberId, hash);
      return true;
    });
  }

  /** Turns the factor off (the caller has checked a current code). */
  disableTotp(memberId: string): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('UPDATE members SET totp_secret = NULL, totp_pending = NULL WHERE id = ?', memberId);
      this.sql.exec('DELETE FROM recovery_codes WHERE member_id = ?', memberId);
      this.sql.exec('DELETE FROM pending_sign_ins WHERE member_id = ?', memberId);
    });
  }

  /** Records a used TOTP step (a code that turned the factor off or confirmed an action cannot be replayed). */
  useTotpStep(memberId: string, step: number): boolean {
    return this.sql.exec('UPDATE members SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?', step, memberId, step).rowsWritten > 0;
  }

  /** Sign out everywhere: every session of the member ends, this one included. */
  endAllSessions(memberId: string): number {
    return this.sql.exec('DELETE FROM sessions WHERE member_id = ?', memberId).rowsWritten;
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
      .exec('SELECT s.*, m.email, m.role FROM sessions s JOIN members m ON m.id = s.member_id WHERE s.hash = ?', hash)
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
    role: toRole(r.role),
    status: r.password_hash ? 'active' : 'invited',
    createdAt: iso(r.created_at),
    invitedAt: iso(r.invited_at),
    lastSignInAt: r.last_sign_in_at === null || r.last_sign_in_at === undefined ? null : iso(r.last_sign_in_at),
  };
}

// An unknown value (none is ever written) grants the least.
const toRole = (v: SqlStorageValue | undefined): MemberRole => (v === 'owner' || v === 'developer' ? v : 'viewer');

function toSession(r: Row): SessionView {
  return {
    memberId: String(r.member_id),
    email: String(r.email),
    csrf: String(r.csrf),
    mode: r.mode === 'live' ? 'live' : 'test',
    role: toRole(r.role),
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
  };
}
