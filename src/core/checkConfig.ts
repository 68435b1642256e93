import { OptimisticConfigError } from "./errors";
import type { OptimisticStoreConfig } from "./types";

/** The config as received: nothing about it is trusted until checked. */
type UncheckedConfig = { [K in keyof OptimisticStoreConfig]?: unknown };

/** Throws an `OptimisticConfigError` that says what to do when the config cannot work. */
export function checkConfig(input: unknown): void {
  const fail = (message: string) => {
    throw new OptimisticConfigError(message);
  };
  if (input === null || typeof input !== "object") fail("createOptimisticStoreManager needs a config object.");
  const config = input as UncheckedConfig;
  if (typeof config.name !== "string" || config.name === "") fail('config.name must be a non-empty string (it is the query key), e.g. name: "todos".');
  const label = `"${String(config.name)}"`;
  if (typeof config.queryFn !== "function") fail(`config.queryFn of ${label} is missing: pass a function that fetches the whole collection, e.g. queryFn: () => fetch("/api/todos").then((r) => r.json()).`);
  const m = config.mutations as Record<string, unknown> | undefined;
  for (const kind of ["create", "update", "remove"]) {
    if (typeof m?.[kind] !== "function") fail(`config.mutations.${kind} of ${label} is missing: pass a function that performs the ${kind} on the server.`);
  }
  if (config.transformer !== undefined && config.transformer !== false) {
    const t = config.transformer as { toUi?: unknown; toApi?: unknown } | null;
    if (typeof t?.toUi !== "function" || typeof t.toApi !== "function") {
      fail(`config.transformer of ${label} must have toUi and toApi functions (or be false for none, or left out for the default one).`);
    }
  }
  if (config.staleTime !== undefined && !(typeof config.staleTime === "number" && config.staleTime >= 0)) fail(`config.staleTime of ${label} must be a number of milliseconds >= 0.`);
  const version = config.version;
  if (version !== undefined && typeof version !== "function" && (typeof version !== "string" || version === "")) fail(`config.version of ${label} must be a field name (e.g. "updatedAt") or a function.`);
  const conflict = config.conflict as { detect?: unknown; resolve?: unknown; maxAttempts?: unknown } | undefined;
  if (conflict !== undefined) {
    const { detect, resolve, maxAttempts } = conflict ?? {};
    if (typeof detect !== "function") fail(`config.conflict.detect of ${label} must be a function that returns the server's entity from a conflict error, else undefined.`);
    if (resolve !== undefined && resolve !== "server-wins" && resolve !== "client-wins" && typeof resolve !== "function") fail(`config.conflict.resolve of ${label} must be "server-wins", "client-wins" or a function.`);
    if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && (maxAttempts as number) > 0)) fail(`config.conflict.maxAttempts of ${label} must be a whole number >= 1.`);
  }
  if (config.scope !== undefined && typeof config.scope !== "function") fail(`config.scope of ${label} must be a function (returning null when signed out).`);
  const persist = config.persist as { storage?: Record<string, unknown>; key?: unknown } | undefined;
  if (persist !== undefined) {
    const storage = persist?.storage;
    if (!storage || !["getItem", "setItem", "removeItem"].every((method) => typeof storage[method] === "function")) fail(`config.persist.storage of ${label} must have getItem, setItem and removeItem (localStorage, createIndexedDBStorage(), createMemoryStorage()).`);
    if (persist.key !== undefined && (typeof persist.key !== "string" || persist.key === "")) fail(`config.persist.key of ${label} must be a non-empty string.`);
    if (config.scope !== undefined) fail(`config.persist and config.scope of ${label} cannot be used together yet: the stored state is not kept per scope. To persist per-user data, make a manager per user (a name that includes the user id, such as "posts:alice"), destroyed at sign-out.`);
  }
  if (config.enabled !== undefined && typeof config.enabled !== "function") fail(`config.enabled of ${label} must be a function returning whether the manager loads (e.g. () => !!auth.user), not a boolean.`);
  if (config.onEvent !== undefined && typeof config.onEvent !== "function") fail(`config.onEvent of ${label} must be a function that receives each event.`);
  const realtime = config.realtime as { eventType?: unknown } | undefined;
  if (realtime !== undefined && (typeof realtime?.eventType !== "string" || realtime.eventType === "")) {
    fail(`config.realtime.eventType of ${label} must be the name of the socket event to listen to, e.g. "todo_update".`);
  }
}
