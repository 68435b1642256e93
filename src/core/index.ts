export { OptimisticStore } from "./OptimisticStore";
export { OptimisticError, OptimisticConfigError, OptimisticLifecycleError, OptimisticEntityError } from "./errors";
export type {
  Entity,
  MutationReceipt,
  OptimisticDefaults,
  OptimisticErrorInfo,
  OptimisticLogger,
  OptimisticStoreConfig,
  OptimisticStoreManager,
  WriteStatus,
  PersistConfig,
  PersistStorage,
} from "./types";
export type { ConfirmedEvent, MutationEvent, OptimisticEvent, RealtimeChangeEvent, ServerListEvent, SnapshotEvent } from "./shapes";
