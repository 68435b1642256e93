export { createDefaultTransformer } from "./createDefaultTransformer";
export { createTransformer } from "./DataTransformer";
export type { DataTransformer, DefaultTransformerOptions, FieldSelector } from "./types";
