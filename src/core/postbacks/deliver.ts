import type { PostbackAttempt } from '../../../generated/api/types.gen';
import { type Clock, elapsedMs } from '../../platform/lib/clock';

export type AttemptResult = Omit<PostbackAttempt, 'attempt'>;

/**
 * One HTTP attempt to the shop. Any 2xx acknowledges; redirects are not followed (a postback URL
 * was checked once at init; a redirect must not take us anywhere else). Errors are reduced to
 * a short message; of the shop's answer only its first 512 bytes are kept (shown to the shop in
 * its app, to debug its endpoint), and the rest is never read.
 */
export async function sendPostback(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  clock: Clock,
): Promise<AttemptResult> {
  const at = clock.now();
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const responseBody = await firstBytes(res, RESPONSE_EXCERPT_BYTES);
    const ok = res.status >= 200 && res.status < 300;
    return {
      at: at.toISOString(),
      ok,
      httpStatus: res.status,
      latencyMs: elapsedMs(clock, at),
      error: ok ? null : `HTTP ${res.status}`,
      responseBody,
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const error = timedOut ? `no answer within ${timeoutMs} ms` : networkFailure(err);
    return { at: at.toISOString(), ok: false, httpStatus: null, latencyMs: elapsedMs(clock, at), error };
  }
}

/**
 * Kinds of network failure a shop can act on, by the runtime's message (workerd, Node and undici
 * word them differently). workerd reports a refused connection and one dropped mid-answer alike,
 * as "Network connection lost.", so that one cannot be told apart and says both.
 */
const NETWORK_FAILURES: ReadonlyArray<[RegExp, string]> = [
  [/refused|ECONNREFUSED/i, 'connection refused'],
  [/certificate|\bTLS\b|\bSSL\b|handshake/i, 'TLS handshake failed'],
  [/\bDNS\b|ENOTFOUND|EAI_AGAIN|getaddrinfo|resolve host|name not resolved/i, 'DNS lookup failed'],
  [/reset|ECONNRESET|connection (?:lost|closed)|socket hang up|disconnected/i, 'connection refused or lost before an answer'],
];

function networkFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const kind = NETWORK_FAILURES.find(([re]) => re.test(message))?.[1];
  return (kind ? `${kind} (${message})` : `network error: ${message}`).slice(0, 200);
}

/**
 * Why an attempt failed, in one line for the API's postback summary (`lastError`): the network
 * failure, or the HTTP status with the start of the answer (whitespace folded, controls dropped).
 */
export function failureReason(a: Pick<AttemptResult, 'ok' | 'httpStatus' | 'error' | 'responseBody'>): string | null {
  if (a.ok) return null;
  if (!a.httpStatus) return (a.error ?? 'no answer').slice(0, LAST_ERROR_MAX);
  const excerpt = printableExcerpt(a.responseBody ?? '', LAST_ERROR_MAX);
  const head = `HTTP ${a.httpStatus}`;
  return excerpt ? `${head}: ${excerpt}`.slice(0, LAST_ERROR_MAX) : head;
}

/** Up to `max` characters of an answer on one line: controls and invisible formatting dropped, whitespace folded. */
export function printableExcerpt(text: string, max: number): string {
  return Array.from(text, (ch) => (/\p{Cc}|\p{Cf}|\p{Zl}|\p{Zp}/u.test(ch) ? ' ' : ch))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);
}

/** openapi.yaml, PostbackSummary.lastError's maxLength. */
const LAST_ERROR_MAX = 300;

const RESPONSE_EXCERPT_BYTES = 512;

/** Up to `max` bytes of the body as text (lossy UTF-8); the rest of the stream is cancelled. */
async function firstBytes(res: Response, max: number): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, max));
  let offset = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.length - offset);
    all.set(part, offset);
    offset += part.length;
    if (offset >= all.length) break;
  }
  // Cut back to a character boundary so the text never ends in a broken character.
  let end = all.length;
  if (size > max) while (end > 0 && (all[end - 1]! & 0xc0) === 0x80) end--;
  if (size > max && end > 0 && all[end - 1]! >= 0xc0) end--;
  return new TextDecoder().decode(all.subarray(0, end)).slice(0, max);
}
