export { createFakeBackend } from "./createFakeBackend";
export type { FakeBackend, FakeBackendOptions, FakeRequest, FakeRequestKind, FakeSocket } from "./createFakeBackend";
export { expectConsistent } from "./expectConsistent";
export type { ExpectConsistentOptions } from "./expectConsistent";
