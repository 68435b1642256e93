export { mountDevtools } from "./mountDevtools";
export { recordEvents } from "./recordEvents";
export type { DevtoolsManager, EventRecording, RecordEventsOptions } from "./recordEvents";
export { replayEvents } from "./replayEvents";
export type { ReplayEventsOptions } from "./replayEvents";
export type {
  ConfirmedEvent,
  MutationEvent,
  OptimisticEvent,
  RealtimeChangeEvent,
  ServerListEvent,
  SnapshotEvent,
} from "../core/shapes";
