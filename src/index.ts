// Core
export {
  OptimisticStore,
  OptimisticError,
  OptimisticConfigError,
  OptimisticLifecycleError,
  OptimisticEntityError,
  OptimisticConflictError,
} from "./core";
export { createOptimisticStoreManager } from "./createOptimisticStoreManager";
export { getGlobalQueryClient } from "./query";

// Types
export type {
  ConflictResolver,
  Entity,
  MutationReceipt,
  OptimisticConflictConfig,
  OptimisticDefaults,
  OptimisticErrorInfo,
  OptimisticLogger,
  OptimisticQueryContext,
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
