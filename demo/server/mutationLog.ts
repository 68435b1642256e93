/**
 * Exactly-once writes: a write sent again with the `x-mutation-id` of one the server already
 * applied (a client resending its queued changes after a reload, say) gets the original answer
 * and changes nothing. The answers live in the database (the last {@link MUTATION_LOG_SIZE}), so
 * every server process sharing it knows them; a copy that arrives while the first is still being
 * handled here waits for it.
 */
import type { DemoDatabase, RecordedMutation } from "./db";
import { HttpError } from "./validation";

export { MUTATION_LOG_SIZE } from "./db";

/** What a write handler gives back: its answer, and whether it changed anything. */
export interface WriteResult {
  status: number;
  body: unknown;
  /** False for a write that changed nothing (`PUT {}`): not recorded. */
  applied: boolean;
}

/** The answer to send, and whether it is a replay of an earlier one. */
export interface WriteAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
}

export function createMutationLog(db: DemoDatabase) {
  const inFlight = new Map<string, Promise<unknown>>();

  const replay = (mutationId: string, route: string, recorded: RecordedMutation): WriteAnswer => {
    if (recorded.route !== route) {
      throw new HttpError(409, `Mutation id ${mutationId} was already used for ${recorded.route}; send a new id for ${route}.`);
    }
    return { status: recorded.status, body: recorded.body, replayed: true };
  };

  return {
    /**
     * Runs `write` once per mutation id. Without an id it simply runs. Refused writes (a thrown
     * error) are not recorded, so they may be sent again.
     */
    async run(mutationId: string | undefined, route: string, write: () => Promise<WriteResult>): Promise<WriteAnswer> {
      if (mutationId === undefined) return { ...(await write()), replayed: false };
      while (inFlight.has(mutationId)) await inFlight.get(mutationId)!.catch(() => undefined);
      const recorded = db.findMutation(mutationId);
      if (recorded) return replay(mutationId, route, recorded);

      const running = write();
      inFlight.set(mutationId, running);
      try {
        const result = await running;
        if (result.applied) db.recordMutation(mutationId, { route, status: result.status, body: result.body });
        return { status: result.status, body: result.body, replayed: false };
      } finally {
        inFlight.delete(mutationId);
      }
    },
  };
}

export type MutationLog = ReturnType<typeof createMutationLog>;
