/**
 * Shared setup for the example tests: a demo server in this process (in-memory SQLite, port 0),
 * fresh QueryClients, socket.io clients that are closed after each test, and `until()`.
 */
import { QueryClient } from "@tanstack/query-core";
import { when } from "mobx";
import { io, type Socket } from "socket.io-client";
import { afterEach } from "vitest";
import { createDemoServer, type DemoServer } from "../../demo/server/createDemoServer";

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test (last registered, first run). */
export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

/** A fresh demo server (its own in-memory database), closed after the test. */
export async function startDemoServer(): Promise<DemoServer> {
  const server = await createDemoServer();
  onCleanup(() => server.close());
  return server;
}

/** A QueryClient without retries, cleared after the test. */
export function newQueryClient(): QueryClient {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  onCleanup(() => client.clear());
  return client;
}

/** A connected socket.io client, closed after the test. */
export async function connectSocket(server: DemoServer, auth?: { token: string }): Promise<Socket> {
  const socket = io(server.url, { transports: ["websocket"], forceNew: true, reconnectionDelay: 10, reconnectionDelayMax: 50, ...(auth && { auth }) });
  onCleanup(() => {
    socket.disconnect();
    socket.io.engine?.close();
  });
  if (!socket.connected) {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
  }
  return socket;
}

/** Resolves once `predicate` (a MobX derivation) holds; fails after `timeout` ms. */
export function until(predicate: () => boolean, timeout = 3000): Promise<void> {
  return when(predicate, { timeout });
}

/** Resolves with the next `event` the socket receives. */
export function nextEvent<T = unknown>(socket: Socket, event: string, timeout = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" event within ${timeout} ms`)), timeout);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}
