export { startTestServer } from "./testServer";
export type {
  ChangeEvent,
  ChangeKind,
  ChangeMeta,
  DelayAction,
  FailAction,
  Gate,
  HoldAction,
  Interception,
  RecordedRequest,
  RequestMatch,
  Row,
  TestServer,
  TestServerOptions,
} from "./testServer";
export { createTestApi, HttpError } from "./testApi";
export type { MutationReceipt, TestApi, TestApiOptions } from "./testApi";
export { closeClient, connectClient, createClient, drainSocket, nextEvent } from "./socketClient";
export type { ClientOptions } from "./socketClient";
