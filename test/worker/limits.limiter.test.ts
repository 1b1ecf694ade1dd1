import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/platform/limits/limiter';
import type { LimiterObject } from '../../src/platform/limits/limiter-object';
import { ACCOUNT_POLICY, IP_POLICY, LoginThrottle } from '../../src/platform/limits/login-throttle';

// The limiter's rules with an explicit clock (the caller passes `now`), one fresh key per test.
const limiter = new Limiter(env.LIMITER);
let n = 0;
const key = (what: string) => `test:${what}:${++n}:${crypto.randomUUID()}`;
const at = (t0: number, seconds: number) => new Date(t0 + seconds * 1000);

describe('LimiterObject lockout', () => {
  it('is atomic: 40 concurrent attempts on one key get exactly maxFailures allowed', async () => {
    const k = key('burst');
    const now = new Date();
    const verdicts = await Promise.all(Array.from({ length: 40 }, () => limiter.attempt(k, IP_POLICY, now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(IP_POLICY.maxFailures);
  });

  it('an account lock is short, doubles each time up to the cap, allows one try between locks, and ends by itself', async () => {
    const k = key('account');
    const t0 = Date.UTC(2030, 0, 1);
    for (let i = 0; i < ACCOUNT_POLICY.maxFailures; i++) expect((await limiter.attempt(k, ACCOUNT_POLICY, at(t0, 0))).allowed).toBe(true);
    const locked = await limiter.attempt(k, ACCOUNT_POLICY, at(t0, 1));
    expect(locked).toEqual({ allowed: false, retryAfterSeconds: 59 });

    // Each lock: one attempt once it ends, then the next lock, twice as long, capped at 15 min.
    let t = 0;
    const lengths: number[] = [];
    for (let lock = 1; lock <= 6; lock++) {
      t += Math.min(ACCOUNT_POLICY.lockoutSeconds * 2 ** (lock - 1), 900);
      expect((await limiter.attempt(k, ACCOUNT_POLICY, at(t0, t))).allowed, `after lock ${lock}`).toBe(true);
      const v = await limiter.attempt(k, ACCOUNT_POLICY, at(t0, t));
      expect(v.allowed).toBe(false);
      lengths.push(v.allowed ? 0 : v.retryAfterSeconds);
    }
    expect(lengths).toEqual([120, 240, 480, 900, 900, 900]);

    // Quiet for a window after the last lock ends: a fresh budget, no escalation.
    t += 900 + ACCOUNT_POLICY.windowSeconds + 1;
    for (let i = 0; i < ACCOUNT_POLICY.maxFailures; i++) expect((await limiter.attempt(k, ACCOUNT_POLICY, at(t0, t))).allowed).toBe(true);
    expect(await limiter.attempt(k, ACCOUNT_POLICY, at(t0, t))).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('a correct password clears the count; an IP lock is a fixed 15 minutes with a new budget after it', async () => {
    const k = key('ip');
    const t0 = Date.UTC(2030, 0, 1);
    for (let i = 0; i < 4; i++) await limiter.attempt(k, IP_POLICY, at(t0, 0));
    await limiter.succeed(k);
    for (let i = 0; i < 5; i++) expect((await limiter.attempt(k, IP_POLICY, at(t0, 1))).allowed).toBe(true);
    expect(await limiter.attempt(k, IP_POLICY, at(t0, 1))).toEqual({ allowed: false, retryAfterSeconds: 900 });
    for (let i = 0; i < 5; i++) expect((await limiter.attempt(k, IP_POLICY, at(t0, 901))).allowed).toBe(true);
  });

  it('LoginThrottle (as the shop app will use it): per IP and per account, a device counted on its own key', async () => {
    const throttle = new LoginThrottle(limiter, `app-test-${crypto.randomUUID()}`);
    const now = new Date();
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => throttle.begin({ ip: `198.51.100.${i}`, account: 'member@shop.example' }, now)),
    );
    expect(attempts.filter((v) => v.allowed)).toHaveLength(ACCOUNT_POLICY.maxFailures);
    expect((await throttle.begin({ ip: '198.51.100.200', account: 'member@shop.example' }, now)).allowed).toBe(false);
    expect((await throttle.begin({ ip: '198.51.100.200', account: 'member@shop.example', device: 'dev1' }, now)).allowed).toBe(true);
    expect((await throttle.begin({ ip: '198.51.100.200', account: 'other@shop.example' }, now)).allowed).toBe(true);
  });
});

describe('LimiterObject rate window', () => {
  it('allows `limit` per window, then refuses with the seconds until the window ends', async () => {
    const k = key('rate');
    const t0 = Date.UTC(2030, 0, 1);
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => limiter.hit(k, 5, 60, at(t0, 0))));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(await limiter.hit(k, 5, 60, at(t0, 45))).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect((await limiter.hit(k, 5, 60, at(t0, 60))).allowed).toBe(true);
  });

  it("a rate gate's reports add up per window, refuse past the limit, and store nothing (one object per customer IP)", async () => {
    const k = key('report');
    const t0 = Date.UTC(2030, 0, 1);
    expect(await limiter.hitMany(k, 3, 5, 60, at(t0, 0))).toEqual({ allowed: true, remaining: 2 });
    expect(await limiter.hitMany(k, 2, 5, 60, at(t0, 10))).toEqual({ allowed: true, remaining: 0 });
    expect(await limiter.hitMany(k, 1, 5, 60, at(t0, 45))).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect(await limiter.hitMany(k, 1, 5, 60, at(t0, 60))).toEqual({ allowed: true, remaining: 4 });
    const tables = await runInDurableObject(env.LIMITER.get(env.LIMITER.idFromName(k)), (_o: LimiterObject, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((r) => r.name)
        .filter((name) => !name.startsWith('_cf_')),
    );
    expect(tables).toEqual([]);
  });
});
