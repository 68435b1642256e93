import { observer } from "mobx-react-lite";
import type { ReactNode } from "react";
import type { KeptFailures } from "./keptFailures";
import type { Panel } from "./failures";
import { failures } from "./stores";

interface FailureEntry {
  key: string | number;
  text: string;
  at?: Date;
  /** The entry's own buttons. */
  actions: ReactNode;
}

/** A box of failures, one entry each with its own buttons; nothing when there are none. Test ids: `<testId>s`, `<testId>`. */
function FailureBox({ heading, testId, entries, headActions }: { heading: string; testId: string; entries: FailureEntry[]; headActions?: ReactNode }) {
  if (entries.length === 0) return null;
  return (
    <div className="failures" data-testid={`${testId}s`}>
      <div className="failures-head">
        <span data-testid={`${testId}s-heading`}>{heading}</span>
        {entries.length > 1 && <span className="failures-head-actions">{headActions}</span>}
      </div>
      <ul>
        {entries.map((entry) => (
          <li key={entry.key} role="alert" className="failure" data-testid={testId}>
            <span className="failure-text">{entry.text}</span>
            {entry.at && <time dateTime={entry.at.toISOString()}>{entry.at.toLocaleTimeString()}</time>}
            {entry.actions}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Every change of one panel that was rolled back, newest last, each dismissable (panels with the default `keepFailed: false`). */
export const FailureList = observer(function FailureList({ panel, testId }: { panel: Panel; testId: string }) {
  const items = failures.of(panel);
  return (
    <FailureBox
      heading={items.length === 1 ? "1 change failed" : `${items.length} changes failed`}
      testId={testId}
      entries={items.map((failure) => ({
        key: failure.id,
        text: failure.text,
        at: failure.at,
        actions: (
          <button type="button" className="icon" onClick={() => failures.dismiss(failure.id)} aria-label="Dismiss" data-testid={`${testId}-dismiss`}>
            ×
          </button>
        ),
      }))}
      headActions={
        <button type="button" className="link" onClick={() => failures.dismissAll(panel)} data-testid={`${testId}-dismiss-all`}>
          Dismiss all
        </button>
      }
    />
  );
});

/**
 * The refused todo changes kept on screen (`keepFailed: true`), read from the write status: the
 * same entities the rows mark "not saved", counted by `status.failedCount`. Each goes away with
 * Retry (once the server takes it) or Undo (`discard()`), here or on its row.
 */
export const KeptFailureList = observer(function KeptFailureList({ kept, failedCount, testId }: { kept: KeptFailures; failedCount: number; testId: string }) {
  return (
    <FailureBox
      heading={failedCount === 1 ? "1 todo not saved" : `${failedCount} todos not saved`}
      testId={testId}
      entries={kept.items.map((item) => ({
        key: item.id,
        text: item.text,
        actions: (
          <span className="failure-actions">
            <button type="button" className="chip" onClick={() => void kept.retry(item)} data-testid={`${testId}-retry`}>
              Retry
            </button>
            <button type="button" className="chip" onClick={() => kept.undo(item)} data-testid={`${testId}-undo`}>
              Undo
            </button>
          </span>
        ),
      }))}
      headActions={
        <>
          <button type="button" className="link" onClick={() => void kept.retryAll()} data-testid={`${testId}-retry-all`}>
            Retry all
          </button>
          <button type="button" className="link" onClick={() => kept.undoAll()} data-testid={`${testId}-undo-all`}>
            Undo all
          </button>
        </>
      }
    />
  );
});
