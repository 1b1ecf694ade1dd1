/**
 * Sign-in lockout behind a small interface, so the KV version here can be swapped for the
 * strongly consistent limiter Durable Object (src/limits/) without touching the sign-in code.
 * KV is eventually consistent: a burst spread over several locations may get a few more tries
 * than the limit before the lock is seen everywhere — still far too few to guess a password.
 */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export interface SignInLockout {
  /** Milliseconds until `key` may try again; 0 when it is not locked. */
  lockedForMs(key: string): Promise<number>;
  recordFailure(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

export const ACCOUNT_POLICY: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
export const IP_POLICY: LockoutPolicy = { maxFailures: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

interface Counter {
  failures: number;
  windowStart: number;
  lockedUntil: number | null;
}

export class KvSignInLockout implements SignInLockout {
  constructor(
    private readonly kv: KVNamespace,
    private readonly policyFor: (key: string) => LockoutPolicy,
    private readonly now: () => Date,
  ) {}

  async lockedForMs(key: string): Promise<number> {
    const c = await this.read(key);
    const left = c?.lockedUntil ? c.lockedUntil - this.now().getTime() : 0;
    return Math.max(0, left);
  }

  async recordFailure(key: string): Promise<void> {
    const policy = this.policyFor(key);
    const now = this.now().getTime();
    const c = await this.read(key);
    const fresh = !c || now - c.windowStart >= policy.windowMs || (c.lockedUntil !== null && c.lockedUntil <= now);
    const next: Counter = fresh ? { failures: 1, windowStart: now, lockedUntil: null } : { ...c!, failures: c!.failures + 1 };
    if (next.failures >= policy.maxFailures) next.lockedUntil = now + policy.lockMs;
    // The TTL only cleans up; the decisions above use the injected clock.
    await this.kv.put(storeKey(key), JSON.stringify(next), { expirationTtl: Math.max(60, Math.ceil((policy.windowMs + policy.lockMs) / 1000)) });
  }

  async clear(key: string): Promise<void> {
    await this.kv.delete(storeKey(key));
  }

  private read(key: string): Promise<Counter | null> {
    return this.kv.get<Counter>(storeKey(key), 'json');
  }
}

const storeKey = (key: string) => `ratelimit:app-sign-in:${key}`;
export const accountKey = (email: string) => `account:${email}`;
export const ipKey = (ip: string) => `ip:${ip}`;
export const policyForKey = (key: string) => (key.startsWith('ip:') ? IP_POLICY : ACCOUNT_POLICY);
