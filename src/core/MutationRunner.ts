
import { onlineManager, type Mutation, type MutationOptions } from "@tanstack/query-core";
import { observable, runInAction } from "mobx";
import type { Conflicts } from "./conflicts";
import type { ManagerContext } from "./context";
import { afterDestroy, goneTempId, OptimisticEntityError, OptimisticError, OptimisticLifecycleError, toError } from "./errors";
import type { PendingOp } from "./OptimisticLayers";
import { SendOrder, type Turn } from "./SendOrder";
import type { Entity, MutationEvent, MutationReceipt } from "./shapes";
import type { PendingCounts } from "./status";
import { keepNewest } from "./keepNewest";
import { isTempId } from "./temporaryId";
import { compareVersions } from "./versions";

type Kind = PendingOp<unknown>["kind"];

/** A change settled after `destroy()`, for the query cache (the store no longer changes). */
export type DetachedChange<TUiData> = { put: TUiData } | { remove: string };

/** What the runner needs from the other parts of its manager. */
export interface RunnerHooks<TUiData> {
  /** Applies what arrived before an answer (queued realtime events), so the answer lands after it. */
  beforeAnswer(): void;
  /** Fetches the collection (to learn the id of an entity created without an answer). */
  refetch(): void;
  /** Writes a change settled after `destroy()` (or, `key`, for a previous scope) to the query cache. */
  writeDetached(change: DetachedChange<TUiData>, key?: readonly unknown[]): void;
}

/** A change to apply again with its receipt's id (persistence stores the changes not answered). */
export interface StoredChange {
  kind: Kind;
  /** The entity's id (a temporary id while its create is not answered). */
  id: string;
  /** What the action was called with (a create's or update's data; a merged update's: the resolver's change). */
  data?: unknown;
  /** Its receipt's id: sent again with the same one, a server that records ids drops the duplicate. */
  mutationId: string;
  /**
   * An update's base with `version` or `conflict` (see `baseOf`), as the server's item: sent again,
   * it carries the same `baseVersion`, and a resolver gets the same `base`.
   */
  base?: unknown;
}

/**
 * Runs each optimistic change: applies it to the pending layer, sends it as its own TanStack Query
 * mutation (mutation cache, retries, offline pausing, `isMutating()` counts), in its entity's send
 * order, and settles exactly this change with the answer — or with the realtime echo carrying its
 * receipt, whichever comes first.
 *
 * Offline queue: query-core pauses a mutation while `onlineManager` says offline and resumes it when
 * back online. A mutation made offline (or while the queue still drains) also gets the manager's
 * mutation `scope`, so query-core sends the queued ones one after another, in the order they were
 * made. `queuedCount` counts the changes paused so, until they are sent.
 */
export class MutationRunner<TApiData, TUiData extends Entity> {
  /** Mutations in flight by kind (observable): the status flags. */
  readonly counts = observable<PendingCounts>({ create: 0, update: 0, remove: 0 });
  readonly #ctx: ManagerContext<TApiData, TUiData>;
  readonly #hooks: RunnerHooks<TUiData>;
  /** mutationId → its change, from when it is made until it is answered (persistence reads it). */
  readonly inFlight = new Map<string, PendingOp<TUiData>>();
  /** Temporary id → settles when its create does (rejecting with the create's error). */
  readonly #creates = new Map<string, Promise<void>>();
  /** Creates in flight → what settles them when their realtime echo comes first. */
  readonly #echoes = new Map<PendingOp<TUiData>, (entity: TUiData | undefined) => void>();
  #order: SendOrder;
  readonly #conflicts: Conflicts<TApiData, TUiData> | undefined;
  /** With `version` or `conflict`: the entity each update was made on (confirmed, else visible). */
  readonly #bases = new WeakMap<PendingOp<TUiData>, TUiData | undefined>();
  /** With `version`: per entity, this client's latest answer (and when it came), while changes are in flight. */
  readonly #answers = new Map<string, { seq: number; entity: TUiData }>();
  /** Changes in flight when the scope changed: the previous scope's query key, where they settle. */
  readonly #detached = new WeakMap<PendingOp<TUiData>, readonly unknown[]>();
  /** Changes never sent because the create of their entity failed (they fail with its error). */
  readonly #behindFailedCreate = new WeakSet<PendingOp<TUiData>>();
  /**
   * Changes refused after they were sent, receipt → entity (the newest 64, {@link keepNewest}): a proxy's
   * 504 or a timeout may fail a call the server carried out, and its echo is then the server's word.
   */
  readonly #refused = new Map<string, string>();
  /**
   * With realtime, updates answered before their echo came (the newest 64, {@link keepNewest}), receipt → its
   * entity's count of other clients' events (`#events`) and that count then. An event applied since came
   * before the echo, so the server wrote it before this update: it showed an older value, which the echo then replaces.
   */
  readonly #unechoed = new Map<string, { of: { n: number }; at: number }>();
  /**
   * The entities of the newest 64, {@link keepNewest} updates remembered in `#unechoed` → how many other
   * clients' events were applied to each (an id-keyed index: each event costs one lookup). Those of
   * every update still remembered are among them.
   */
  readonly #events = new Map<string, { n: number }>();
  /**
   * Ids the client picked whose kept failed create was discarded → when: the changes made on its row
   * before that name nothing on the server (a change made since is sent, as on any id). A temporary
   * id names nothing once its create is gone, so it is not kept; nor is any once no change is in flight.
   */
  readonly #discardedIds = new Map<string, number>();
  /**
   * Changes settled by their echo before they were sent (again) → the echo's answer, as the server's
   * item: a restored change the previous page had sent, a retry of a call the server carried out.
   * The server has them: their turn answers with the echo instead of sending them again.
   */
  readonly #echoed = new WeakMap<PendingOp<TUiData>, unknown>();
  /** Changes queued for the network → settles one now with its echo's answer (it will not be sent). */
  readonly #settleQueued = new WeakMap<PendingOp<TUiData>, () => void>();
  /**
   * Changes paused by query-core until the network is back. A plain set beside an observable count
   * (`queuedCount`): the set is read outside reactions, where MobX's `observableRequiresReaction` would warn.
   */
  readonly #queued = new Set<PendingOp<TUiData>>();
  readonly #queuedCount = observable.box(0, { deep: false });
  /**
   * Mutations in flight → what to do when query-core pauses one (queue it, offline; also between two
   * attempts), when the app clears the mutation cache, or when `dropQueued()` drops the paused ones;
   * the mutation cache is listened to while any is in flight.
   */
  readonly #pausable = new Map<object, (event: "pause" | "removed" | "drop", cause?: string) => void>();
  /** Changes the client's mutation `retry` may send again: the next change of their entity waits until they settle. */
  readonly #retried = new WeakSet<PendingOp<TUiData>>();
  #stopPauses: (() => void) | undefined;
  #clear!: () => void;
  /** Resolves (`#clear`) at the next `store.clear()`: a change still waiting for its turn is dropped then. */
  #cleared = new Promise<void>((resolve) => (this.#clear = resolve));
  /** Mutations of the offline scope not settled yet: while any is, new ones join the scope (order). */
  #scoped = 0;
  #sequence = 0;

