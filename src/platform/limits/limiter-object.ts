import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env';

/**
 * A strongly consistent counter: one object per key (`idFromName(key)`), SQLite-backed. Every
 * method runs to completion without awaiting anything but its own storage, so a check and the
 * record of it are one atomic step: 40 concurrent callers see 40 distinct counts, never one stale
 * read (the KV read-modify-write this replaces let 60 of 40+ parallel guesses through).
 *
 * Two uses:
 *  - lockout (`attempt` / `succeed`): sign-in attempts are counted *before* the password is
 *    checked, so a burst gets exactly `maxFailures` checks; a correct password clears the count.
 *  - rate limit (`hit`): a fixed window of `limit` requests per `windowSeconds`, stored.
 *  - rate gate report (`hitMany`): the same window kept in the object's memory only (see there).
 *
 * Tables are created on first use, not in the constructor: an object that only ever counts a
 * rate gate's reports (one per customer IP) writes nothing to storage at all.
 */

export interface LockoutPolicy {
  /** Attempts allowed before the key locks. */
  maxFailures: number;
  /** Failures are forgotten after this long without a failure or a lock. */
  windowSeconds: number;
  /** Length of the first lock. */
  lockoutSeconds: number;
  /**
   * Escalation cap. When larger than `lockoutSeconds`, each further lock doubles (up to this) and
   * after a lock only one attempt is allowed before the next one; quiet for `windowSeconds` and
   * the key starts afresh. Omitted: every lock is `lockoutSeconds` and then a full new budget.
   */
  maxLockoutSeconds?: number;
}

export type Verdict = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

interface LockRow {
  failures: number;
  last_at: number;
  locked_until: number;
  level: number;
}

interface WindowRow {
  window_start: number;
  count: number;
}

const retryAfter = (untilMs: number, nowMs: number) => Math.max(1, Math.ceil((untilMs - nowMs) / 1000));

/** The current fixed window: `last`, or a fresh one once `windowMs` has passed since it began. */
function currentWindow(last: { start: number; count: number } | null, nowMs: number, windowMs: number) {
  const start = last && nowMs - last.start < windowMs ? last.start : nowMs;
  return { start, end: start + windowMs, count: start === last?.start ? last.count : 0 };
}

const TABLES = {
  lockout:
    'CREATE TABLE IF NOT EXISTS lockout (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL, last_at INTEGER NOT NULL, locked_until INTEGER NOT NULL, level INTEGER NOT NULL)',
  rate_window:
    'CREATE TABLE IF NOT EXISTS rate_window (id INTEGER PRIMARY KEY CHECK (id = 1), window_start INTEGER NOT NULL, count INTEGER NOT NULL)',
};

export class LimiterObject extends DurableObject<Env> {
  private readonly created = new Set<keyof typeof TABLES>();
  /** The rate gate's window for this key, in memory only (`hitMany`). */
  private reported: { start: number; count: number } | null = null;

  /** The object's SQL, with `table` created if this object has not used it yet. */
  private sql(table: keyof typeof TABLES): SqlStorage {
    const sql = this.ctx.storage.sql;
    if (!this.created.has(table)) {
      sql.exec(TABLES[table]);
      this.created.add(table);
    }
    return sql;
  }

  /** Check-and-record one sign-in attempt. `allowed` means: go and check the password now. */
  attempt(policy: LockoutPolicy, nowMs: number): Verdict {
    const row = this.sql('lockout')
      .exec<LockRow & Record<string, number>>('SELECT failures, last_at, locked_until, level FROM lockout')
      .toArray()[0];
    let { failures, last_at, locked_until, level } = row ?? { failures: 0, last_at: 0, locked_until: 0, level: 0 };
    if (locked_until > nowMs) return { allowed: false, retryAfterSeconds: retryAfter(locked_until, nowMs) };

    if (nowMs - Math.max(last_at, locked_until) > policy.windowSeconds * 1000) {
      failures = 0;
      level = 0;
    }
    failures += 1;
    last_at = nowMs;
    const escalates = (policy.maxLockoutSeconds ?? 0) > policy.lockoutSeconds;
    const remaining = Math.max(0, policy.maxFailures - failures);
    if (failures >= policy.maxFailures) {
      const seconds = escalates ? Math.min(policy.lockoutSeconds * 2 ** level, policy.maxLockoutSeconds!) : policy.lockoutSeconds;
      locked_until = nowMs + seconds * 1000;
      level += 1;
      // Escalating: one attempt after the lock, then the next (longer) lock. Otherwise a new budget.
      failures = escalates ? policy.maxFailures - 1 : 0;
    }
    this.sql('lockout').exec(
      'INSERT OR REPLACE INTO lockout (id, failures, last_at, locked_until, level) VALUES (1, ?, ?, ?, ?)',
      failures,
      last_at,
      locked_until,
      level,
    );
    // This attempt itself is allowed even when it triggered the lock: it was within the budget.
    return { allowed: true, remaining };
  }

  /** A correct password: forget the failures and any escalation. */
  succeed(): void {
    this.sql('lockout').exec('DELETE FROM lockout');
  }

  /** Count one request in a fixed window; refuse it when the window already holds `limit`. Stored: for long windows. */
  hit(limit: number, windowSeconds: number, nowMs: number): Verdict {
    const row = this.sql('rate_window')
      .exec<WindowRow & Record<string, number>>('SELECT window_start, count FROM rate_window')
      .toArray()[0];
    const w = currentWindow(row ? { start: row.window_start, count: row.count } : null, nowMs, windowSeconds * 1000);
    if (w.count >= limit) return { allowed: false, retryAfterSeconds: retryAfter(w.end, nowMs) };
    this.sql('rate_window').exec('INSERT OR REPLACE INTO rate_window (id, window_start, count) VALUES (1, ?, ?)', w.start, w.count + 1);
    return { allowed: true, remaining: limit - w.count - 1 };
  }

  /**
   * `count` requests at once (a RateGate's report); allowed while the window's total stays within
   * the limit. The window lives in this object's memory, never in storage: it is a rate gate's
   * short window (a minute), counted on one key per customer IP, so storing it would write rows for
   * every new visitor. An object evicted mid-window forgets its count and the key starts a fresh
   * window — acceptable for a rate gate (at most one extra window's budget after an idle spell),
   * unlike the sign-in lockouts above, which are stored.
   */
  hitMany(count: number, limit: number, windowSeconds: number, nowMs: number): Verdict {
    const w = currentWindow(this.reported, nowMs, windowSeconds * 1000);
    const total = w.count + count;
    this.reported = { start: w.start, count: total };
    return total > limit ? { allowed: false, retryAfterSeconds: retryAfter(w.end, nowMs) } : { allowed: true, remaining: limit - total };
  }

  /** Operator action and test clean-up: forget everything about this key. */
  reset(): void {
    this.reported = null;
    this.sql('lockout').exec('DELETE FROM lockout');
    this.sql('rate_window').exec('DELETE FROM rate_window');
  }
}
