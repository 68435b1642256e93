/**
 * The `version` rule under random orderings (fast-check): this client's updates, other clients'
 * writes and refetches, whose answers, realtime events and fetched lists (each list as the server
 * was when it was asked for: a lagging replica) arrive in any order. At every MobX reaction an
 * entity's version never goes down; once everything has arrived and a last refetch landed, the
 * store equals the server; and the recorded events replay to the store.
 *
 * With `conflict`, the server refuses an update whose `baseVersion` is not its row's version (a 409
 * carrying the row), and each strategy settles it: no edit flickers while it is in flight, every
 * action settles, a resolved one is on the server, and the store still ends equal to the server.
 *
 * `NUM_RUNS=2000 SEED=… npx vitest run tests/core/versions.property.test.ts` explores further.
 */
import { environmentManager } from "@tanstack/query-core";
import fc from "fast-check";
import { reaction } from "mobx";
import { afterEach, describe, expect, it } from "vitest";
import {
  createOptimisticStoreManager,
  type ConflictResolver,
  type MutationReceipt,
  type OptimisticConflictConfig,
  type OptimisticStore,
  type OptimisticStoreManager,
} from "../../src";
import { recordEvents } from "../../src/devtools";
import { cleanup, createMockSocket, createTestQueryClient, expectReplays, explorationTimeout } from "../__fixtures__/testHelpers";
import { Held, turns } from "../__fixtures__/heldAnswers";
import type { Todo } from "../__fixtures__/mockData";

environmentManager.setIsServer(() => false);
afterEach(cleanup);

const IDS = ["a", "b", "c"] as const;
type Step =
  | { t: "local" | "remote"; id: number; title: string }
  | { t: "refetch" }
  | { t: "deliver"; pick: number }
  | { t: "retry" | "discard"; id: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ t: fc.constantFrom("local" as const, "remote" as const), id: fc.nat(2), title: fc.constantFrom("x", "y", "z") }),
  fc.constant({ t: "refetch" as const }),
  fc.record({ t: fc.constant("deliver" as const), pick: fc.nat(20) }),
  fc.record({ t: fc.constant("deliver" as const), pick: fc.nat(20) }),
);


/**
 * A versioned server whose every answer, event and list waits in `held` until a step delivers it.
 * `ifMatch`: an update whose receipt's `baseVersion` is not the row's version when it arrives is
 * refused with a 409 that carries the row (`{ status, server }`).
 */
function createWorld(ifMatch = false) {
  const rows = new Map<string, Todo>(IDS.map((id) => [id, { id, title: id.toUpperCase(), done: false, version: 1 }]));
  const held = new Held();
  const socket = createMockSocket();
  const copy = <V>(value: V): V => JSON.parse(JSON.stringify(value)) as V;
  /** Each update this client got written: id and title. */
  const written: { id: string; title: string | undefined }[] = [];
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
    written,
    held,
    socket,
    write,
    queryFn: () => {
      const snapshot = copy([...rows.values()]);
      return new Promise<Todo[]>((resolve) => held.push(() => resolve(snapshot)));
    },
    mutations: {
      create: () => Promise.reject(new Error("not in this test")),
      update: ({ id, data }: { id: string; data: unknown }, receipt?: MutationReceipt) => {
        const base = receipt?.baseVersion;
        return new Promise<Todo>((resolve, reject) =>
          held.push(() => {
            const row = rows.get(id)!;
            if (ifMatch && base !== undefined && base !== row.version) return reject(Object.assign(new Error("409"), { status: 409, server: copy(row) }));
            written.push({ id, title: (data as Partial<Todo>).title });
            resolve(write(id, data as Partial<Todo>));
          }),
        );
      },
      remove: () => Promise.reject(new Error("not in this test")),
    },
  };
}

/**
 * Records `manager` and every version its entities show at a MobX reaction. `expectSettled`: no
 * version went down, the store equals the server's `rows`, and the recording replays to it.
 * `stop` also destroys the manager.
 */
function watchVersions(manager: OptimisticStoreManager<Todo, Todo, OptimisticStore<Todo>>) {
  const recording = recordEvents(manager);
  const seen = new Map<string, number[]>(IDS.map((id) => [id, []]));
  const disposers = IDS.map((id) =>
    reaction(
      () => manager.store.get(id)?.version as number | undefined,
      (version) => version !== undefined && seen.get(id)!.push(version),
    ),
  );
  return {
    expectSettled(rows: Map<string, Todo>): void {
      for (const [id, versions] of seen) {
        expect(versions.every((version, i) => i === 0 || version >= versions[i - 1]!), `versions of ${id}: ${versions.join(", ")}`).toBe(true);
      }
      expect(manager.store.list.map((todo) => ({ ...todo }))).toEqual([...rows.values()]);
      expectReplays(manager, recording.events, "version");
    },
    stop(): void {
      recording.stop();
      disposers.forEach((dispose) => dispose());
      manager.destroy();
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
        const watch = watchVersions(manager);
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

          watch.expectSettled(world.rows);
        } finally {
          watch.stop();
        }
      }),
      process.env.NUM_RUNS ? { numRuns: Number(process.env.NUM_RUNS), ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}) } : { numRuns: 60, seed: 20261201 },
    );
  }, explorationTimeout);
});

