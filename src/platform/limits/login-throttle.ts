/**
 * Sign-in lockout, per client IP and per account, on the strongly consistent LimiterObject.
 * Each attempt is counted *before* the (slow) password hash runs and cleared by a correct
 * password, so a burst of N parallel guesses gets at most the budget's worth of checks, and a
 * correct password arriving while locked is refused like any other (429 + Retry-After).
 *
 * The trade-off, and why two limits:
 *  - Per IP (5 tries, then 15 min): stops one client cold, but an attacker who rotates addresses
 *    (a botnet; locally, a forged CF-Connecting-IP) gets 5 tries per address.
 *  - Per account (10 tries, then a short lock that doubles each time, 1 min → 15 min, with one
 *    try between locks): bounds the guesses on the account whatever the addresses, to about
 *    4 an hour under a sustained attack. The price is that the same flood locks the real user
 *    out; so the locks stay short and end by themselves (no permanent lock a stranger can cause),
 *    and a browser holding a *device cookie* (set by a previous successful sign-in, signed with a
 *    key derived from the password hash) is counted on its own key instead of the shared account
 *    key (OWASP's "device cookies"). The real operator on a known browser signs in during a
 *    flood; on a new browser they wait for the flood to pause. The IP limit applies to everyone.
 *
 * Used by /internal (one account: the operator password gate) and the shop app's member sign-in
 * (`new LoginThrottle(limiter, 'app', APP_SIGN_IN_POLICIES)`, `account` = the email's SHA-256).
 */
import type { Limiter, LockoutPolicy, Verdict } from './limiter';

export const IP_POLICY: LockoutPolicy = { maxFailures: 5, windowSeconds: 15 * 60, lockoutSeconds: 15 * 60 };
export const ACCOUNT_POLICY: LockoutPolicy = { maxFailures: 10, windowSeconds: 15 * 60, lockoutSeconds: 60, maxLockoutSeconds: 15 * 60 };
const DEVICE_POLICY: LockoutPolicy = { maxFailures: 5, windowSeconds: 15 * 60, lockoutSeconds: 60, maxLockoutSeconds: 15 * 60 };

export { clientIp } from '../input/client-ip';

export interface LoginAttempt {
  ip: string;
  /** The account signed in to: the member's email, or a fixed name for a single shared gate. */
  account: string;
  /** The id from a valid device cookie, when the browser has signed in to this account before. */
  device?: string | null;
}

/**
 * The shop app's members. Staff of one shop often share one office address, so the IP budget is
 * wider (20 per 15 min). Each member has their own account key: 5 tries, then a lock of 15 min
 * that doubles with each further lock up to 4 h, one try between locks, and only a full day
 * without failures starts afresh — so a stranger who knows the email gets at most 14 guesses in
 * the first day of a siege (5, then one after each lock of 15 min, 30 min, 1 h, 2 h, 4 h, 4 h, …)
 * and 6 a day after that, whatever the number of addresses.
 * That same siege would lock the member out, which the device key prevents: a browser that
 * signed in to this member before counts on its own key (5 tries, then 15 min) and signs in
 * during the flood. A brand-new browser waits for the account lock like the attacker.
 */
export const APP_SIGN_IN_POLICIES: SignInPolicies = {
  ip: { maxFailures: 20, windowSeconds: 15 * 60, lockoutSeconds: 15 * 60 },
  account: { maxFailures: 5, windowSeconds: 24 * 3600, lockoutSeconds: 15 * 60, maxLockoutSeconds: 4 * 3600 },
  device: { maxFailures: 5, windowSeconds: 15 * 60, lockoutSeconds: 15 * 60 },
};

export interface SignInPolicies {
  ip: LockoutPolicy;
  account: LockoutPolicy;
  device: LockoutPolicy;
}

export class LoginThrottle {
  constructor(
    private readonly limiter: Limiter,
    private readonly realm: string,
    private readonly policies: SignInPolicies = { ip: IP_POLICY, account: ACCOUNT_POLICY, device: DEVICE_POLICY },
  ) {}

  keys(a: LoginAttempt): { ip: string; account: string } {
    const base = `login:${this.realm}`;
    return {
      ip: `${base}:ip:${a.ip}`,
      account: a.device ? `${base}:device:${a.account}:${a.device}` : `${base}:account:${a.account}`,
    };
  }

  /** Counts this attempt; `allowed: false` means refuse it without checking the password. */
  async begin(a: LoginAttempt, now: Date): Promise<Verdict & { scope?: 'ip' | 'account' }> {
    const k = this.keys(a);
    const verdict = await this.limiter.attemptAll(
      [
        { key: k.ip, policy: this.policies.ip },
        { key: k.account, policy: a.device ? this.policies.device : this.policies.account },
      ],
      now,
    );
    return verdict.allowed ? verdict : { ...verdict, scope: verdict.refusedBy === k.ip ? 'ip' : 'account' };
  }

  /** The password was right: clear this IP's and this account's (or device's) failures. */
  async succeeded(a: LoginAttempt): Promise<void> {
    const k = this.keys(a);
    await this.limiter.succeed(k.ip, k.account);
  }
}

/** "Try again in 15 minutes." / "… in 40 seconds." */
export function tryAgainIn(seconds: number): string {
  if (seconds < 90) return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minutes.`;
}
