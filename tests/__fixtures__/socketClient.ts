/**
 * Real socket.io-client sockets for the test server. Every socket made here is also closed by
 * `server.close()`, so a forgotten one cannot keep reconnecting after the test.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import type { TestServer } from "./testServer";

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/**
 * A new socket (websocket only, `forceNew`, fast reconnection: 10-50 ms) that starts connecting
 * at once unless `autoConnect: false`.
 */
export function createClient(server: Pick<TestServer, "url" | "onClose">, options: ClientOptions = {}): Socket {
  const socket = io(server.url, {
    transports: ["websocket"],
    forceNew: true,
    reconnectionDelay: 10,
    reconnectionDelayMax: 50,
    ...options,
  });
  server.onClose(() => closeClient(socket));
  return socket;
}

/** Like `createClient`, resolved once connected (rejects on a connect error). */
export async function connectClient(
  server: Pick<TestServer, "url" | "onClose">,
  options: ClientOptions = {},
): Promise<Socket> {
  const socket = createClient(server, options);
  if (!socket.connected) await nextEvent(socket, "connect", { errorEvent: "connect_error" });
  return socket;
}

/** Disconnects the socket and stops its reconnection. Idempotent. */
export function closeClient(socket: Socket): void {
  socket.disconnect();
  socket.io.engine?.close();
}

/**
 * Resolves with the arguments of the next `event` on `socket` (also reserved events such as
 * "connect" or "disconnect"); rejects after `timeoutMs` (default 2000) or on `errorEvent`.
 */
export function nextEvent(
  socket: Socket,
  event: string,
  { timeoutMs = 2000, errorEvent }: { timeoutMs?: number; errorEvent?: string } = {},
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const onEvent = (...args: unknown[]) => {
      cleanup();
      resolve(args);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`No "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      socket.off(event, onEvent);
      if (errorEvent) socket.off(errorEvent, onError);
    }
    socket.on(event, onEvent);
    if (errorEvent) socket.on(errorEvent, onError);
  });
}

/**
 * Waits until `socket` has handled everything `server` emitted so far (socket.io keeps the order
 * of one connection), and a realtime batch queued behind it has been applied.
 */
export async function drainSocket(server: Pick<TestServer, "emitRaw">, socket: Socket, timeoutMs = 5000): Promise<void> {
  const ping = nextEvent(socket, "test:drain", { timeoutMs });
  server.emitRaw("test:drain");
  await ping;
  await new Promise((resolve) => setTimeout(resolve, 0));
}
