export { RealtimeExtension, createRealtimeExtension } from "./RealtimeExtension";
export type { RealtimeConfig, RealtimeEvent, RealtimeSocket } from "./types";
