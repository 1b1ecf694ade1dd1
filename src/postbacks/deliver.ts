import type { PostbackAttempt } from '../../generated/api/types.gen';
import { type Clock, elapsedMs } from '../lib/clock';

export type AttemptResult = Omit<PostbackAttempt, 'attempt'>;

/**
 * One HTTP attempt to the shop. Any 2xx acknowledges; redirects are not followed (a postback URL
 * was checked once at init; a redirect must not take us anywhere else). Errors are reduced to
 * a short message: the shop's response body is never stored.
 */
export async function sendPostback(url: string, headers: Record<string, string>, body: string, timeoutMs: number, clock: Clock): Promise<AttemptResult> {
  const at = clock.now();
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 300;
    return { at: at.toISOString(), ok, httpStatus: res.status, latencyMs: elapsedMs(clock, at), error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const error = timedOut ? `no answer within ${timeoutMs} ms` : `network error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200);
    return { at: at.toISOString(), ok: false, httpStatus: null, latencyMs: elapsedMs(clock, at), error };
  }
}
