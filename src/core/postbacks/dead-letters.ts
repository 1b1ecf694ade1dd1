import type { DeadLetter } from '../../../generated/api/types.gen';

/**
 * Postbacks that exhausted their retries, in KV under `deadletter:<deadLetteredAt>:<paymentId>`
 * so a prefix listing is oldest first and pages with KV's own cursor. Redelivery deletes the key.
 */
const PREFIX = 'deadletter:';

export class PostbackDeadLetters {
  constructor(private readonly kv: KVNamespace) {}

  async put(entry: DeadLetter): Promise<string> {
    const key = `${PREFIX}${entry.deadLetteredAt}:${entry.paymentId}`;
    await this.kv.put(key, JSON.stringify(entry));
    return key;
  }

  async remove(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  async list(cursor: string | undefined, limit: number): Promise<{ items: DeadLetter[]; nextCursor: string | null }> {
    const page = await this.kv.list({ prefix: PREFIX, cursor, limit });
    const items = await Promise.all(page.keys.map((k) => this.kv.get<DeadLetter>(k.name, 'json')));
    return { items: items.filter((d): d is DeadLetter => d !== null), nextCursor: page.list_complete ? null : page.cursor };
  }
}
