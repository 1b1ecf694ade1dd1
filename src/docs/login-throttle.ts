/**
 * Rate limit for wrong internal docs passwords: a failure counter per client IP in KV with a
 * sliding 15-minute TTL. Checked before the (slow) password hash runs, cleared on success.
 * KV is eventually consistent, so a burst spread over several locations may get a few more tries
 * than MAX_FAILURES — still far too few to guess a real password.
 */

export const MAX_FAILURES = 5;
export const LOCKOUT_SECONDS = 15 * 60;

const key = (ip: string) => `ratelimit:internal-docs-login:${ip}`;

/** Cloudflare sets CF-Connecting-IP to the real client; it cannot be forged through the edge. */
export function clientIp(headers: Headers): string {
  return headers.get('cf-connecting-ip') ?? headers.get('x-real-ip') ?? 'unknown';
}

export class LoginThrottle {
  constructor(private readonly kv: KVNamespace) {}

  async isLocked(ip: string): Promise<boolean> {
    return Number((await this.kv.get(key(ip))) ?? 0) >= MAX_FAILURES;
  }

  async recordFailure(ip: string): Promise<number> {
    const failures = Number((await this.kv.get(key(ip))) ?? 0) + 1;
    await this.kv.put(key(ip), String(failures), { expirationTtl: LOCKOUT_SECONDS });
    return failures;
  }

  async reset(ip: string): Promise<void> {
    await this.kv.delete(key(ip));
  }
}
