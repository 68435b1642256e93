import { hashKey } from "@tanstack/query-core";
import { reaction, runInAction } from "mobx";
import type { Actions } from "../core/actions";
import type { ManagerContext, ManagerPart } from "../core/context";
import { OptimisticError, OptimisticLifecycleError, toError } from "../core/errors";
import type { MutationRunner, StoredChange } from "../core/MutationRunner";
import type { Entity } from "../core/shapes";
import type { PersistConfig } from "../core/types";
import type { QuerySync } from "../query/querySync";
import { createWriteCoalescer } from "./createWriteCoalescer";
import { shareCall } from "./sharedCalls";

export { shareCall };

/** The version of the stored format; a stored value of another version is neither shown nor sent. */
export const SCHEMA_VERSION = 1;

/** What a manager stores, as JSON. */
export interface PersistedState {
  schemaVersion: typeof SCHEMA_VERSION;
  /** When the confirmed entities were fetched (the query's `dataUpdatedAt`). */
  fetchedAt: number;
  /** The confirmed entities in the API's shape (through the transformer's `toApi`), in list order. */
  entities: unknown[];
  /** The changes not answered yet, in the order they were made, each with its receipt's id. */
  changes: StoredChange[];
}

/** What persistence needs from the other parts of its manager. */
export interface PersistNeeds<TApiData, TUiData extends Entity> {
  runner: MutationRunner<TApiData, TUiData>;
  /** The manager's actions: a stored change is applied again through them, with its receipt's id. */
  actions: Actions<TApiData, TUiData>;
  /** The stored entities are in the query cache: the manager observes the query (idempotent). */
  restored(): void;
  /** Whether the store has applied the list the cache holds (not while disabled since it was made). */
  query: Pick<QuerySync<TUiData>, "shows">;
  /** Persistence runs: `destroy()` disposes `part`. Called once the stored state is read, before `restored()`. */
  attached(part: ManagerPart): void;
  /** The changes not answered when `destroy()` ran before the stored state was read. */
  unsent(): StoredChange[];
  /** Whether `store.clear()` ran before the stored state was shown (a sign-out): it is neither shown nor sent. */
  cleared(): boolean;
  /** The restored changes are applied: the realtime events held while reading apply now, before any is sent (an echo settles its change). */
  arrived(): void;
}

/** How long the storage may take to answer the first read (and a manager waits for an earlier one's last write). */
const READ_TIMEOUT_MS = 10_000;
const TIMED_OUT = Symbol("timed out");

/**
 * `work`'s result, or `TIMED_OUT` when it has none after 10 s (a rejection still rejects). In Node the
 * timer is `unref`'d: a storage that never answers must not keep a process whose managers are destroyed running.
 */
function within<T>(work: T | PromiseLike<T>): Promise<Awaited<T> | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A browser's timer is a number: no unref.
  return Promise.race([work, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, READ_TIMEOUT_MS, TIMED_OUT)).unref?.())]).finally(() => clearTimeout(timer));
}

/**
 * Per key, what its managers still have to read or store: a manager's first read, the final write
 * of a destroyed one. A manager made meanwhile on the same key (a remount) reads after them, not
 * before the write on a storage that runs in order, nor before a manager destroyed while reading.
 */
const closing = new Map<string, Promise<void>>();

/**
 * Persistence of one manager, loaded (by a dynamic import) only when its `persist` option is
 * given. Reads the stored state and shows it: its entities become the query's data (marked stale,
 * so the query refreshes them beneath the restored changes), then its changes are applied again
 * and queued with their original receipts, sent one at a time in order. Then it stores the
 * manager's state after every change, coalesced (at most one write per 100 ms, one in flight).
 *
 * A storage that fails to read (or gives no answer in 10 s) is not written afterwards (that could
 * overwrite what it failed to read); a stored value that is not valid is reported and replaced; a
 * failing write is reported once until a write succeeds. Registers the part `destroy()` disposes
 * (it writes the state as it is then) through `attached`, unless the manager goes on without
 * storage. Destroyed before the stored state was read, it stores the changes made meanwhile after
 * the stored ones.
 */