/** A three-way merge for the test: the user's title, and `done` set (none when the server's is). */
const merge: ConflictResolver<Todo> = ({ local, server }) => (server.done ? null : { ...local, done: true });
const strategyArb = fc.constantFrom<NonNullable<OptimisticConflictConfig<Todo, Todo>["resolve"]>>("server-wins", "client-wins", merge);

describe("conflicts under random orderings", () => {
  it("keeps every edit in flight on screen, settles every action by its strategy, and ends equal to the server", async () => {
    // Conflicts need edits of one entity on both sides before the answers arrive: those weigh most.
    const edit = (t: "local" | "remote") => fc.record({ t: fc.constant(t), id: fc.nat(2), title: fc.constantFrom("x", "y", "z") });
    const conflictStepArb: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: edit("local"), weight: 4 },
      { arbitrary: edit("remote"), weight: 2 },
      { arbitrary: fc.record({ t: fc.constant("deliver" as const), pick: fc.nat(20) }), weight: 4 },
      { arbitrary: fc.constant({ t: "refetch" as const }), weight: 1 },
      { arbitrary: fc.record({ t: fc.constantFrom("retry" as const, "discard" as const), id: fc.nat(2) }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(conflictStepArb, { maxLength: 40, size: "medium" }), strategyArb, fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), async (steps, resolve, maxAttempts, keepFailed, transform) => {
        const world = createWorld(true);
        const detect = (error: unknown) => (error as { server?: Todo }).server;
        const manager = createOptimisticStoreManager<Todo>(
          {
            name: "items",
            queryFn: world.queryFn,
            mutations: world.mutations,
            // The default transformer (no dates here) takes the other path of a resolver's change to the API.
            ...(transform ? {} : { transformer: false }),
            version: "version",
            conflict: { detect, resolve, maxAttempts },
            keepFailed,
            realtime: { eventType: "items_update" },
          },
          createTestQueryClient(),
        );
        manager.realtime!.connect(world.socket);
        const watch = watchVersions(manager);
        /** This client's updates: their title, and how their action settled (undefined: not yet). */
        const actions: { id: string; title: string; outcome?: "resolved" | "rejected" }[] = [];
        try {
          world.held.deliver(0); // the first load
          await turns();
          for (const step of steps) {
            if (step.t === "local") {
              const action: (typeof actions)[number] = { id: IDS[step.id]!, title: step.title };
              actions.push(action);
              manager.actions.update({ id: action.id, data: { title: action.title } }).then(
                () => (action.outcome = "resolved"),
                () => (action.outcome = "rejected"),
              );
            } else if (step.t === "remote") world.write(IDS[step.id]!, { title: step.title });
            else if (step.t === "refetch") void manager.actions.refetch().catch(() => undefined);
            else if (step.t === "deliver") world.held.deliver(step.pick);
            else if (step.t === "retry") void manager.store.writeStatus(IDS[step.id]!)?.retry().catch(() => undefined);
            else manager.store.writeStatus(IDS[step.id]!)?.discard();
            await turns();
            // No flicker: an entity with an edit in flight shows the newest one's title (a failed
            // edit kept with keepFailed may stand above it, so only without).
            if (!keepFailed) {
              for (const id of IDS) {
                const newest = actions.filter((action) => action.id === id && action.outcome === undefined).at(-1);
                if (newest) expect(manager.store.get(id)?.title, `${id} while "${newest.title}" is in flight`).toBe(newest.title);
              }
            }
          }
          // Everything still held arrives (in order); kept failed changes are dropped; one more refetch.
          await world.held.settle(manager.status);
          for (const id of IDS) manager.store.writeStatus(id)?.discard();
          await world.held.settle(manager.status, () => manager.actions.refetch());

          expect(actions.filter((action) => action.outcome === undefined), "actions left waiting").toEqual([]);
          for (const action of actions.filter((one) => one.outcome === "resolved")) {
            expect(world.written, `resolved update of ${action.id} to "${action.title}"`).toContainEqual({ id: action.id, title: action.title });
          }
          expect(manager.status.failedCount).toBe(0);
          watch.expectSettled(world.rows);
        } finally {
          watch.stop();
        }
      }),
      process.env.NUM_RUNS ? { numRuns: Number(process.env.NUM_RUNS), ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}) } : { numRuns: 60, seed: 20261201 },
    );
  }, explorationTimeout);
});
