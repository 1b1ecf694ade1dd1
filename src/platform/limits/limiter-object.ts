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
 *  - rate limit (`hit`): a fixed window of `limit` requests per `windowSeconds`.
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

export class LimiterObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS lockout (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL, last_at INTEGER NOT NULL, locked_until INTEGER NOT NULL, level INTEGER NOT NULL)`,
    );
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS rate_window (id INTEGER PRIMARY KEY CHECK (id = 1), window_start INTEGER NOT NULL, count INTEGER NOT NULL)`,
    );
  }

  /** Check-and-record one sign-in attempt. `allowed` means: go and check the password now. */
  attempt(policy: LockoutPolicy, nowMs: number): Verdict {
    const row = this.sql.exec<LockRow & Record<string, number>>('SELECT failures, last_at, locked_until, level FROM lockout').toArray()[0];
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
    this.sql.exec(
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
    this.sql.exec('DELETE FROM lockout');
  }

  /** Count one request in a fixed window; refuse it when the window already holds `limit`. */
  hit(limit: number, windowSeconds: number, nowMs: number): Verdict {
    const w = this.window(nowMs, windowSeconds * 1000);
    if (w.count >= limit) return { allowed: false, retryAfterSeconds: retryAfter(w.end, nowMs) };
    this.saveWindow(w.start, w.count + 1);
    return { allowed: true, remaining: limit - w.count - 1 };
  }

  /** `count` requests at once (a RateGate's report); allowed while the window's total stays within the limit. */
  hitMany(count: number, limit: number, windowSeconds: number, nowMs: number): Verdict {
    const w = this.window(nowMs, windowSeconds * 1000);
    const total = w.count + count;
    this.saveWindow(w.start, total);
    return total > limit ? { allowed: false, retryAfterSeconds: retryAfter(w.end, nowMs) } : { allowed: true, remaining: limit - total };
  }

  /** The current fixed window: the stored one, or a fresh one once `windowMs` has passed since it began. */
  private window(nowMs: number, windowMs: number): { start: number; end: number; count: number } {
    const row = this.sql.exec<WindowRow & Record<string, number>>('SELECT window_start, count FROM rate_window').toArray()[0];
    const start = row && nowMs - row.window_start < windowMs ? row.window_start : nowMs;
    return { start, end: start + windowMs, count: start === row?.window_start ? row.count : 0 };
  }

  private saveWindow(start: number, count: number): void {
    this.sql.exec('INSERT OR REPLACE INTO rate_window (id, window_start, count) VALUES (1, ?, ?)', start, count);
  }

  /** Operator action and test clean-up: forget everything about this key. */
  reset(): void {
    this.sql.exec('DELETE FROM lockout');
    this.sql.exec('DELETE FROM rate_window');
  }
}
