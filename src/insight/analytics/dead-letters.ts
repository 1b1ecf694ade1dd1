/**
 * Analytics rows that will never reach BigQuery as they are: refused as invalid, malformed, or
 * out of retries. Kept in KV (`analytics-dead:<event id>`) with the reason so an operator can see
 * them and replay them after a fix; the raw event stays whole, as it would be in the raw table.
 */
export const DEAD_LETTER_PREFIX = 'analytics-dead:';
const KEEP_SECONDS = 30 * 86_400;

export interface DeadLetter {
  reason: string;
  body: unknown; // the event as it was queued
  dead_at: string;
}

/** The consumer sends `DeadLetter`s; the queue itself moves a raw event here after max_retries. */
export function parseDeadLetter(body: unknown, now: Date): DeadLetter {
  if (body && typeof body === 'object' && 'reason' in body && 'body' in body) {
    const letter = body as DeadLetter;
    return { reason: String(letter.reason), body: letter.body, dead_at: String(letter.dead_at ?? now.toISOString()) };
  }
  return { reason: 'retries exhausted (BigQuery kept failing)', body, dead_at: now.toISOString() };
}

function deadLetterKey(letter: DeadLetter, messageId: string): string {
  const eventId = (letter.body as { event_id?: unknown } | null)?.event_id;
  return DEAD_LETTER_PREFIX + (typeof eventId === 'string' && eventId ? eventId : `message-${messageId}`);
}

export async function recordDeadLetter(kv: KVNamespace, letter: DeadLetter, messageId: string): Promise<string> {
  const key = deadLetterKey(letter, messageId);
  await kv.put(key, JSON.stringify(letter), { expirationTtl: KEEP_SECONDS, metadata: { reason: letter.reason.slice(0, 200) } });
  return key;
}
