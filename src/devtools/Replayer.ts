import { runInAction } from "mobx";
import { OptimisticError } from "../core/errors";
import { layersInternals, type OptimisticLayers, type PendingOp } from "../core/OptimisticLayers";
import { getLayers, OptimisticStore } from "../core/OptimisticStore";
import type { Entity, MutationEvent, OptimisticEvent } from "../core/shapes";
import { createVersionRule } from "../core/versions";
import { revive } from "./revive";
import { loadState, saveState, toPendingOp, type StoreState } from "./storeState";

const TYPES = new Set(["mutation", "server-list", "realtime", "confirmed", "snapshot"]);

/**
 * Rebuilds a store from its events by making the same calls on the same state model the live store
 * made: each event carries what that needs (a fetched list names the entities newer writes kept
 * against it; an echo names the change it settled), so nothing is decided twice.
 */
export class Replayer<T extends Entity = Entity> {
  readonly store: OptimisticStore<T>;
  readonly #layers: OptimisticLayers<T>;
  /** Changes by number (`change` in the events). */
  #ops = new Map<number, PendingOp<T>>();
  #name: string | undefined;
  #count = 0;

  /** `version`: the recorded manager's `version` option (a snapshot names a field option itself). */
  constructor(store: OptimisticStore<T> = new OptimisticStore<T>(), version?: string | ((entity: T) => unknown)) {
    this.store = store;
    this.#layers = getLayers(store);
    if (version !== undefined) this.#useVersion(version);
  }

  /** Confirmed state keeps from going back to an older version, as the recorded store's did. */
  #useVersion(version: string | ((entity: T) => unknown)): void {
    this.#layers.versions = createVersionRule(version, undefined, (entity) => entity);
  }

  /** The state reached so far, as a snapshot's `state`. */
  save(): StoreState {
    return saveState(this.#layers);
  }

  apply(event: OptimisticEvent): void {
    const index = this.#count++;
    if (event === null || typeof event !== "object" || !TYPES.has(event.type)) {
      throw new OptimisticError(`replayEvents: event ${index} is not an event of the log (got ${JSON.stringify(event)?.slice(0, 80)}).`);
    }
    if (this.#name !== undefined && event.store !== this.#name) {
      throw new OptimisticError(`replayEvents: event ${index} is of store "${event.store}", the recording so far of "${this.#name}"; replay one store's events at a time.`);
    }
    this.#name = event.store;
    runInAction(() => this.#apply(event));
  }

  #apply(event: OptimisticEvent): void {
    const layers = this.#layers;
    const data = "data" in event ? (revive(event.data) as T | undefined) : undefined;
    switch (event.type) {
      case "snapshot": {
        const state = event.state as StoreState;
        if (layers.list.length > 0 || this.#ops.size > 0) layers.clear();
        this.#ops = loadState(layers, state);
        if (!layers.versions && typeof state.versionField === "string") this.#useVersion(state.versionField);
        return;
      }
      case "mutation":
        return this.#mutation(event, data);
      case "server-list": {
        layers.takeChanges();
        layersInternals(layers).protect(event.kept);
        layers.applyServerList(revive(event.items) as T[], (item) => item as T, undefined, event.source);
        layers.endFetch();
        return;
      }
      case "realtime": {
        const op = event.change === undefined ? undefined : this.#ops.get(event.change);
        if (op) this.#settle(op, data);
        else if (event.change === undefined && (!event.echo || event.action === "DELETE")) layers.writeConfirmed(event.id, event.action === "DELETE" ? undefined : data);
        return;
      }
      case "confirmed":
        if (event.op === "clear" || event.op === "scope") {
          if (event.op === "clear") layers.clear();
          else layers.reset();
          this.#ops.clear();
        } else if (event.op === "restore") {
          layers.restore(new Map((revive(event.items) as T[]).map((entity) => [entity.id, entity])));
        } else layers.writeConfirmed(event.id as string, event.op === "upsert" ? data : undefined);
    }
  }

  #mutation(event: MutationEvent, data: T | undefined): void {
    const layers = this.#layers;
    if (event.phase === "applied") {
      const op = toPendingOp<T>(event.change, event.kind, event.id, event.mutationId, data);
      const x = layersInternals(layers);
      if (x.tick() < event.change) x.setTick(event.change);
      this.#ops.set(event.change, op);
      layers.begin(op);
      return;
    }
    const op = this.#ops.get(event.change);
    if (!op) return;
    if (event.phase === "succeeded") this.#settle(op, data);
    else if (event.phase === "retried") {
      op.mutationId = event.mutationId;
      // Sent again after a conflict, with the change it goes on with.
      if (op.kind === "update" && data !== undefined) layers.repatch(op, data);
      // Without an order (recorded before retried events carried one), the change keeps its place.
      layers.retrying(op, event.order ?? op.seq);
    } else if (event.phase === "failed" && event.kept) layers.keepFailed(op, new Error(event.error));
    else layers.fail(op);
    if (!layers.isPending(op)) this.#ops.delete(event.change);
  }

  /** A change answered (or acknowledged by its echo) with `entity`. */
  #settle(op: PendingOp<T>, entity: T | undefined): void {
    const layers = this.#layers;
    if (!layers.isPending(op)) return;
    if (op.kind === "create") layers.succeedCreate(op, entity);
    else layers.succeed(op, op.kind === "update" ? entity : undefined);
  }
}
