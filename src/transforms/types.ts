import type { Entity, OptimisticDefaults } from "../core/shapes";

// Re-exported because the plan's code imports `Entity` from here (`OptimisticStore.ts`).
export type { Entity, OptimisticDefaults };

/**
 * Converts entities between the shape the server sends (`TApiData`) and the shape the store
 * holds (`TUiData`).
 *
 * @example
 * const todoTransformer: DataTransformer<ApiTodo, Todo> = {
 *   toUi: (api) => ({ ...api, dueAt: new Date(api.dueAt) }),
 *   toApi: (ui) => ({ ...ui, dueAt: ui.dueAt.toISOString() }),
 * };
 */
export interface DataTransformer<TApiData extends Entity, TUiData extends Entity> {
  /** Turns server data (query results, mutation responses, realtime data) into a store entity. */
  toUi(apiData: TApiData): TUiData;
  /** Turns a store entity back into the server's shape. */
  toApi(uiData: TUiData): TApiData;
  /** How to build optimistic entities; takes precedence over the manager's `optimisticDefaults`. */
  optimisticDefaults?: OptimisticDefaults<TUiData>;
}

/**
 * Which top-level fields an option of {@link DefaultTransformerOptions} applies to: `true` (every
 * field but `id`), `false` (none), a list of field names, or a predicate on the field name.
 *
 * @example
 * const selector: FieldSelector = ["done", "archived"];
 * const bySuffix: FieldSelector = (key) => key.endsWith("Count");
 */
export type FieldSelector = boolean | readonly string[] | ((key: string) => boolean);

/**
 * Options of {@link createDefaultTransformer}. With none given the transformer only turns ISO-8601
 * strings in date-like fields into `Date`s, and `toApi` undoes that exactly.
 */
export interface DefaultTransformerOptions {
  /**
   * Turn ISO-8601 date strings in date-like fields into `Date` objects (default `true`).
   *
   * @example
   * createDefaultTransformer({ parseDates: false }); // leaves every string alone
   */
  parseDates?: boolean;
  /**
   * Which fields are date-like, replacing the default name test (`createdAt`, `updated_at`,
   * `dueDate`, `birth_date`, `startTime`, `timestamp`, ...): a list of names or a predicate.
   *
   * @example
   * createDefaultTransformer({ dateFields: ["published", "expires"] });
   */
  dateFields?: readonly string[] | ((key: string) => boolean);
  /**
   * Turn the strings `"true"` / `"false"` into booleans (default `false`); `toApi` turns every
   * boolean of these fields back into `"true"` / `"false"`.
   *
   * @example
   * createDefaultTransformer({ parseBooleans: ["done"] }); // { done: "true" } -> { done: true }
   */
  parseBooleans?: FieldSelector;
  /**
   * Turn canonical numeric strings (`"42"`, `"-1.5"`, not `"01234"`, `"1e3"`, `" 42"`, `""`) into
   * numbers (default `false`); `toApi` turns every number of these fields back into a string.
   *
   * @example
   * createDefaultTransformer({ parseNumbers: (key) => key.endsWith("Count") });
   */
  parseNumbers?: FieldSelector;
  /**
   * Turn a string with a comma and no whitespace (`"a,b"`) into an array of strings (default
   * `false`); `toApi` joins every array of strings of these fields with `","`.
   *
   * @example
   * createDefaultTransformer({ parseLists: ["tags"] }); // { tags: "a,b" } -> { tags: ["a", "b"] }
   */
  parseLists?: FieldSelector;
}