export async function attachPersist<TApiData, TUiData extends Entity>(
  ctx: ManagerContext<TApiData, TUiData>,
  { storage, key = `mobx-tanstack-optimistic:${ctx.name}` }: PersistConfig,
  { runner, actions, restored, query: sync, attached, unsent, cleared, arrived }: PersistNeeds<TApiData, TUiData>,
): Promise<void> {
  const { client, layers, codec, reporter, name } = ctx;
  // From now on (the changes it restores among them), the manager's calls join those of the client's other managers.
  ctx.send = (mutationId, send, conflicted) => shareCall(client, mutationId, send, conflicted);
  const queryKey = [name];
  const report = (what: string, cause?: unknown) => reporter.error(new OptimisticError(`persist "${key}": ${what}`, { cause }), { source: "persist" });
  const reportWrite = (error: Error) => report(`writing to the storage failed: ${error.message}`, error);
  let raw: string | null;
  // Read after what an earlier manager of the key still has to store (destroyed, or reading
  // itself), and make a later one read after this read (and after this write, when destroyed).
  const earlier = closing.get(key);
  let done!: () => void;
  closeWith(new Promise<void>((resolve) => (done = resolve)));
  try {
    await earlier;
    const answer = await within(storage.getItem(key));
    const made = ctx.isDestroyed() ? unsent() : [];
    // Destroyed meanwhile with nothing made, no one is left to tell: nothing was lost.
    if (answer === TIMED_OUT) {
      if (made.length > 0 || !ctx.isDestroyed()) report(`reading the storage gave no answer in 10 s, so ${made.length > 0 ? "the changes made before destroy() were not stored" : "the manager goes on without it"}`);
      return;
    }
    raw = answer;
    if (made.length > 0) {
      // Changes made before the stored state was read were not stored: they follow the stored ones.
      const state = raw === null || cleared() ? undefined : parse(raw);
      if (typeof state === "string") report(`the stored value was replaced (${state})`);
      const kept = typeof state === "object" ? state : { schemaVersion: SCHEMA_VERSION, fetchedAt: 0, entities: [], changes: [] };
      await Promise.resolve()
        .then(() => storage.setItem(key, JSON.stringify({ ...kept, changes: [...kept.changes, ...made] })))
        .catch((error: unknown) => reportWrite(toError(error)));
    }
  } catch (error) {
    return report(`reading the storage failed, so the manager goes on without it: ${String(error)}`, error);
  } finally {
    done();
  }
  if (ctx.isDestroyed()) return;
  // A clear() (sign-out) ran while it was read: what was stored is not this user's, and is replaced.
  const state = raw === null || cleared() ? undefined : parse(raw);
  if (typeof state === "string") report(`the stored value was ignored (${state}); the store loads from the server`);
  else if (state) {
    const query = client.getQueryCache().build(client, { queryKey });
    // The cache of this session is newer than what was stored: it stays.
    if (query.state.data === undefined || query.state.dataUpdatedAt < state.fetchedAt) {
      client.setQueryData(queryKey, state.entities, { updatedAt: state.fetchedAt });
      query.invalidate();
    }
  }
  /** Errors reported already: a refused create also rejects the changes queued on its temporary id. */
  const refused = new WeakSet<object>();

  const read = (): string | null => {
    const changes = runner.unanswered();
    // Disabled since it was made, the store has not taken the cached list (the stored one, patched with confirmed writes).
    const cached = client.getQueryData<unknown[]>(queryKey);
    const entities = cached && !sync.shows() ? cached : layers.confirmedEntities().map(codec.toItem);
    const stored: PersistedState = { schemaVersion: SCHEMA_VERSION, fetchedAt: client.getQueryState(queryKey)?.dataUpdatedAt ?? 0, entities, changes };
    // Nothing to keep (an empty collection, or after store.clear() at sign-out): nothing stored.
    return entities.length + changes.length > 0 ? JSON.stringify(stored) : null;
  };
  let written = raw;
  let failing = false;
  const write = async (value: string | null): Promise<void> => {
    if (value === written) return;
    await (value === null ? storage.removeItem(key) : storage.setItem(key, value));
    written = value;
    failing = false;
  };
  /** The state when the manager was destroyed, before the changes still queued were dropped. */
  let last: string | null | undefined;
  const writer = createWriteCoalescer({
    write,
    read: () => (last === undefined ? read() : last),
    onError: (error) => {
      if (!failing) reportWrite(error);
      failing = true;
    },
  });
  const schedule = () => writer.schedule();
  // A change made or settled moves its kind's count (a settled one also writes the query's data).
  const { counts } = runner;
  const stopCounts = reaction(() => [counts.create, counts.update, counts.remove, runner.queuedCount], schedule);
  // Every confirmed change reaches the query's data (fetched lists, written-back changes).
  const hash = hashKey(queryKey);
  const stop = client.getQueryCache().subscribe((event) => event.query.queryHash === hash && event.type === "updated" && event.action.type === "success" && schedule());
  attached({
    dispose() {
      last = read();
      stopCounts();
      stop();
      schedule();
      closeWith(writer.flush().then(() => writer.dispose()));
    },
  });
  // One action: the restored entities and changes show together. Sent in order, as when queued offline.
  const changes = (typeof state === "object" && state.changes) || [];
  runInAction(() => {
    restored();
    runner.inOrder(() => {
      for (const { kind, id, data, mutationId, base } of changes) {
        const restoredBase = base === undefined ? undefined : codec.toEntity(base, "query");
        const change = kind === "create" ? actions.create(data, mutationId, id) : kind === "update" ? actions.update({ id, data }, mutationId, restoredBase) : actions.remove(id, mutationId);
        // A restored change has no caller: a refusal is reported, once (one dropped unsent is not).
        change.catch((error: unknown) => {
          if (error instanceof OptimisticLifecycleError || (error instanceof Object && refused.has(error))) return;
          if (error instanceof Object) refused.add(error);
          reporter.error(error, { source: "mutation", id });
        });
      }
    });
    // An entity restored changes edit or remove that the store does not hold (the previous page, or
    // this one while reading, learned it was deleted) is deleted as of now: a failure of them is not
    // kept failed on an entity nobody sees, and no answer brings it back.
    if (sync.shows()) for (const { kind, id } of changes) if (kind !== "create" && layers.confirmed(id) === undefined && !layers.hasCreate(id)) layers.confirm(id, undefined);
  });
  // Synchronously, before the first restored change is called: the echo of one the previous page sent settles it unsent.
  arrived();
  // What was stored may be foreign or outdated: the state shown now replaces it.
  schedule();

  /**
   * Until `work` is done (and what a manager of this key awaited before), a manager made on this
   * key reads after it; 10 s at most, so a write that never answers does not hold the key.
   */
  function closeWith(work: Promise<void>): void {
    const all = within(Promise.all([closing.get(key), work])).then(() => undefined);
    closing.set(key, all);
    void all.then(() => closing.get(key) === all && closing.delete(key));
  }
}

/** The stored state, or what is wrong with it. */
function parse(raw: string): PersistedState | string {
  let value: Partial<PersistedState> | null;
  try {
    value = JSON.parse(raw) as Partial<PersistedState> | null;
  } catch {
    return "not JSON";
  }
  const { schemaVersion, fetchedAt, entities, changes } = value ?? {};
  if (schemaVersion !== SCHEMA_VERSION) return `schemaVersion ${JSON.stringify(schemaVersion)}, not ${SCHEMA_VERSION}`;
  // Items in the API's shape: their ids are the transformer's to read (a number, an `_id`), as a fetch's are.
  if (!Array.isArray(entities) || !entities.every(isRecord)) return "an entity that is not an object";
  if (!Array.isArray(changes) || !changes.every(isChange)) return "a malformed change";
  return { schemaVersion, fetchedAt: typeof fetchedAt === "number" ? fetchedAt : 0, entities, changes };
}

function isChange(change: Partial<StoredChange> | null): boolean {
  return (
    ["create", "update", "remove"].includes(change?.kind as string) &&
    typeof change?.id === "string" &&
    typeof change.mutationId === "string" &&
    (change.base === undefined || isRecord(change.base))
  );
}

function isRecord(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
