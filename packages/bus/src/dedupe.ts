// Consumer-side de-duplication. Delivery is at-least-once (redelivery after a crash, a publisher
// retrying past the JetStream duplicate window), so handlers skip event ids they already processed.

/** Where a consumer records processed event ids; back it by its own store for exactly-once effects. */
export interface ProcessedIds {
  has(id: string): boolean | Promise<boolean>;
  add(id: string): void | Promise<void>;
}

/** Bounded in-memory LRU of ids: enough for redelivery bursts, not a durable record. */
export class Deduper implements ProcessedIds {
  readonly #capacity: number;
  readonly #ids = new Map<string, true>();

  constructor(capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('Deduper capacity must be an integer ≥ 1');
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#ids.size;
  }

  has(id: string): boolean {
    if (!this.#ids.has(id)) return false;
    this.#ids.delete(id); // refresh recency
    this.#ids.set(id, true);
    return true;
  }

  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.set(id, true);
    if (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.keys().next();
      if (oldest.done !== true) this.#ids.delete(oldest.value);
    }
  }

  /** Records the id; true the first time it is seen (process it), false for a duplicate. */
  firstSeen(id: string): boolean {
    if (this.has(id)) return false;
    this.add(id);
    return true;
  }
}
