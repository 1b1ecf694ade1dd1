import type { Clock } from '../lib/clock';
import type { Limiter, Verdict } from './limiter';

/** How often an isolate reports what it let through to the key's LimiterObject. */
const SYNC_MS = 1_000;
const MAX_KEYS = 10_000;

interface Window {
  start: number;
  /** Requests this isolate let through in the current window. */
  count: number;
  /** Of those, not yet reported to the key's LimiterObject. */
  unreported: number;
  lastSync: number;
  /** The global verdict: refused until then (the key used its budget across isolates). */
  blockedUntil: number;
}

/**
 * Rate limits without a round trip on the hot path. Each isolate counts a key's requests in its
 * own fixed window and answers at once; at most every second it reports the requests it let
 * through to the key's LimiterObject (strongly consistent, one per key), after the answer, and
 * that object's verdict blocks the key in this isolate until the window ends. So one isolate
 * never lets more than the limit through, and all isolates together overshoot by at most what
 * they admit within one report interval — the price of not waiting on a Durable Object for
 * every request (measured in `npm run bench`).
 */
export class RateGate {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limiter: Limiter,
    private readonly clock: Clock,
  ) {}

  check(key: string, limit: number, windowSeconds: number, defer: (work: Promise<unknown>) => void): Verdict {
    const now = this.clock.now().getTime();
    const windowMs = windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      if (!w && this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value as string);
      w = { start: now, count: 0, unreported: 0, lastSync: w?.lastSync ?? 0, blockedUntil: w?.blockedUntil ?? 0 };
      this.windows.set(key, w);
    }
    if (w.blockedUntil > now) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.blockedUntil - now) / 1000)) };
    if (w.count >= limit) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)) };
    w.count += 1;
    w.unreported += 1;
    if (now - w.lastSync >= SYNC_MS) {
      w.lastSync = now;
      const n = w.unreported;
      w.unreported = 0;
      const window = w;
      defer(
        this.limiter
          .hitMany(key, n, limit, windowSeconds, new Date(now))
          .then((v) => {
            if (!v.allowed) window.blockedUntil = now + v.retryAfterSeconds * 1000;
          })
          .catch(() => {}), // the local count still holds; the next report tries again
      );
    }
    return { allowed: true, remaining: limit - w.count };
  }
}
