import { OptimisticConfigError } from "../core/errors";
import { createDefaultTransformer } from "./createDefaultTransformer";
import type { DataTransformer, Entity } from "./types";

export type { DataTransformer };

/**
 * Resolves a manager's `transformer` option: `false` means no transformation (`undefined`), a
 * transformer is returned as is, and no transformer means {@link createDefaultTransformer}().
 * Anything else (`null`, `""`, an object without `toUi` / `toApi`) throws an `OptimisticConfigError`.
 *
 * @example
 * createTransformer(false); // undefined: data passes through untouched
 * createTransformer(undefined); // the default, lossless transformer
 * createTransformer(myTransformer); // myTransformer
 */
export function createTransformer(transformer: false): undefined;
export function createTransformer<TApiData extends Entity, TUiData extends Entity = TApiData>(
  transformer?: DataTransformer<TApiData, TUiData>,
): DataTransformer<TApiData, TUiData>;
export function createTransformer<TApiData extends Entity, TUiData extends Entity = TApiData>(
  transformer: DataTransformer<TApiData, TUiData> | false | undefined,
): DataTransformer<TApiData, TUiData> | undefined;
export function createTransformer<TApiData extends Entity, TUiData extends Entity = TApiData>(
  transformer?: DataTransformer<TApiData, TUiData> | false,
): DataTransformer<TApiData, TUiData> | undefined {
  if (transformer === false) return undefined;
  if (transformer === undefined) return createDefaultTransformer<TApiData, TUiData>();
  const candidate = transformer as { toUi?: unknown; toApi?: unknown } | null;
  if (candidate === null || typeof candidate !== "object" || typeof candidate.toUi !== "function" || typeof candidate.toApi !== "function") {
    throw new OptimisticConfigError(
      `transformer must have toUi and toApi functions (or be false for none, or left out for the default one); got ${describe(transformer)}.`,
    );
  }
  return transformer;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" ? "an object without toUi and toApi functions" : `${typeof value} ${String(value)}`;
}
