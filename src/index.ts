// Core
export {
  OptimisticStore,
  OptimisticError,
  OptimisticConfigError,
  OptimisticLifecycleError,
  OptimisticEntityError,
} from "./core";
export { createOptimisticStoreManager } from "./createOptimisticStoreManager";
export { getGlobalQueryClient } from "./query";

// Types
export type {
  Entity,
  MutationReceipt,
  OptimisticDefaults,
  OptimisticErrorInfo,
  OptimisticLogger,
  OptimisticStoreConfig,
  OptimisticStoreManager,
  WriteStatus,
  OptimisticEvent,
  MutationEvent,
  ServerListEvent,
  RealtimeChangeEvent,
  ConfirmedEvent,
  SnapshotEvent,
  PersistConfig,
  PersistStorage,
} from "./core";

// Transforms
export { createDefaultTransformer, createTransformer } from "./transforms";
export type { DataTransformer, DefaultTransformerOptions, FieldSelector } from "./transforms";

// Realtime
export { RealtimeExtension, createRealtimeExtension } from "./realtime";
export type { RealtimeConfig, RealtimeEvent, RealtimeSocket } from "./realtime";

// Utils
export { shallowEqual } from "./utils";
