import type { Clock } from './clock';

/**
 * A small in-isolate cache bounded in size and age: what a Worker isolate may remember between
 * requests (hot token and shop records) without outliving the staleness we document. The oldest
 * entry goes first when full (a Map keeps insertion order).
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  get(key: K): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.until <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, until: this.clock.now().getTime() + this.ttlMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
