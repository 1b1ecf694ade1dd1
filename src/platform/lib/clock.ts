/**
 * Time, injected: every rule that depends on "now" (expiry, retries, dead-lettering, token use,
 * sessions) reads it from a Clock in the services, so tests move time instead of sleeping.
 */
export interface Clock {
  now(): Date;
}

/** The only place the Worker reads the system time. */
export const systemClock: Clock = { now: () => new Date() };

/** Milliseconds since `start` by the clock: latencies measured the same way as everything else. */
export function elapsedMs(clock: Clock, start: Date): number {
  return clock.now().getTime() - start.getTime();
}
