import { QueryObserver, type QueryClient } from "@tanstack/query-core";
import type { DataTransformer, Entity, OptimisticStore, OptimisticStoreManager } from "../index";
// Public functions, imported from their own modules rather than through "../index": the bundler
// then shares only these modules with the core entry, and the kit does not carry the whole store.
import { isTempId } from "../core/temporaryId";
import { getGlobalQueryClient } from "../query/queryClient";
import { createDefaultTransformer } from "../transforms/createDefaultTransformer";
import { shallowEqual } from "../utils/shallowEqual";

/**
 * Where {@link expectConsistent} finds the manager's query cache; the manager's own config fits
 * (`expectConsistent(manager, { ...config, queryClient })`).
 */
export interface ExpectConsistentOptions<TApiData extends Entity = Entity, TUiData extends Entity = TApiData> {
  /** The manager's `name` (its query key is `[name]`). Without it, the query cache is not compared. */
  name?: string;
  /** The manager's `scope`, as in its config, or the scope it shows: its query key is then `[name, scope]`. */
  scope?: string | number | (() => string | number | null | undefined);
  /** The `QueryClient` the manager was created with. Default: {@link getGlobalQueryClient}(). */
  queryClient?: QueryClient;
  /** The manager's `transformer`, as in its config: `false` for none; default: {@link createDefaultTransformer}(). */
  transformer?: DataTransformer<TApiData, TUiData> | false;
}

/** The per-entity write status the store has when the library provides it (read defensively). */
interface WriteStatusLike {
  pending?: readonly string[];
  failed?: boolean;
  error?: unknown;
}


const quote = (ids: Iterable<string>) => [...ids].map((id) => JSON.stringify(id)).join(", ");

/**
 * Throws an `Error` that names each broken invariant of a manager whose changes have all settled:
 *
 * - nothing in flight: no mutation (`status.hasPendingMutations`, `store.isPending(id)`), no fetch
 *   (`status.isSyncing`, `status.isLoading`);
 * - no temporary id (`temp-…`) left in the store without its create;
 * - `store.list` and `store.entities` hold the same entity objects, once each (and `count` agrees);
 * - the query cache under `[name]` holds the confirmed entities: each cached item, through the
 *   transformer's `toUi`, equals the store's entity (field by field, as {@link shallowEqual});
 * - kept failed changes are accounted for, when the store has per-entity write status: each
 *   entity whose visible value differs from the cache has `writeStatus(id).failed`, and
 *   `status.failedCount` counts them (without `name`, entities a failed remove hides are not seen,
 *   so only a count too low is found).
 *
 * Pending write-backs are written to the cache first (as when another observer of the key
 * subscribes), so it can be called right after the last `await`. It never waits and imports no
 * test runner: a plain throw fails the test in any of them.
 *
 * @example
 * await backend.settleAll();
 * expectConsistent(todos, { name: "todos", queryClient: client });
 */
