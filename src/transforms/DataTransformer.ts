import { createDefaultTransformer } from "./createDefaultTransformer";
import type { DataTransformer, Entity } from "./types";

export type { DataTransformer };

/**
 * Resolves a manager's `transformer` option: `false` means no transformation (`undefined`), a
 * transformer is returned as is, and no transformer means {@link createDefaultTransformer}().
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
  return transformer ?? createDefaultTransformer<TApiData, TUiData>();
}
