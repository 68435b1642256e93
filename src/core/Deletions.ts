/**
 * The deletions this client learned while changes were in flight: the answer to a change made
 * before a deletion never brings the entity back. Bounded: with no change in flight nothing is kept,
 * and deletions older than every change in flight are dropped.
 */
export class Deletions {
  /** id → the tick at which the deletion was learned. */
  #at = new Map<string, number>();

  /** `id` was deleted at `tick` (a tick later than every change made so far). */
  learn(id: string, tick: number, oldestInFlight: () => number): void {
    this.#at.set(id, tick);
    if (this.#at.size > 1000) {
      const oldest = oldestInFlight();
      for (const [deleted, at] of this.#at) if (at < oldest) this.#at.delete(deleted);
    }
  }

  /** Whether `id` was learned deleted after the change made at `seq`. */
  since(id: string, seq: number): boolean {
    return (this.#at.get(id) ?? 0) > seq;
  }

  /** Every deletion kept, with its tick. */
  entries(): IterableIterator<[string, number]> {
    return this.#at.entries();
  }

  clear(): void {
    if (this.#at.size > 0) this.#at.clear();
  }
}