export function expectConsistent<TUiData extends Entity, TApiData extends Entity = TUiData>(
  manager: Pick<OptimisticStoreManager<Entity, TUiData, OptimisticStore<TUiData>>, "store" | "status">,
  options: ExpectConsistentOptions<TApiData, TUiData> = {},
): void {
  const { store, status } = manager;
  const problems: string[] = [];
  const { name, scope } = options;
  const queryKey = scope === undefined ? [name] : [name, (typeof scope === "function" ? scope() : scope) ?? null];
  const cache = name === undefined ? undefined : readCache(queryKey, options.queryClient ?? getGlobalQueryClient(), options.transformer, problems, store.entities.size > 0);

  // Every id the store or the cache knows (a hidden entity is only in the cache).
  const ids = new Set<string>(store.entities.keys());
  for (const id of cache?.keys() ?? []) ids.add(id);
  const writeStatus = readWriteStatus(store);
  const failed = new Set<string>();
  for (const id of ids) {
    const write = writeStatus?.(id);
    if (write === undefined) continue;
    if (write.failed === true) failed.add(id);
    if (write.failed === true && write.error === undefined) problems.push(`writeStatus(${JSON.stringify(id)}).failed is true but its error is undefined.`);
    if (write.failed !== true && write.error !== undefined) problems.push(`writeStatus(${JSON.stringify(id)}).error is set but failed is false.`);
    if (write.failed !== true && (write.pending?.length ?? 0) === 0) {
      problems.push(`writeStatus(${JSON.stringify(id)}) is not undefined although nothing is in flight or failed for it.`);
    }
  }

  // 1. Nothing in flight.
  const kinds = (["createPending", "updatePending", "deletePending"] as const).filter((flag) => status[flag]);
  const pendingIds = [...ids].filter((id) => store.isPending(id) && !(failed.has(id) && (writeStatus?.(id)?.pending?.length ?? 0) === 0));
  if (status.hasPendingMutations || kinds.length > 0) {
    problems.push(`changes are still in flight: status.hasPendingMutations is ${status.hasPendingMutations}${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}.`);
  }
  if (pendingIds.length > 0) problems.push(`store.isPending(id) is true for ${quote(pendingIds)}.`);
  if (status.isSyncing || status.isLoading) problems.push(`a fetch is still in flight: status.isSyncing is ${status.isSyncing}, status.isLoading is ${status.isLoading}.`);

  // 2. No temporary row without its create.
  const orphans = [...store.entities.keys()].filter((id) => isTempId(id) && !store.isPending(id) && !failed.has(id));
  if (orphans.length > 0) problems.push(`temporary id ${quote(orphans)} is in the store without a create in flight or kept failed (an orphaned optimistic row).`);

  // 3. list and entities agree.
  checkListAndEntities(store, problems);

  // 4. The query cache holds the confirmed entities.
  if (cache) {
    for (const [id, entity] of store.entities) {
      if (failed.has(id)) continue;
      if (!cache.has(id)) problems.push(`${JSON.stringify(id)} is in the store but not in the query cache.`);
      else {
        const fields = differingFields(entity, cache.get(id));
        if (fields.length > 0) problems.push(`${JSON.stringify(id)} differs between the store and the query cache (${fields.join(", ")}).`);
      }
    }
    for (const id of cache.keys()) {
      if (!store.entities.has(id) && !failed.has(id)) problems.push(`${JSON.stringify(id)} is in the query cache but not in the store.`);
    }
  }

  // 5. Kept failed changes are counted. Without the cache, an entity a kept failed remove hides is
  // not seen here: only a count below what is seen is wrong then.
  const failedCount = (status as { failedCount?: unknown }).failedCount;
  if (typeof failedCount === "number" && writeStatus && (cache ? failedCount !== failed.size : failedCount < failed.size)) {
    problems.push(`status.failedCount is ${failedCount} but ${failed.size} entities have kept failed changes${failed.size > 0 ? ` (${quote(failed)})` : ""}.`);
  }

  if (problems.length > 0) {
    throw new Error(`expectConsistent: the manager is not consistent:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
  }
}

/** `store.writeStatus` when the store has it (the per-entity write status of newer versions). */
function readWriteStatus(store: object): ((id: string) => WriteStatusLike | undefined) | undefined {
  const method = (store as { writeStatus?: unknown }).writeStatus;
  if (typeof method !== "function") return undefined;
  return (id) => (method as (id: string) => WriteStatusLike | undefined).call(store, id);
}

/**
 * The cached items of `[name]` as UI entities by id, after writing what the manager has pending;
 * undefined when the client has no such query.
 */
function readCache<TApiData extends Entity, TUiData extends Entity>(
  queryKey: unknown[],
  client: QueryClient,
  transformer: DataTransformer<TApiData, TUiData> | false | undefined,
  problems: string[],
  stored: boolean,
): Map<string, unknown> | undefined {
  const query = client.getQueryCache().find({ queryKey, exact: true });
  // A manager's key always has a query in its client: none means another client, name or scope.
  if (!query) {
    if (stored) problems.push(`the query cache has no query ${JSON.stringify(queryKey)}: pass the manager's queryClient, name and scope.`);
    return undefined;
  }
  // A manager writes its confirmed changes at once when another observer of its key subscribes.
  // This one never fetches (enabled: false) and keeps the query's own options.
  const probe = new QueryObserver(client, { ...query.options, queryKey, enabled: false });
  probe.subscribe(() => undefined)();
  const data: unknown = client.getQueryData(queryKey);
  const byId = new Map<string, unknown>();
  if (data === undefined) return byId;
  if (!Array.isArray(data)) {
    problems.push(`the query cache under ${JSON.stringify(queryKey)} holds ${typeof data}, not an array.`);
    return byId;
  }
  const toUi = transformer === false ? (item: unknown) => item : (transformer ?? createDefaultTransformer<TApiData, TUiData>()).toUi;
  const duplicates = new Set<string>();
  for (const item of data) {
    let entity: unknown;
    try {
      entity = toUi(item as TApiData);
    } catch (error) {
      problems.push(`the transformer's toUi threw on a cached item: ${error instanceof Error ? error.message : String(error)}.`);
      continue;
    }
    const id = (entity as { id?: unknown } | null)?.id;
    if (typeof id !== "string") {
      problems.push(`the query cache holds an item without a string id: ${JSON.stringify(item)}.`);
      continue;
    }
    if (byId.has(id)) duplicates.add(id);
    byId.set(id, entity);
  }
  if (duplicates.size > 0) problems.push(`the query cache holds ${quote(duplicates)} more than once.`);
  return byId;
}

function checkListAndEntities<T extends Entity>(store: OptimisticStore<T>, problems: string[]): void {
  const { list, entities } = store;
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const notInEntities: string[] = [];
  const otherObject: string[] = [];
  for (const entity of list) {
    if (seen.has(entity.id)) duplicates.add(entity.id);
    seen.add(entity.id);
    const held = entities.get(entity.id);
    if (held === undefined) notInEntities.push(entity.id);
    else if (held !== entity) otherObject.push(entity.id);
  }
  if (duplicates.size > 0) problems.push(`store.list holds ${quote(duplicates)} more than once.`);
  if (notInEntities.length > 0) problems.push(`store.list holds ${quote(notInEntities)} that store.entities does not.`);
  if (otherObject.length > 0) problems.push(`store.list and store.entities hold different objects for ${quote(otherObject)}.`);
  const notInList = [...entities.keys()].filter((id) => !seen.has(id));
  if (notInList.length > 0) problems.push(`store.entities holds ${quote(notInList)} that store.list does not.`);
  const misKeyed = [...entities].filter(([key, entity]) => entity?.id !== key).map(([key]) => key);
  if (misKeyed.length > 0) problems.push(`store.entities holds entities under another key than their id: ${quote(misKeyed)}.`);
  if (list.length !== entities.size || store.count !== entities.size) {
    problems.push(`sizes differ: store.list has ${list.length}, store.entities ${entities.size}, store.count ${store.count}.`);
  }
}

/** Top-level fields whose values differ (by content), or `["(not an object)"]`. */
function differingFields(a: unknown, b: unknown): string[] {
  if (shallowEqual(a, b)) return [];
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return ["(not an object)"];
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].filter((key) => !(key in left) || !(key in right) || !shallowEqual(left[key], right[key])).map((key) => {
    const show = (record: Record<string, unknown>) => (key in record ? JSON.stringify(record[key]) : "missing");
    return `${key}: store ${show(left)}, cache ${show(right)}`;
  });
}
