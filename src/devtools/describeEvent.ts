import type { OptimisticEvent } from "../core/shapes";
import { preview } from "./preview";

/** One line of the panel's timeline, made from an event. */
export interface EventSummary {
  /** When it happened (ms since the epoch). */
  at: number;
  type: OptimisticEvent["type"];
  /** The mutation's phase, the realtime action or the store operation. */
  detail: string;
  /** The entity ids it concerns (for the filter): a mutation's id (and the server id a create got), the ids a server list kept. */
  ids: string[];
  /** What happened, in a few words: "update t1 applied (title)". */
  text: string;
  /** Shown on hover: the data the event carried, previewed. */
  data: string;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/**
 * Describes an event in one line. Keeps nothing of the event but short strings (a server list's
 * items are counted, not kept), so a long timeline holds little memory.
 */
export function describeEvent(event: OptimisticEvent): EventSummary {
  const base = { at: event.at, type: event.type };
  switch (event.type) {
    case "mutation": {
      const { kind, id, phase, data } = event;
      const serverId = kind === "create" && phase === "succeeded" ? (data as { id?: unknown } | undefined)?.id : undefined;
      const ids = typeof serverId === "string" && serverId !== id ? [id, serverId] : [id];
      const fields = kind === "update" && phase === "applied" && data !== null && typeof data === "object" ? ` (${Object.keys(data).join(", ")})` : "";
      const resent = phase === "retried" && data !== undefined ? ` (sent again after a conflict)` : "";
      const outcome = phase === "failed" ? `: ${event.error ?? "error"}${event.kept ? " (kept, retry or discard)" : " (rolled back)"}` : "";
      return { ...base, detail: phase, ids, text: `${kind} ${ids.join(" → ")} ${phase}${fields}${resent}${outcome}`, data: preview(data) };
    }
    case "server-list": {
      const source = event.source === "cache" ? "list from the cache" : "server list";
      const kept = event.keptPending > 0 ? `, ${event.keptPending} kept pending` : "";
      return {
        ...base,
        detail: event.source,
        ids: event.kept,
        text: `${source}: +${event.added} ~${event.changed} -${event.removed}${kept}`,
        data: `${plural(event.items.length, "item")}${event.kept.length > 0 ? `; kept against it: ${event.kept.slice(0, 20).join(", ")}` : ""}`,
      };
    }
    case "realtime":
      return { ...base, detail: event.action, ids: [event.id], text: `realtime ${event.action} ${event.id}${event.echo ? " (echo)" : ""}`, data: preview(event.data) };
    case "confirmed": {
      if (event.op === "scope") return { ...base, detail: "scope", ids: [], text: event.scope === null ? "scope: signed out" : `scope: ${String(event.scope)}`, data: "" };
      const target = event.id ?? (event.items ? `(${plural(event.items.length, "item")})` : "");
      return { ...base, detail: event.op, ids: event.id === undefined ? [] : [event.id], text: `store ${event.op}${target === "" ? "" : ` ${target}`}`, data: preview(event.data) };
    }
    default:
      return { ...base, detail: "", ids: [], text: event.type, data: "" };
  }
}
