/** A change's place in the send order of its entity. */
export interface Turn {
  /** Resolves when the entity's previous change has been sent (a create: answered). */
  readonly prior: Promise<void> | undefined;
  /** This change has been sent (a create: answered, or failed): the next one may go. Idempotent. */
  done(): void;
}

/**
 * A turn, and what the next change of its entity waits on. Its promise is only made when a next
 * change comes while it is still going: most changes have none, and cost no promise.
 */
class Gate implements Turn {
  #open = false;
  #opened: Promise<void> | undefined;
  #release: (() => void) | undefined;

  constructor(
    readonly prior: Promise<void> | undefined,
    private readonly id: string,
    private readonly onDone: (gate: Gate, id: string) => void,
  ) {}

  /** Resolves once this turn is done; undefined if it is already. */
  wait(): Promise<void> | undefined {
    if (this.#open) return undefined;
    return (this.#opened ??= new Promise<void>((resolve) => (this.#release = resolve)));
  }

  done(): void {
    if (this.#open) return;
    this.#open = true;
    this.#release?.();
    this.onDone(this, this.id);
  }
}

/**
 * The changes of one entity reach the server in the order they were made: each takes a turn on its
 * entity, waits for the turn before it, and ends its own once it is sent — so the next change goes
 * right after, without waiting for an answer. A create's turn ends when its server id is known:
 * changes queued on the temporary id then move to the server id, ahead of any made later.
 */
export class SendOrder {
  /** Entity id → the last change taken on it (still going). */
  #last = new Map<string, Gate>();

  /** @param resolve the id an entity has now (a temporary id answered: its server id). */
  constructor(private readonly resolve: (id: string) => string) {}

  /** A turn ended: it is no entity's last one any more (under its id, or the server id it got since). */
  readonly #forget = (gate: Gate, id: string): void => {
    const last = this.#last;
    if (last.get(id) === gate) last.delete(id);
    const now = this.resolve(id);
    if (now !== id && last.get(now) === gate) last.delete(now);
  };

  take(id: string): Turn {
    const gate = new Gate(this.#last.get(id)?.wait(), id, this.#forget);
    this.#last.set(id, gate);
    return gate;
  }

  /** A create answered: the changes queued on its temporary id go before later ones of the server id. */
  move(tempId: string, serverId: string): void {
    const last = this.#last;
    const tail = last.get(tempId);
    if (tail === undefined || tempId === serverId) return;
    last.delete(tempId);
    const other = last.get(serverId);
    if (!other) {
      last.set(serverId, tail);
      return;
    }
    const joined = new Gate(undefined, serverId, this.#forget);
    last.set(serverId, joined);
    void Promise.all([other.wait(), tail.wait()]).then(() => joined.done());
  }
}
