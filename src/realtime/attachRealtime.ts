import type { AttachRealtime } from "../core/createStoreManager";
import { isValidId, OptimisticEntityError, OptimisticLifecycleError } from "../core/errors";
import type { Entity, RealtimeChangeEvent } from "../core/shapes";
import { createSinkExtension, flushQueuedEvents } from "./RealtimeExtension";
import type { RealtimeEvent } from "./types";

/**
 * Wires a manager to realtime events: data goes through the manager's transformer into the confirmed
 * layer, an echo carrying this client's receipt settles the pending change it belongs to (and is not
 * applied twice), and a reconnect triggers a refetch.
 */
export const attachRealtime: AttachRealtime = (config, ctx, needs) => {
  const { layers, reporter, name, codec } = ctx;
  /** Tells the event log (when it listens) what an event did. */
  const tell = (event: RealtimeEvent, id: string, data: unknown, extra?: Partial<RealtimeChangeEvent>) =>
    layers.emit?.({ type: "realtime", action: event.event as RealtimeChangeEvent["action"], id, data, echo: event.originId === ctx.originId, ...extra });
  const extension = createSinkExtension(ctx.store, config, {
    upsert(data, event) {
      reporter.debug?.(`realtime ${event.event}`, { id: (data as Entity).id });
      const entity = codec.toEntity(data, "realtime");
      if (!entity) return;
      layers.writeConfirmed(entity.id, entity);
      needs.overwritten(entity.id);
      // Applied: news, also the echo of this client's change refused after the server carried it out.
      tell(event, entity.id, entity, { echo: false });
    },
    remove(data, event) {
      const id = codec.idOf(data as object);
      if (!isValidId(id)) {
        reporter.dropped(new OptimisticEntityError(`realtime DELETE for "${name}" has no valid id; it was dropped.`), { source: "realtime", payload: data });
        return;
      }
      const target = layers.resolve(id);
      layers.writeConfirmed(target, undefined);
      if (layers.emit) tell(event, target, { id: target });
    },
    isOwnEcho(event, data) {
      // Converted only for the pending change it settles: another client's event is converted once, by upsert.
      let entity: ReturnType<typeof codec.toEntity>;
      const convert = () => (entity = codec.toEntity(data, "realtime"));
      let settled: { readonly seq: number; readonly change?: number } | null | false | undefined;
      if (typeof event.mutationId === "string") {
        settled = needs.acknowledge(event.mutationId, event.event === "DELETE", convert);
        // The echo of a change made in a previous scope: nothing of it reaches this store.
        if (settled === null) return true;
        // The echo of a change whose call failed, though the server carried it out: the server's event.
        if (settled === false) return false;
      }
      // A deletion is applied even as this client's own echo: an older event of another client may
      // have brought the entity back after this client's remove was answered.
      // A browserId (the receipts' originId) may be shared by a browser's tabs: then the receipt's
      // mutationId, which names this manager instance, tells its own changes from another tab's.
      const mine =
        config.browserId !== undefined && typeof event.mutationId === "string"
          ? event.mutationId.startsWith(`${ctx.instanceId}:`)
          : event.originId === ctx.originId || (config.browserId !== undefined && event.browserId === config.browserId);
      const own = settled !== undefined || (mine && event.event !== "DELETE");
      if (own && layers.emit) tell(event, entity?.id ?? layers.resolve(String((data as Entity).id)), settled ? entity : data, { echo: true, ...(settled && { mutationId: event.mutationId, change: settled.change ?? settled.seq }) });
      return own;
    },
    resync: needs.resync,
    held: needs.held,
    report(error, event, fromCallback) {
      if (fromCallback) reporter.callbackError(error, { source: "realtime", payload: event });
      else reporter.dropped(error, { source: "realtime", payload: event });
    },
  });
  const flush = () => flushQueuedEvents(extension as never);
  /** What the testing kit's fake socket runs after a delivery: not while events are held. */
  const delivered = () => needs.held() || flush();
  /** The fake socket's flushes (any other socket has none). */
  const flushesOf = (socket: unknown) => (socket as { flushes?: Set<() => void> } | null)?.flushes;
  /** Stops listening; the fake socket no longer runs (nor holds on to) this manager. */
  const disconnect = () => {
    const socket = extension.socketInstance;
    extension.disconnect();
    flushesOf(socket)?.delete(delivered);
  };
  return {
    handle: {
      get isConnected() {
        return extension.connected;
      },
      connect: (socket) => {
        if (ctx.isDestroyed()) {
          throw new OptimisticLifecycleError(`realtime.connect on "${name}" after destroy(): create a new manager to listen again.`);
        }
        const previous = extension.socketInstance;
        extension.connect(socket);
        if (previous !== socket) flushesOf(previous)?.delete(delivered);
        // The testing kit's fake socket applies what it delivers at once: a test waits for no batch timer.
        flushesOf(socket)?.add(delivered);
      },
      disconnect,
    },
    flush,
    dispose: disconnect,
  };
};
