import { observer } from "mobx-react-lite";
import type { Failure } from "./failures";

export type RowStateName = "pending" | "failed" | "confirmed";

/**
 * What a row's state is: a change in flight (`store.isPending(id)`), a change of it that failed
 * and was rolled back (listed in the failures), or what the server confirmed.
 * (Retry and undo of a failed change come with the library's write status.)
 */
export function rowState(isPending: boolean, failure: Failure | undefined): RowStateName {
  if (isPending) return "pending";
  return failure ? "failed" : "confirmed";
}

const LABELS: Record<RowStateName, string> = { pending: "saving…", failed: "rolled back", confirmed: "saved" };
const HINTS: Record<RowStateName, string> = {
  pending: "Shown at once; the server has not answered yet.",
  failed: "The server refused the last change; the row shows what the server has.",
  confirmed: "The server has this.",
};

export const RowStateBadge = observer(function RowStateBadge({ state, failure }: { state: RowStateName; failure?: Failure | undefined }) {
  return (
    <span className={`state state-${state}`} data-testid="row-state" data-state={state} title={state === "failed" && failure ? failure.text : HINTS[state]}>
      <span className="state-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
});
