/** A change's place in the send order of its entity. */
export interface Turn {
  /** Resolves when the entity's previous change has been sent (a create: answered). */
  readonly prior: Promise<void> | undefined;
  /** This change has been sent (a create: answered, or failed): the next one may go. Idempotent. */
  done(): void;
}

/**
 * The changes of one entity reach the server in the order they were made: each takes a turn on its
 * entity, waits for the turn before it, and ends its own once it is sent — so the next change goes
 * right after, without waiting for an answer. A create's turn ends when its server id is known:
 * changes queued on the temporary id then move to the server id, ahead of any made later.
 */
export class SendOrder {
  /** Entity id → the last change taken on it. */
  #last = new Map<string, Promise<void>>();

  /** @param resolve the id an entity has now (a temporary id answered: its server id). */
  constructor(private readonly resolve: (id: string) => string) {}

  take(id: string): Turn {
    const last = this.#last;
    const prior = last.get(id);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    last.set(id, mine);
    return {
      prior,
      done: () => {
        release();
        for (const key of [id, this.resolve(id)]) if (last.get(key) === mine) last.delete(key);
      },
    };
  }

  /** A create answered: the changes queued on its temporary id go before later ones of the server id. */
  move(tempId: string, serverId: string): void {
    const last = this.#last;
    const tail = last.get(tempId);
    if (tail === undefined || tempId === serverId) return;
    last.delete(tempId);
    const other = last.get(serverId);
    const joined = other ? Promise.all([other, tail]).then(() => undefined) : tail;
    last.set(serverId, joined);
    if (other) void joined.then(() => last.get(serverId) === joined && last.delete(serverId));
  }
}
