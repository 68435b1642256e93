/** Helpers of the property tests whose server holds every answer until a step delivers it. */

/** Lets promise callbacks (answers, query-core's notifications) run: `n` microtask turns. */
export async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

export const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Answers, events and lists waiting to be delivered, in the order they were made. */
export class Held {
  readonly waiting: (() => void)[] = [];

  /** Holds `deliver` until a step delivers it. */
  push(deliver: () => void): void {
    this.waiting.push(deliver);
  }

  /** Delivers the `pick`-th waiting thing (modulo), if any; returns whether there was one. */
  deliver(pick: number): boolean {
    if (this.waiting.length === 0) return false;
    this.waiting.splice(pick % this.waiting.length, 1)[0]!();
    return true;
  }

  /**
   * Delivers everything still waiting (oldest first, and what that brings) until the manager is
   * idle, then, when `refetch` is given, one last refetch, delivered too. Bounded.
   */
  async settle(status: { isSyncing: boolean; hasPendingMutations: boolean }, refetch?: () => Promise<unknown>): Promise<void> {
    for (let round = 0; round < 200 && (this.waiting.length > 0 || status.isSyncing || status.hasPendingMutations); round++) {
      if (!this.deliver(0)) await macrotask();
      await turns();
    }
    if (!refetch) return;
    void refetch().catch(() => undefined);
    for (let round = 0; round < 20 && this.waiting.length === 0; round++) await macrotask();
    while (this.deliver(0)) await turns();
    await macrotask();
  }
}
