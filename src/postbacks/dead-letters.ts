import type { DeadLetter } from '../../generated/api/types.gen';

/**
 * Postbacks that exhausted their retries, in KV under `deadletter:<deadLetteredAt>:<paymentId>`
 * so a prefix listing is oldest first and pages with KV's own cursor. Redelivery deletes the key.
 */
const PREFIX = 'deadletter:';

export async function putDeadLetter(kv: KVNamespace, entry: DeadLetter): Promise<string> {
  const key = `${PREFIX}${entry.deadLetteredAt}:${entry.paymentId}`;
  await kv.put(key, JSON.stringify(entry));
  return key;
}

export async function listDeadLetters(kv: KVNamespace, cursor: string | undefined, limit: number): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
  const page = await kv.list({ prefix: PREFIX, cursor, limit });
  const items = await Promise.all(page.keys.map((k) => kv.get<DeadLetter>(k.name, 'json')));
  return { items: items.filter((d): d is DeadLetter => d !== null), nextCursor: page.list_complete ? null : page.cursor };
}