  constructor(ctx: ManagerContext<TApiData, TUiData>, hooks: RunnerHooks<TUiData>, conflicts?: Conflicts<TApiData, TUiData>) {
    this.#ctx = ctx;
    this.#hooks = hooks;
    this.#conflicts = conflicts;
    this.#order = new SendOrder((id) => ctx.layers.resolve(id));
    // A write status read earlier may name changes discarded since (or dropped with their entity): only those still kept count.
    const kept = (ops: Iterable<PendingOp<TUiData>>) => [...ops].filter((op) => op.failed && ctx.layers.isPending(op));
    ctx.layers.failedChanges = {
      // In one action: reactions see the entity's changes only once all are in their new order.
      retry: (ops) => ctx.isDestroyed() ? Promise.reject(afterDestroy("retry()", ctx.name)) : Promise.all(runInAction(() => kept(ops).sort(bySeq).map((op) => this.#resend(op)))).then(() => undefined),
      discard: (ops) => this.#discard(kept(ops)),
    };
  }

  /** How many changes wait for the network (observable). */
  get queuedCount(): number {
    return this.#queuedCount.get();
  }

  /** Counts `op` as waiting for the network, or no longer. */
  #setQueued(op: PendingOp<TUiData>, queued: boolean): void {
    if (this.#queued.has(op) === queued) return;
    if (queued) this.#queued.add(op);
    else this.#queued.delete(op);
    runInAction(() => this.#queuedCount.set(this.#queued.size));
  }

  /** A number unique to this manager (receipts and temporary ids). */
  next(): number {
    return ++this.#sequence;
  }

  /** Sends a kept failed change again, with what its action was called with. */
  #resend(op: PendingOp<TUiData>): Promise<unknown> {
    this.#behindFailedCreate.delete(op);
    return op.kind === "create" ? this.create(op, op.input, true) : op.kind === "update" ? this.update(op, op.input, true) : this.remove(op, true);
  }

  /** Drops kept failed changes: exactly their own effect disappears, in one action (no reaction sees half of them gone). */
  #discard(ops: Iterable<PendingOp<TUiData>>): void {
    runInAction(() => {
      for (const op of ops) {
        if (op.kind === "create" && !isTempId(op.id)) this.#discardedIds.set(op.id, this.#ctx.layers.nextSeq());
        this.#ctx.layers.fail(op);
        this.#emit("discarded", op);
      }
    });
  }

  /**
   * Applies a create (or, `retry`, sends a kept failed one again) and runs its server call; a
   * restored change comes with its receipt's original `mutationId`.
   */
  create(op: PendingOp<TUiData>, data: unknown, retry = false, mutationId?: string): Promise<TApiData> {
    const { config } = this.#ctx;
    this.#discardedIds.delete(op.id);
    let settled!: (error?: unknown) => void;
    const outcome = new Promise<void>((resolve, reject) => {
      settled = (error) => (error === undefined ? resolve() : reject(error));
    });
    outcome.catch(() => undefined);
    this.#creates.set(op.id, outcome);
    const turn = this.#order.take(op.id);
    const forget = () => {
      if (this.#creates.get(op.id) === outcome) this.#creates.delete(op.id);
      this.#echoes.delete(op);
    };
    this.#echoes.set(op, (entity) => this.#settleCreate(op, entity, turn, settled));
    const key = this.#receipt(mutationId);
    op.input = data;
    return this.#run(op, key, retry, data, turn, (variables) => this.#send(key, () => config.mutations.create(variables, key)), (result) => {
      const answer = this.#answerEntity(result, "create");
      const away = this.#away(op);
      if (away) {
        if (answer) this.#hooks.writeDetached({ put: answer }, this.#detached.get(op));
        settled(new OptimisticLifecycleError(`create on "${this.#ctx.name}" was answered after ${this.#detached.has(op) ? "the scope changed" : "destroy()"}.`));
        turn.done();
      } else this.#settleCreate(op, answer, turn, settled);
      forget();
      return away ? null : answer;
    }).catch((error: unknown) => {
      settled(error);
      turn.done();
      forget();
      throw error;
    });
  }

  /**
   * Applies an update (or, `retry`, sends a kept failed one again) and runs its server call. A
   * restored change comes with its receipt's original `mutationId` and its stored base.
   */
  update(op: PendingOp<TUiData>, data: unknown, retry = false, mutationId?: string, base?: TUiData): Promise<TApiData> {
    const { config, layers } = this.#ctx;
    const versions = layers.versions;
    const conflicts = this.#conflicts;
    if (!retry && (versions || conflicts)) this.#bases.set(op, base ?? layers.confirmed(op.id) ?? layers.entities.peek(op.id));
    const create = this.#createOf(op.id);
    const turn = this.#order.take(op.id);
    const key = this.#receipt(mutationId);
    const sendOnce = (id: string, payload: unknown, server: TUiData | undefined): Promise<TApiData> => {
      if (!versions && !conflicts) return this.#send(key, () => config.mutations.update({ id, data: payload }, key));
      const conflicted = server && key.mutationId;
      if (server) {
        // Sent again: a new receipt (the conflicted call wrote nothing), made from the last, so that
        // managers that joined that call (restored from one storage) join this one too.
        this.inFlight.delete(key.mutationId);
        op.mutationId = key.mutationId = `${key.mutationId}+`;
        this.inFlight.set(key.mutationId, op);
        if (layers.emit) this.#emit("retried", op, { data: (op as PendingOp<TUiData> & { kind: "update" }).patch });
      }
      const receipt: MutationReceipt = { ...key };
      const base = versions && this.#versionBase(op as PendingOp<TUiData> & { kind: "update" });
      // Read from the server's item only when the mutation function asks for it.
      if (base) Object.defineProperty(receipt, "baseVersion", { get: () => versions.sent(base), enumerable: true });
      return this.#send(receipt, () => config.mutations.update({ id, data: payload }, receipt), conflicted);
    };
    const call = () =>
      this.#sendInTurn(
        op,
        turn,
        create,
        (id) => {
          // An entity whose create failed (and is kept) does not exist on the server: sent on retry.
          const failedCreate = this.#failedCreate(id);
          if (failedCreate) {
            this.#behindFailedCreate.add(op);
            throw failedCreate.failed;
          }
          // Its create is gone (discarded while this change waited): the temporary id names nothing on the server.
          if (this.#createGone(op, id)) throw goneTempId("update", this.#ctx.name, id);
          const updateOp = op as PendingOp<TUiData> & { kind: "update" };
          // The resolver's `base` is the entity the change is sent on: with `version`, this client's own answer since it was made.
          const base = versions ? this.#versionBase(updateOp, false) : this.#bases.get(op);
          return conflicts ? conflicts.send(updateOp, data, base, (payload, server) => sendOnce(id, payload, server), () => this.#detached.has(op)) : sendOnce(id, data, undefined);
        },
        // With versions, the next change of the entity is made on this one's answer: it waits for it.
        versions !== undefined,
      );
    op.input = data;
    const sent = this.#run(op, key, retry, { id: op.id, data }, turn, call, (result) => {
      const answer = this.#answerEntity(result, "update", op.id);
      const away = this.#away(op);
      // The next change of the entity is based on this answer, also in another scope; not after clear() forgot it.
      const based = versions && answer && (away || layers.isPending(op));
      if (away) {
        if (answer) this.#hooks.writeDetached({ put: answer }, this.#detached.get(op));
      } else {
        // Answered before its echo: events arriving until the echo does are older than this answer.
        if (answer && this.#ctx.config.realtime && layers.isPending(op)) {
          const of = this.#events.get(answer.id) ?? { n: 0 };
          // Made the newest: it outlives the updates remembered before this one.
          this.#events.delete(answer.id);
          keepNewest(this.#events, answer.id, of);
          keepNewest(this.#unechoed, key.mutationId, { of, at: of.n });
        }
        layers.succeed(op, answer);
      }
      if (based) this.#answers.set(op.id, { seq: layers.nextSeq(), entity: answer });
      return away ? null : answer;
    });
    return versions ? sent.finally(() => turn.done()) : sent;
  }

  /**
   * The changes not answered yet (a failed one kept visible was answered), in the order they were
   * made: what persistence stores. An update keeps its base with `version` or `conflict`: with
   * `version`, the entity its `baseVersion` is read from, so a reload never sends it on a newer
   * version that arrived while it was in flight; else the entity it was made on.
   */
  unanswered(): StoredChange[] {
    const { layers, codec } = this.#ctx;
    return [...this.inFlight.values()]
      .filter((op) => layers.isPending(op) && !op.failed)
      .sort((a, b) => a.seq - b.seq)
      .map((op) => {
        const base = op.kind !== "update" ? undefined : layers.versions ? this.#versionBase(op) : this.#bases.get(op);
        return { kind: op.kind, id: op.id, data: op.input, mutationId: op.mutationId!, base: base && codec.toItem(base) };
      });
  }

  /** Sends the changes `make` makes one at a time, in order, as changes queued offline are (restored ones). */
  inOrder(make: () => void): void {
    this.#scoped++;
    try {
      make();
    } finally {
      this.#scoped--;
    }
  }

  /**
   * The entity whose version an update is based on: the one it was made on, or (`rebased`) the
   * server's since a conflict; or, newer, this client's own answer to a change of the entity made before it.
   */
  #versionBase(op: PendingOp<TUiData> & { kind: "update" }, rebased = true): TUiData | undefined {
    const versions = this.#ctx.layers.versions!;
    const base = (rebased ? this.#conflicts?.rebased(op) : undefined) ?? this.#bases.get(op);
    const own = this.#answers.get(op.id);
    // A retried change counts from when it was made: this client's answers since are its base too.
    if (!own || own.seq < (op.change ?? op.seq)) return base;
    return base === undefined || compareVersions(versions.of(own.entity), versions.of(base)) >= 0 ? own.entity : base;
  }

  remove(op: PendingOp<TUiData>, retry = false, mutationId?: string): Promise<void | { id: string }> {
    const { config, layers } = this.#ctx;
    // Removing an entity whose create failed needs no server call: it never existed (and its kept
    // failed changes go with it).
    // A create answered without an entity (or forgotten) made one whose id is unknown here: the remove cannot be sent.
    const created = this.#createOf(op.id)?.then(
      () => true,
      (error: unknown) => (error instanceof OptimisticEntityError || error instanceof OptimisticLifecycleError ? error : false),
    );
    let neverExisted = false;
    const turn = this.#order.take(op.id);
    const key = this.#receipt(mutationId);
    const call = () =>
      this.#sendInTurn(op, turn, undefined, async (id) => {
        const outcome = await created;
        if (outcome instanceof Error) {
          this.#behindFailedCreate.add(op);
          throw outcome;
        }
        neverExisted = outcome === false || this.#failedCreate(id) !== undefined || this.#createGone(op, id);
        return neverExisted ? undefined : this.#send(key, () => config.mutations.remove(id, key));
      });
    return this.#run(op, key, retry, op.id, turn, call, () => {
      if (this.#away(op)) {
        this.#hooks.writeDetached({ remove: op.id }, this.#detached.get(op));
        return null;
      }
      layers.succeed(op, undefined);
      // Emitted before the discards it causes.
      this.#emit("succeeded", op);
      if (neverExisted) this.#discard(layers.failedOf(op.id));
      return null;
    });
  }

  /**
   * Settles the change made with `mutationId` from its realtime echo; returns the change it settled,
   * if one was pending, null for a change of a previous scope (its echo is not this store's), or
   * false for a change refused after it was sent (its echo is the server's event, to apply).
   */
  acknowledge(mutationId: string, deleted: boolean, entity: () => TUiData | undefined): PendingOp<TUiData> | null | false | undefined {
    const { layers } = this.#ctx;
    const op = this.inFlight.get(mutationId);
    if (op && this.#detached.has(op)) return null;
    if (!op) {
      const late = this.#unechoed.get(mutationId);
      this.#unechoed.delete(mutationId);
      return this.#refusedEcho(mutationId, deleted, entity) ?? (late && late.of.n > late.at ? false : undefined);
    }
    if (!layers.isPending(op)) return undefined;
    const answer = this.#echoAnswer(op, deleted, entity);
    if (answer === false) return undefined;
    this.#answeredOf(op.id);
    this.#echoed.set(op, answer && this.#ctx.codec.toItem(answer));
    if (op.kind === "create") this.#echoes.get(op)?.(answer);
    else layers.succeed(op, answer);
    // With `version`, the entity's next change is sent on this answer, as on its call's (which then settles nothing).
    if (layers.versions && answer && op.kind === "update") this.#answers.set(op.id, { seq: layers.nextSeq(), entity: answer });
    // Not while the event is applied: settling applies the events that arrived before it first.
    void Promise.resolve().then(() => this.#settleQueued.get(op)?.());
    return op;
  }

  /**
   * What an echo answers `op` with (undefined: a deletion), or false when it answers nothing: a
   * DELETE answers a remove only (for another change it is a deletion, applied as one: an update
   * that archived the entity); data without a usable id (reported by the conversion), or of another
   * entity, answers nothing (the HTTP answer will).
   */
  #echoAnswer(op: PendingOp<TUiData>, deleted: boolean, entity: () => TUiData | undefined): TUiData | undefined | false {
    if ((op.kind === "remove") !== deleted) return false;
    if (deleted) return undefined;
    const echoed = entity();
    return echoed !== undefined && (op.kind === "create" || this.#ctx.codec.ofEntity(echoed, op.id, "the realtime echo to an update", "realtime", echoed)) ? echoed : false;
  }

  /** Another client's event wrote `id`: the echo of an update of it answered before is newer, applied when it comes. */
  overwritten(id: string): void {
    const of = this.#events.get(id);
    if (of) of.n++;
  }

  /**
   * A change of `id` was answered: the echo of one refused before it would be older news. Not for a
   * temporary id (a create's retry): the refused attempt's echo is another entity the server made.
   */
  #answeredOf(id: string): void {
    if (this.#refused.size > 0 && !isTempId(id)) for (const [mutationId, of] of this.#refused) if (of === id) this.#refused.delete(mutationId);
  }

  /**
   * The echo of a change whose call failed after it was sent: the server carried it out. A kept
   * failed change it answers is settled by it, as its answer would (returned); otherwise it is the
   * server's event, to apply (false).
   */
  #refusedEcho(mutationId: string, deleted: boolean, entity: () => TUiData | undefined): PendingOp<TUiData> | false | undefined {
    const id = this.#refused.get(mutationId);
    if (id === undefined) return undefined;
    this.#refused.delete(mutationId);
    const { layers } = this.#ctx;
    const kept = layers.failedOf(id).find((op) => op.mutationId === mutationId);
    const answer = kept ? this.#echoAnswer(kept, deleted, entity) : false;
    if (!kept || answer === false) return false;
    this.#answeredOf(id);
    runInAction(() => {
      if (kept.kind === "create") this.#order.move(id, layers.succeedCreate(kept, answer));
      else layers.succeed(kept, answer);
      this.#emit("succeeded", kept, answer ? { data: answer } : {});
    });
    return kept;
  }

  /** Tells the event log (when it listens) of a phase of `op`. */
  #emit(phase: MutationEvent["phase"], op: PendingOp<TUiData>, extra?: Partial<MutationEvent>): void {
    this.#ctx.layers.emit?.({ type: "mutation", phase, kind: op.kind, id: op.id, mutationId: op.mutationId ?? "", change: op.change ?? op.seq, ...extra });
  }

  /**
   * Drops the changes still queued for the network, unsent (their actions reject): on `destroy()`
   * and `store.clear()`, whose name `cause` is. Persistence has stored them before.
   */
  dropQueued(cause: string): void {
    // Also a retry query-core holds back for an unfocused window: after destroy() nothing resumes it.
    for (const on of [...this.#pausable.values()]) on("drop", cause);
  }

  /**
   * Why `op` must not be sent: its manager was destroyed (sent before, or `behindCreate`: it waited
   * for the create of its entity), store.clear() forgot it, or (once it was sent: a retry would go
   * with the next user's credentials) its scope was left.
   */
  #gone(op: PendingOp<TUiData>, sentBefore: boolean, behindCreate = true): string | undefined {
    if (this.#ctx.isDestroyed() && (sentBefore || behindCreate)) return "the manager was destroyed";
    if (this.#detached.has(op)) return sentBefore ? "the scope changed" : undefined;
    if (!this.#ctx.layers.isPending(op)) return "store.clear() ran";
  }

  /** Calls the server with receipt `key`; with `persist`, through persistence, which shares calls among the client's managers (`ctx.send`). */
  #send<T>(key: MutationReceipt, send: () => Promise<T>, conflicted?: string | false): Promise<T> {
    const shared = this.#ctx.send;
    return shared ? shared(key.mutationId, send, conflicted) : send();
  }

  /** Each receipt's id is unique to this manager instance, also across reloads with one `browserId`. */
  #receipt(mutationId = `${this.#ctx.instanceId}:${this.next()}`): MutationReceipt {
    return { mutationId, originId: this.#ctx.originId };
  }

  /** Applies the change, runs its server call through query-core and settles the change with its result. */
  #run<TResult>(
    op: PendingOp<TUiData>,
    key: MutationReceipt,
    retry: boolean,
    variables: unknown,
    turn: Turn,
    mutationFn: (variables: unknown) => Promise<TResult>,
    /** Settles the change with the answer; returns the server's entity (null: already told). */
    settle: (result: TResult) => TUiData | undefined | null | void,
  ): Promise<TResult> {
    const { client, layers, reporter, name } = this.#ctx;
    const kind = op.kind;
    op.mutationId = key.mutationId;
    runInAction(() => {
      if (retry) layers.retrying(op);
      else layers.begin(op);
      this.counts[kind]++;
      if (layers.emit) this.#emit(retry ? "retried" : "applied", op, retry ? { order: op.seq } : { data: op.kind === "create" ? op.entity : op.kind === "update" ? op.patch : undefined });
    });
    this.inFlight.set(key.mutationId, op);
    reporter.debug?.(`${kind} applied`, { id: op.id, mutationId: key.mutationId });
    // Offline, or behind changes queued offline: one scope, so query-core sends them in order. Not a
    // retried create: changes of its entity queued before the retry wait for it. Nor with the
    // client's `networkMode` "always" or "offlineFirst": query-core sends it offline too (its first
    // attempt), and so at once.
    const scoped =
      (this.#scoped > 0 || (!onlineManager.isOnline() && (client.defaultMutationOptions<MutationOptions>({ mutationKey: [name, kind] }).networkMode ?? "online") === "online")) &&
      !(retry && kind === "create");
    if (scoped) this.#scoped++;
    const unqueue = () => this.#setQueued(op, false);
    // Built and run from the mutation cache: what an observer per call would add (listeners, result
    // objects) serves nobody here. Retries, offline pausing, the cache's callbacks and isMutating() stay.
    // It leaves the cache once settled, and arms no garbage-collection timer (`gcTime: Infinity`):
    // with `gcTime: 0`, query-core re-arms a 0 ms timer every macrotask while the mutation is
    // pending, all the time a change waits offline.
    const cache = client.getMutationCache();
    /** Dropped unsent (destroy(), clear()) while queued, and settled then: query-core may still have started sending it. */
    let dropped: Error | undefined;
    let attempts = 0;
    const mutation: Mutation<TResult, Error, unknown> = cache.build(client, {
      mutationKey: [name, kind],
      mutationFn: (variables) => {
        unqueue();
        // A retry of a change whose scope was left (it would go with the next user's credentials), or forgotten.
        const gone = ++attempts > 1 && this.#gone(op, true);
        if (!dropped && this.#echoed.has(op)) return Promise.resolve(this.#echoed.get(op) as TResult);
        if (dropped || gone) return Promise.reject(dropped ?? notSent(op, name, `${gone} before its next attempt`));
        return mutationFn(variables);
      },
      gcTime: Infinity,
      scope: scoped ? { id: name } : undefined,
    });
    // The client's retries are for the server's failures: a change not sent (dropped, behind a failed create) has failed for good.
    const retries = mutation.options.retry;
    if (retries) {
      this.#retried.add(op);
      mutation.options.retry = (count, error) =>
        !dropped && !(error instanceof OptimisticLifecycleError) && !this.#behindFailedCreate.has(op) && !this.#gone(op, true) && (typeof retries === "function" ? retries(count, error) : retries === true || count < retries);
    }
    let finished = false;
    const finish = (ok: boolean, result: unknown) => {
      // Settled by its echo while queued, then resumed by query-core in the same moment: once only.
      if (finished) return;
      finished = true;
      this.#settleQueued.delete(op);
      this.#unpausable(mutation);
      cache.remove(mutation);
      unqueue();
      turn.done();
      if (scoped) this.#scoped--;
      // Events that arrived before this answer go first (this change's own echo among them).
      if (!this.#ctx.isDestroyed()) this.#hooks.beforeAnswer();
      this.inFlight.delete(key.mutationId);
      reporter.debug?.(`${kind} ${ok ? "confirmed" : "rolled back"}`, { id: op.id, mutationId: key.mutationId });
      runInAction(() => {
        this.counts[kind]--;
        // With nothing in flight, no change waits to be based on an earlier answer.
        if (this.inFlight.size === 0) this.#answers.clear();
        if (ok) {
          this.#answeredOf(op.id);
          const answer = settle(result as TResult);
          if (answer !== null && layers.emit && !this.#ctx.isDestroyed()) this.#emit("succeeded", op, answer ? { data: answer } : {});
        } else if (this.#away(op)) return;
        else {
          // Sent, and still the store's (not forgotten by clear(), nor settled by its echo).
          if (attempts > 0 && layers.isPending(op)) keepNewest(this.#refused, key.mutationId, op.id);
          const error = toError(result);
          // A conflict the strategy settled for the server's entity drops the change, kept or not,
          // as does a newer answered update that set its every field (also when answered first).
          const kept = !!this.#ctx.config.keepFailed && !this.#orphan(op) && !this.#conflicts?.drops(result) && !layers.isMoot(op);
          if (kept) layers.keepFailed(op, error);
          else layers.fail(op);
          this.#emit("failed", op, { error: error.message, kept });
        }
      });
      // With nothing in flight, no change made on a discarded create's row is left to check.
      if (this.inFlight.size === 0) this.#discardedIds.clear();
      (ok ? resolve : reject)(result as TResult);
    };
    let resolve!: (result: TResult) => void;
    let reject!: (error: unknown) => void;
    const settled = new Promise<TResult>((ok, fail) => ((resolve = ok), (reject = fail)));
    // A dropped change was settled when it was dropped; its mutation can only reject with that.
    mutation.execute(variables).then(
      (result) => finish(true, result),
      (error: unknown) => dropped || finish(false, error),
    );
    const drop = (error: Error) => {
      dropped = error;
      finish(false, error);
    };
    // Paused for the network (or behind the queue), at once or between two attempts: counted until
    // sent; dropped unsent by dropQueued(), or at once when paused once it must not be sent again.
    const queue = () => {
      // Settled by its echo before query-core paused it (a restored change behind the one before it): answered, not dropped.
      if (this.#echoed.has(op)) return finish(true, this.#echoed.get(op));
      const gone = this.#gone(op, true);
      if (gone) drop(notSent(op, name, `${gone} before its next attempt`));
      else {
        this.#setQueued(op, true);
        // Settled by its echo while queued: nothing is sent, it is answered (and no longer queued) now.
        this.#settleQueued.set(op, () => this.#queued.has(op) && finish(true, this.#echoed.get(op)));
      }
    };
    if (mutation.state.isPaused) queue();
    /** queryClient.clear() took it out of the cache: query-core never resumes it once paused. */
    let removed = false;
    const cleared = () => drop(notSent(op, name, "the QueryClient's mutation cache was cleared while it was queued"));
    this.#pausable.set(mutation, (event, cause) => {
      const paused = mutation.state.isPaused;
      // Queued: also in the moment query-core resumes it, before it calls the mutation function.
      if (event === "drop") {
        if (this.#queued.has(op)) drop(notSent(op, name, `${cause} while it was queued`));
        else if (paused) drop(notSent(op, name, `${cause} while it waited for its next attempt`));
      } else if (event === "removed") {
        removed = true;
        if (paused) cleared();
      } else if (removed) cleared();
      // Paused for the network (not for an unfocused window, which query-core also waits for).
      else if (!onlineManager.isOnline() || this.#gone(op, true)) queue();
    });
    this.#stopPauses ??= cache.subscribe((event) => {
      if (event.type === "removed" || (event.type === "updated" && event.action.type === "pause")) this.#pausable.get(event.mutation)?.(event.type === "removed" ? "removed" : "pause");
    });
    return settled;
  }

  /** `mutation` settled: its pauses no longer matter (nor, with none in flight, any). */
  #unpausable(mutation: object): void {
    if (!this.#pausable.delete(mutation) || this.#pausable.size > 0) return;
    this.#stopPauses?.();
    this.#stopPauses = undefined;
  }

  /**
   * Sends a change once its turn comes, with the id the server knows (the next change of the entity
   * may go as soon as this one is sent). A change still waiting when the store was cleared or the
   * manager destroyed is dropped, never sent.
   */
  async #sendInTurn<R>(op: PendingOp<TUiData>, turn: Turn, create: Promise<void> | undefined, send: (id: string) => Promise<R>, untilAnswered = false): Promise<R> {
    let sent: Promise<R> | undefined;
    // store.clear() drops a change still waiting at once, not when its turn comes (a change of a
    // scope left still goes: it is detached, not forgotten).
    // Made only when waited for: a refused create must leave no rejection nobody handles.
    const unlessCleared = (waiting: () => Promise<unknown>) => {
      if (!this.#ctx.layers.isPending(op) && !this.#detached.has(op)) return;
      const wait = waiting();
      return Promise.race([wait, this.#cleared.then(() => this.#detached.has(op) && wait)]);
    };
    try {
      if (turn.prior) await unlessCleared(() => turn.prior!);
      // The create of its entity: in flight when the change was made, or a kept failed one that
      // retry() sent again since (it goes first, as for a change made after the retry).
      const created = create ?? this.#createOf(op.id);
      if (created) {
        await unlessCleared(() =>
          created.catch((error: unknown) => {
            // A retried create that fails again is a kept failed one: the change sees it when sending (a remove then needs no call).
            if (created !== create && !(error instanceof OptimisticError)) return;
            this.#behindFailedCreate.add(op);
            throw error;
          }),
        );
      }
      if (this.#echoed.has(op)) return (sent = Promise.resolve(this.#echoed.get(op) as R));
      // A change of the previous scope still goes to its server (its answer settles into that scope's
      // cache); so does one made before destroy() that waited for no create (save and close).
      const gone = this.#gone(op, false, !!created);
      if (gone) throw notSent(op, this.#ctx.name, `${gone} while it waited ${created ? "for the create of that entity" : "to be sent"}`);
      sent = send(op.id);
    } finally {
      // `untilAnswered`: the caller ends the turn once the answer is applied.
      if ((!untilAnswered && !this.#retried.has(op)) || !sent) turn.done();
    }
    return sent;
  }

  /**
   * The scope changed: the changes in flight belong to the previous scope's query (`key`). Their
   * answers settle into its cache, never into the store. An entity keeps its send order and (with
   * `version`) its answers across scopes: a scope may be a filter, showing the same entity again.
   */
  detach(key: readonly unknown[]): void {
    // A change detached before stays with the query it was made for (a scope left and came back to).
    for (const op of this.inFlight.values()) if (!this.#detached.has(op)) this.#detached.set(op, key);
    this.#unechoed.clear();
    this.#events.clear();
  }

  /** `store.clear()`: changes made from now on wait for none in flight, nor are based on their answers. */
  forget(): void {
    this.#clear();
    this.#cleared = new Promise<void>((resolve) => (this.#clear = resolve));
    this.#order = new SendOrder((id) => this.#ctx.layers.resolve(id));
    this.#answers.clear();
    this.#refused.clear();
    this.#unechoed.clear();
    this.#events.clear();
  }

  /** Whether `op` no longer belongs to the store (the manager was destroyed, or its scope left). */
  #away(op: PendingOp<TUiData>): boolean {
    return this.#ctx.isDestroyed() || this.#detached.has(op);
  }

  /**
   * A failed change with nothing to keep it for: its entity's create is gone (failed and dropped;
   * its id is temporary, or one the client picked and the change failed because the create did),
   * or was answered without an entity (its server id is unknown: a retry could only send the
   * temporary id), or its entity was deleted since it was made (unless the id is a create's: a new entity).
   */
  #orphan(op: PendingOp<TUiData>): boolean {
    const { layers } = this.#ctx;
    if (layers.hasCreate(op.id)) return layers.awaitsServerId(op.id);
    return this.#createGone(op) || this.#behindFailedCreate.has(op) || layers.deletedSince(op.id, op.created ?? op.seq);
  }

  /**
   * The create a change of `id` waits for: its entity's create, while the store holds it. One that
   * store.clear() forgot is not waited for: a change made since targets another entity of that id.
   */
  #createOf(id: string): Promise<void> | undefined {
    const create = this.#creates.get(id);
    return create && this.#ctx.layers.hasCreate(id) ? create : undefined;
  }

  /**
   * Whether `op`'s entity (`id`) names nothing on the server: a temporary id whose create is gone
   * (failed, or discarded since the change was made), or an id the client picked whose create was
   * discarded after the change was made on its row.
   */
  #createGone(op: PendingOp<TUiData>, id = op.id): boolean {
    return !this.#ctx.layers.hasCreate(id) && (isTempId(id) || (this.#discardedIds.get(id) ?? 0) > (op.change ?? op.seq));
  }

  /** The kept failed create of `id`, if its create failed and is kept for retry. */
  #failedCreate(id: string): PendingOp<TUiData> | undefined {
    return this.#ctx.layers.failedOf(id).find((op) => op.kind === "create");
  }

  /** A create's server entity is known (answer or echo): show it and let the entity's queued changes go. */
  #settleCreate(op: PendingOp<TUiData>, entity: TUiData | undefined, turn: Turn, settled: (error?: unknown) => void): void {
    const { layers, name } = this.#ctx;
    if (!layers.isPending(op)) {
      // Settled by its echo already, or forgotten by store.clear(): its queued changes are dropped then.
      settled(new OptimisticLifecycleError(`the create of "${op.id}" on "${name}" was forgotten by store.clear()`));
      turn.done();
      return;
    }
    const tempId = op.id;
    const serverId = layers.succeedCreate(op, entity);
    this.#order.move(tempId, serverId);
    if (layers.versions && entity) this.#answers.set(serverId, { seq: layers.nextSeq(), entity });
    if (entity) settled();
    else {
      settled(new OptimisticEntityError(`create on "${name}" was answered without an entity, so its server id is unknown; the store refetches to show it. Resolve mutations.create with the created entity.`));
      this.#hooks.refetch();
    }
    turn.done();
  }

  /** The entity a mutation answered with; reports a create answered without one. */
  #answerEntity(result: unknown, kind: Kind, id?: string): TUiData | undefined {
    const { codec } = this.#ctx;
    if (result !== null && typeof result === "object") return codec.ofEntity(codec.toEntity(result, "mutation"), id, "the answer to an update", "mutation", result);
    if (kind === "create") {
      this.#ctx.reporter.dropped(new OptimisticEntityError(`create on "${this.#ctx.name}" was answered with ${String(result)} instead of the created entity.`), {
        source: "mutation",
        payload: result,
      });
    }
    return undefined;
  }
}

function notSent(op: { kind: string; id: string }, name: string, why: string): OptimisticLifecycleError {
  return new OptimisticLifecycleError(`${op.kind} of "${op.id}" on "${name}" was not sent: ${why}.`);
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}
