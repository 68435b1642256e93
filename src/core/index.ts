export { OptimisticStore } from "./OptimisticStore";
export { OptimisticError, OptimisticConfigError, OptimisticLifecycleError, OptimisticEntityError, OptimisticConflictError } from "./errors";
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
  PersistConfig,
  PersistStorage,
} from "./types";
export type { ConfirmedEvent, MutationEvent, OptimisticEvent, RealtimeChangeEvent, ServerListEvent, SnapshotEvent } from "./shapes";
