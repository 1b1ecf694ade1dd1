import type { Clock } from '../../platform/lib/clock';
import type { AnalyticsEmitter } from './emitter';
import type { AnalyticsEventInput } from './events';

/** Events of one kind for one payment within this long become one row. */
const WINDOW_MS = 1_000;
/** More payments than this in one window: sent at once rather than held. */
const MAX_HELD = 500;

interface Held {
  input: AnalyticsEventInput;
  count: number;
  lastAt: Date;
}

/**
 * Events worth counting rather than one row each — a pay link opened again and again (reloads,
 * link scanners, a customer's double click; and a Queue send per open was the pay link's largest
 * cost in the bench). The first event of a payment in a window is held; repeats only count; one
 * second later, from the first event's own `waitUntil` (so the work stays attached to a request
 * and is not left to an idle isolate), one row goes out per payment and status with
 * `attributes.count` and `attributes.last_at`, under the first event's id, time and request id.
 * Nothing is dropped: the held rows go out even when the isolate sees no further request.
 */
export class EventCoalescer {
  private held = new Map<string, Held>();
  private flushing = false;

  constructor(
    private readonly emitter: Pick<AnalyticsEmitter, 'emitNow'>,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts one event under `key` (one row per key and window: e.g. type, payment and status);
   * `make` builds the row, called only for the first event of a key in a window.
   */
  add(key: string, make: () => AnalyticsEventInput, waitUntil: (work: Promise<unknown>) => void): void {
    const at = this.clock.now();
    const seen = this.held.get(key);
    if (seen) {
      seen.count += 1;
      seen.lastAt = at;
      return;
    }
    const input = make();
    this.held.set(key, { input: { ...input, occurred_at: input.occurred_at ?? at.toISOString() }, count: 1, lastAt: at });
    if (this.held.size >= MAX_HELD) waitUntil(this.flush());
    else if (!this.flushing) {
      this.flushing = true;
      waitUntil(new Promise((resolve) => setTimeout(resolve, WINDOW_MS)).then(() => this.flush()));
    }
  }

  private flush(): Promise<void> {
    const rows = [...this.held.values()].map(({ input, count, lastAt }) => ({
      ...input,
      attributes: { ...input.attributes, count, last_at: lastAt.toISOString() },
    }));
    this.held = new Map();
    this.flushing = false;
    return this.emitter.emitNow(...rows); // held for the window already: not held again
  }
}
