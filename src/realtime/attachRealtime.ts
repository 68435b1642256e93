import type { AttachRealtime } from "../core/createStoreManager";
import { isValidId, OptimisticEntityError, OptimisticLifecycleError } from "../core/errors";
import type { Entity } from "../core/shapes";
import { createSinkExtension, flushQueuedEvents } from "./RealtimeExtension";

/**
 * Wires a manager to realtime events: data goes through the manager's transformer into the confirmed
 * layer, an echo carrying this client's receipt settles the pending change it belongs to (and is not
 * applied twice), and a reconnect triggers a refetch.
 */
export const attachRealtime: AttachRealtime = (config, ctx, needs) => {
  const { layers, reporter, originId, name, codec } = ctx;
  const extension = createSinkExtension(ctx.store, config, {
    upsert(data, event) {
      reporter.debug?.(`realtime ${event.event}`, { id: (data as Entity).id });
      const entity = codec.toEntity(data, "realtime");
      if (entity) layers.writeConfirmed(entity.id, entity);
    },
    remove(data) {
      const id = (data as Entity).id;
      if (isValidId(id)) layers.writeConfirmed(layers.resolve(id), undefined);
      else reporter.dropped(new OptimisticEntityError(`realtime DELETE for "${name}" has no valid id; it was dropped.`), { source: "realtime", payload: data });
    },
    isOwnEcho(event, data) {
      if (typeof event.mutationId === "string") {
        const entity = event.event === "DELETE" ? undefined : codec.toEntity(data, "realtime");
        if (needs.acknowledge(event.mutationId, entity)) return true;
      }
      // A deletion is applied even as this client's own echo: an older event of another client may
      // have brought the entity back after this client's remove was answered.
      return event.originId === originId && event.event !== "DELETE";
    },
    resync: needs.resync,
    report(error, event, fromCallback) {
      if (fromCallback) reporter.callbackError(error, { source: "realtime", payload: event });
      else reporter.dropped(error, { source: "realtime", payload: event });
    },
  });
  return {
    handle: {
      get isConnected() {
        return extension.connected;
      },
      connect: (socket) => {
        if (ctx.isDestroyed()) {
          throw new OptimisticLifecycleError(`realtime.connect on "${name}" after destroy(): create a new manager to listen again.`);
        }
        extension.connect(socket);
      },
      disconnect: () => extension.disconnect(),
    },
    flush: () => flushQueuedEvents(extension as never),
    dispose: () => extension.disconnect(),
  };
};
