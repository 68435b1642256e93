/**
 * The offline queue and persistence under random orderings (fast-check): the network goes and
 * comes back, the page reloads (destroy, then a new manager on a new QueryClient with the same
 * storage) at any moment — also before the stored state was read (a remount: the read answers
 * later, and changes are made meanwhile) — and creates, updates and removes are made online and offline while the
 * server's answers are held and delivered in any order. The server applies each mutation id once
 * (a change resent after a reload is answered with its first result), as the docs ask of it.
 *
 * Nothing is lost: once online and settled, the store equals the server (every change restored
 * after a reload was sent, and applied once), the storage holds no change, no action is left
 * waiting, and the recording of the last manager replays.
 *
 * `NUM_RUNS=1000 SEED=… npx vitest run tests/persist/offline.property.test.ts` explores further.
 */
import { environmentManager, onlineManager } from "@tanstack/query-core";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createOptimisticStoreManager, type MutationReceipt, type OptimisticStoreManager } from "../../src";
import { recordEvents } from "../../src/devtools";
import { createMemoryStorage, type PersistStorage } from "../../src/persist";
import { Held, macrotask, turns } from "../__fixtures__/heldAnswers";
import type { Todo } from "../__fixtures__/mockData";
import { cleanup, createTestQueryClient, expectReplays, explorationTimeout } from "../__fixtures__/testHelpers";

environmentManager.setIsServer(() => false);
afterEach(async () => {
  onlineManager.setOnline(true);
  await cleanup();
});

type Step =
  | { t: "online" | "offline" | "reload" | "remount" | "read" | "create" }
  | { t: "update" | "remove"; n: number }
  | { t: "deliver"; pick: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom({ t: "online" as const }, { t: "offline" as const }, { t: "reload" as const }, { t: "create" as const }),
  fc.constantFrom({ t: "remount" as const }, { t: "read" as const }),
  fc.record({ t: fc.constantFrom("update" as const, "remove" as const), n: fc.nat(4) }),
  fc.record({ t: fc.constant("deliver" as const), pick: fc.nat(20) }),
  fc.record({ t: fc.constant("deliver" as const), pick: fc.nat(20) }),
);

/**
 * A server that holds every answer and applies each mutation id once. `versioned`: rows carry a
 * `version` bumped on each write, and an update whose receipt's `baseVersion` is not the row's is
 * refused (409); this client is the only writer, so none ever should be.
 */
function createWorld(versioned: boolean) {
  const rows: Todo[] = ["a", "b", "c"].map((id) => ({ id, title: id.toUpperCase(), done: false, ...(versioned && { version: 1 }) }));
  const held = new Held();
  /** Mutation id → the answer it got (a resend gets the same). */
  const applied = new Map<string, unknown>();
  /** Every mutation id that reached the server, refused ones too. */
  const reached = new Set<string>();
  /** Updates refused for an outdated `baseVersion`: what it was, and the row's. */
  const outdated: string[] = [];
  let created = 0;
  const copy = <V>(value: V): V => JSON.parse(JSON.stringify(value)) as V;
  const once = <R>(receipt: MutationReceipt | undefined, apply: () => R) =>
    new Promise<R>((resolve, reject) =>
      held.push(() => {
        const id = receipt!.mutationId;
        reached.add(id);
        if (!applied.has(id)) {
          try {
            applied.set(id, copy(apply()));
          } catch (error) {
            return reject(error as Error);
          }
        }
        resolve(copy(applied.get(id)) as R);
      }),
    );
  const find = (id: string) => {
    const at = rows.findIndex((row) => row.id === id);
    if (at < 0) throw new Error(`404 ${id}`);
    return at;
  };
  return {
    rows,
    held,
    applied,
    reached,
    outdated,
    queryFn: () => {
      const snapshot = copy(rows);
      return new Promise<Todo[]>((resolve) => held.push(() => resolve(snapshot)));
    },
    mutations: {
      create: (data: unknown, receipt?: MutationReceipt) =>
        once(receipt, () => {
          const row = { ...(data as Todo), id: `s${++created}`, ...(versioned && { version: 1 }) };
          rows.push(row);
          return row;
        }),
      update: ({ id, data }: { id: string; data: unknown }, receipt?: MutationReceipt) =>
        once(receipt, () => {
          const row = rows[find(id)]!;
          const base = receipt?.baseVersion;
          if (versioned && base !== undefined && base !== row.version) {
            outdated.push(`${id}: ${String(base)}, not ${String(row.version)}`);
            throw new Error(`409 ${id}`);
          }
          return (rows[find(id)] = { ...row, ...(data as Partial<Todo>), ...(versioned && { version: (row.version as number) + 1 }) });
        }),
      remove: (id: string, receipt?: MutationReceipt) => once(receipt, () => (rows.splice(find(id), 1), { id })),
    },
  };
}

