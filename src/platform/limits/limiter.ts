import type { LimiterObject, LockoutPolicy, Verdict } from './limiter-object';

export type { LockoutPolicy, Verdict };

/**
 * The client of LimiterObject: one object per key, so unrelated keys never queue behind each
 * other. Keys are namespaced strings, e.g. `login:ip:203.0.113.7`, `login:account:<id>`,
 * `rate:token:<tokenId>`. `now` comes from the caller's clock (services.now) so tests can move it.
 */
export class Limiter {
  constructor(private readonly ns: DurableObjectNamespace<LimiterObject>) {}

  private stub(key: string) {
    return this.ns.get(this.ns.idFromName(key));
  }

  /** Check-and-record one sign-in attempt under `policy` (see LimiterObject.attempt). */
  attempt(key: string, policy: LockoutPolicy, now: Date): Promise<Verdict> {
    return this.stub(key).attempt(policy, now.getTime());
  }

  /**
   * Check-and-record one attempt against several keys (e.g. the IP and the account), in order,
   * stopping at the first refusal. Each key is atomic on its own, so the number of allowed
   * attempts is at most the smallest budget among them.
   */
  async attemptAll(entries: Array<{ key: string; policy: LockoutPolicy }>, now: Date): Promise<Verdict & { refusedBy?: string }> {
    let remaining = Infinity;
    for (const { key, policy } of entries) {
      const verdict = await this.attempt(key, policy, now);
      if (!verdict.allowed) return { ...verdict, refusedBy: key };
      remaining = Math.min(remaining, verdict.remaining);
    }
    return { allowed: true, remaining };
  }

  /** The attempt succeeded (right password): clear these keys' failures and escalation. */
  async succeed(...keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.stub(key).succeed()));
  }

  /** Count `count` requests at once (see RateGate). */
  hitMany(key: string, count: number, limit: number, windowSeconds: number, now: Date): Promise<Verdict> {
    return this.stub(key).hitMany(count, limit, windowSeconds, now.getTime());
  }

  /** Count one request against `limit` per `windowSeconds` (fixed window). */
  hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<Verdict> {
    return this.stub(key).hit(limit, windowSeconds, now.getTime());
  }

  reset(key: string): Promise<void> {
    return this.stub(key).reset();
  }
}
