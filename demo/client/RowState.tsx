import { observer } from "mobx-react-lite";
import type { WriteStatus } from "mobx-tanstack-optimistic";
import type { Failure } from "./failures";
import { messageOf } from "./failures";

/**
 * A row's state, as its `data-state` says: a change in flight (pending), a refused change kept on
 * screen (failed, with Retry and Undo), a refused change already rolled back (rolled-back: the
 * panels that keep the library's default), or nothing unconfirmed (confirmed, shown by no mark).
 */
export type RowStateName = "pending" | "failed" | "rolled-back" | "confirmed";

/** The state of a row from its write status (`store.writeStatus(id)`). */
export function writeState(status: WriteStatus | undefined): RowStateName {
  if (!status) return "confirmed";
  return status.failed ? "failed" : "pending";
}

/** The state of a row in a panel whose refused changes roll back: pending, or rolled back while its failure is listed. */
export function rowState(isPending: boolean, failure: Failure | undefined): RowStateName {
  if (isPending) return "pending";
  return failure ? "rolled-back" : "confirmed";
}

/** What is on its way: "new" for a create, then the fields the updates change ("saving… new · title"). */
export function pendingText(status: WriteStatus): string {
  const parts = [...(status.pending.includes("create") ? ["new"] : []), ...status.fields, ...(status.pending.includes("remove") ? ["delete"] : [])];
  return parts.join(" · ");
}

/** A small coloured label; the confirmed state has none. */
function StateLabel({ state, label, title, detail }: { state: RowStateName; label: string; title: string; detail?: string }) {
  return (
    <span className={`state state-${state}`} data-testid="row-state" data-state={state} title={title}>
      <span className="state-dot" aria-hidden="true" />
      {label}
      {detail && <span className="state-detail"> · {detail}</span>}
    </span>
  );
}

/**
 * A todo row's write status: "saving…" with what is on its way while a change is in flight
 * ("queued…" while offline: it waits for the network); "not saved", the server's message and
 * Retry / Undo once a change was refused (kept by `keepFailed`); nothing once the server has
 * confirmed everything.
 */
export const WriteStatusMark = observer(function WriteStatusMark({ status, queued = false }: { status: WriteStatus | undefined; queued?: boolean }) {
  if (!status) return null;
  const inFlight = status.pending.length > 0;
  return (
    <span className="write-status">
      {inFlight &&
        (queued ? (
          <StateLabel state="pending" label="queued" detail={pendingText(status)} title="Shown at once; sent when you are back online." />
        ) : (
          <StateLabel state="pending" label="saving…" detail={pendingText(status)} title="Shown at once; the server has not answered yet." />
        ))}
      {status.failed && (
        <>
          <StateLabel state="failed" label="not saved" title="The server refused this change; it stays on screen until you retry or undo it." />
          <span className="row-error" data-testid="row-error">
            {messageOf(status.error)}
          </span>
          <button type="button" className="chip" onClick={() => void status.retry().catch(() => undefined)} data-testid="row-retry">
            Retry
          </button>
          <button type="button" className="chip" onClick={() => status.discard()} data-testid="row-undo">
            Undo
          </button>
        </>
      )}
    </span>
  );
});

/** A row's mark in a panel whose refused changes roll back (posts): "saving…" or "rolled back"; nothing when confirmed. */
export const RowStateBadge = observer(function RowStateBadge({ state, failure }: { state: RowStateName; failure?: Failure | undefined }) {
  if (state === "pending") return <StateLabel state="pending" label="saving…" title="Shown at once; the server has not answered yet." />;
  if (state === "rolled-back") {
    return <StateLabel state="rolled-back" label="rolled back" title={failure?.text ?? "The server refused the last change; the row shows what the server has."} />;
  }
  return null;
});