describe("the offline queue and persistence under random orderings", () => {
  it("loses nothing across offline spells and reloads: the store ends equal to the server, the storage empty of changes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 30 }), fc.boolean(), async (steps, versioned) => {
        onlineManager.setOnline(true);
        const world = createWorld(versioned);
        const memory = createMemoryStorage();
        /** A remount's manager reads slowly: its read answers at a "read" step (or at the next reload, or the end). */
        let slowRead = false;
        const reads: (() => void)[] = [];
        const storage: PersistStorage = {
          ...memory,
          getItem: (name) => {
            if (!slowRead) return memory.getItem(name);
            slowRead = false;
            return new Promise<void>((resolve) => reads.push(resolve)).then(() => memory.getItem(name));
          },
        };
        const answerReads = () => reads.splice(0).forEach((answer) => answer());
        /** Answers every read (a slow one may not have started yet) until the manager is ready. */
        const ready = async () => {
          slowRead = false;
          let done = false;
          void manager.ready.then(() => (done = true));
          for (let i = 0; i < 100 && !done; i++) {
            answerReads();
            await macrotask();
          }
          expect(done).toBe(true);
        };
        /** The mutation id of every change made (a restored change keeps its id). */
        const changes = new Set<string>();
        const open = () =>
          createOptimisticStoreManager<Todo>(
            {
              name: "items",
              queryFn: world.queryFn,
              mutations: world.mutations,
              transformer: false,
              persist: { storage },
              ...(versioned && { version: "version" }),
              onEvent: (event) => event.type === "mutation" && event.phase === "applied" && changes.add(event.mutationId),
            },
            createTestQueryClient(),
          );
        let manager: OptimisticStoreManager<Todo> = open();
        /** Each change made, and how its action ended. */
        const made: { outcome?: "resolved" | "rejected" }[] = [];
        const track = (action: Promise<unknown>) => {
          const entry: { outcome?: "resolved" | "rejected" } = {};
          made.push(entry);
          action.then(
            () => (entry.outcome = "resolved"),
            () => (entry.outcome = "rejected"),
          );
        };
        try {
          await manager.ready;
          world.held.deliver(0); // the first load
          await turns();
          let title = 0;
          for (const step of steps) {
            const todo = "n" in step ? manager.store.list[step.n % Math.max(1, manager.store.list.length)] : undefined;
            if (step.t === "online" || step.t === "offline") onlineManager.setOnline(step.t === "online");
            else if (step.t === "reload") {
              manager.destroy();
              await turns();
              manager = open();
              await ready(); // a manager destroyed while reading stores what was made meanwhile
            } else if (step.t === "remount") {
              manager.destroy();
              slowRead = true;
              manager = open();
            } else if (step.t === "read") answerReads(); else if (step.t === "create") track(manager.actions.create({ title: `new ${++title}`, done: false }));
            else if (step.t === "update" && todo) track(manager.actions.update({ id: todo.id, data: { title: `edit ${++title}` } }));
            else if (step.t === "remove" && todo) track(manager.actions.remove(todo.id));
            else if (step.t === "deliver") world.held.deliver(step.pick);
            await turns();
          }
          await ready();
          onlineManager.setOnline(true);
          const recording = recordEvents(manager);
          await world.held.settle(manager.status, () => manager.actions.refetch());
          await world.held.settle(manager.status);

          expect(manager.store.list.map((row) => ({ ...row }))).toEqual(world.rows);
          expect(manager.status.queuedCount).toBe(0);
          // Writes are coalesced (one per 100 ms at most): the last one lands shortly.
          const storedChanges = async () => (JSON.parse((await storage.getItem("mobx-tanstack-optimistic:items")) ?? "null") as { changes: unknown[] } | null)?.changes ?? [];
          for (let wait = 0; wait < 40 && (await storedChanges()).length > 0; wait++) await new Promise((resolve) => setTimeout(resolve, 25));
          expect(await storedChanges()).toEqual([]);
          // No action is left waiting: each resolved, or rejected (its manager destroyed by a
          // reload — the change itself went on in the next one — or refused by the server).
          expect(made.filter((change) => change.outcome === undefined)).toEqual([]);
          // Every change made reached the server (a reload sends the unanswered ones again).
          expect([...changes].filter((id) => !world.reached.has(id))).toEqual([]);
          // With versions, every update went on the version it was made on: none was refused.
          expect(world.outdated).toEqual([]);
          expectReplays(manager, recording.events, versioned ? "version" : undefined);
          recording.stop();
        } finally {
          manager.destroy();
          onlineManager.setOnline(true);
        }
      }),
      {
        ...(process.env.NUM_RUNS ? { numRuns: Number(process.env.NUM_RUNS), ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}) } : { numRuns: 40, seed: 20261201 }),
        // A change made offline before a remount's read answered, then another reload.
        examples: [[[{ t: "offline" }, { t: "remount" }, { t: "create" }, { t: "reload" }], false]],
      },
    );
  }, explorationTimeout);
});
