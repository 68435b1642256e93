/**
 * The `version` rule under random orderings (fast-check): this client's updates, other clients'
 * writes and refetches, whose answers, realtime events and fetched lists (each list as the server
 * was when it was asked for: a lagging replica) arrive in any order. At every MobX reaction an
 * entity's version never goes down; once everything has arrived and a last refetch landed, the
 * store equals the server; and the recorded events replay to the store.
 *
 * `NUM_RUNS=2000 SEED=… npx vitest run tests/core/versions.property.test.ts` explores further.
 */
import { environmentManager } from "@tanstack/query-core";
import fc from "fast-check";
import { reaction } from "mobx";
import { afterEach, describe, expect, it } from "vitest";
import { createOptimisticStoreManager } from "../../src";
import { recordEvents } from "../../src/devtools";
import { cleanup, createMockSocket, createTestQueryClient, expectReplays, explorationTimeout } from "../__fixtures__/testHelpers";
import { Held, turns } from "../__fixtures__/heldAnswers";
import type { Todo } from "../__fixtures__/mockData";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const IDS = ["a", "b", "c"] as const;
type Step = { t: "local" | "remote"; id: number; title: string } | { t: "refetch" } | { t: "deliver"; pick: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ t: fc.constantFrom("local" as const, "remote" as const), id: fc.nat(2), title: fc.constantFrom("x", "y", "z") }),
  fc.constant({ t: "refetch" as const }),
  fc.record({ t: fc.constant("deliver" as const), pick: fc.nat(20) }),
  fc.record({ t: fc.constant("deliver" as const), pick: fc.nat(20) }),
);


/** A versioned server whose every answer, event and list waits in `held` until a step delivers it. */
function createWorld() {
  const rows = new Map<string, Todo>(IDS.map((id) => [id, { id, title: id.toUpperCase(), done: false, version: 1 }]));
  const held = new Held();
  const socket = createMockSocket();
  const copy = <V>(value: V): V => JSON.parse(JSON.stringify(value)) as V;
  const write = (id: string, patch: Partial<Todo>) => {
    const current = rows.get(id)!;
    const row = { ...current, ...patch, id, version: (current.version as number) + 1 };
    rows.set(id, row);
    const event = { type: "items_update", event: "UPDATE", data: copy(row) };
    held.push(() => socket.emit("items_update", event));
    return copy(row);
  };
  return {
    rows,
    held,
    socket,
    write,
    queryFn: () => {
      const snapshot = copy([...rows.values()]);
      return new Promise<Todo[]>((resolve) => held.push(() => resolve(snapshot)));
    },
    mutations: {
      create: () => Promise.reject(new Error("not in this test")),
      update: ({ id, data }: { id: string; data: unknown }) => new Promise<Todo>((resolve) => held.push(() => resolve(write(id, data as Partial<Todo>)))),
      remove: () => Promise.reject(new Error("not in this test")),
    },
  };
}

describe("the version rule under random orderings", () => {
  it("never shows an entity going back to an older version, and ends equal to the server", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 40 }), async (steps) => {
        const world = createWorld();
        const manager = createOptimisticStoreManager<Todo>(
          { name: "items", queryFn: world.queryFn, mutations: world.mutations, transformer: false, version: "version", realtime: { eventType: "items_update" } },
          createTestQueryClient(),
        );
        manager.realtime!.connect(world.socket);
        const recording = recordEvents(manager);
        const seen = new Map<string, number[]>(IDS.map((id) => [id, []]));
        const disposers = IDS.map((id) =>
          reaction(
            () => manager.store.get(id)?.version as number | undefined,
            (version) => version !== undefined && seen.get(id)!.push(version),
          ),
        );
        try {
          world.held.deliver(0); // the first load
          await turns();
          for (const step of steps) {
            if (step.t === "local") void manager.actions.update({ id: IDS[step.id]!, data: { title: step.title } }).catch(() => undefined);
            else if (step.t === "remote") world.write(IDS[step.id]!, { title: step.title });
            else if (step.t === "refetch") void manager.actions.refetch().catch(() => undefined);
            else if (step.t === "deliver") world.held.deliver(step.pick);
            await turns();
          }
          // Everything still held arrives (in order), then one more refetch.
          await world.held.settle(manager.status, () => manager.actions.refetch());

          for (const [id, versions] of seen) {
            expect(versions.every((version, i) => i === 0 || version >= versions[i - 1]!), `versions of ${id}: ${versions.join(", ")}`).toBe(true);
          }
          expect(manager.store.list.map((todo) => ({ ...todo }))).toEqual([...world.rows.values()]);
          expectReplays(manager, recording.events, "version");
        } finally {
          recording.stop();
          disposers.forEach((dispose) => dispose());
          manager.destroy();
        }
      }),
      process.env.NUM_RUNS ? { numRuns: Number(process.env.NUM_RUNS), ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}) } : { numRuns: 60, seed: 20261201 },
    );
  }, explorationTimeout);
});
