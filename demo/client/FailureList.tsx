import { observer } from "mobx-react-lite";
import { failures } from "./stores";
import type { Panel } from "./failures";

/** Every failed change of one panel, newest last, each dismissable. */
export const FailureList = observer(function FailureList({ panel, testId }: { panel: Panel; testId: string }) {
  const items = failures.of(panel);
  if (items.length === 0) return null;
  return (
    <div className="failures" data-testid={`${testId}s`}>
      <div className="failures-head">
        <span>
          {items.length === 1 ? "1 change failed" : `${items.length} changes failed`}
        </span>
        {items.length > 1 && (
          <button type="button" className="link" onClick={() => failures.dismissAll(panel)} data-testid={`${testId}-dismiss-all`}>
            Dismiss all
          </button>
        )}
      </div>
      <ul>
        {items.map((failure) => (
          <li key={failure.id} role="alert" className="failure" data-testid={testId}>
            <span className="failure-text">{failure.text}</span>
            <time dateTime={failure.at.toISOString()}>{failure.at.toLocaleTimeString()}</time>
            <button type="button" className="icon" onClick={() => failures.dismiss(failure.id)} aria-label="Dismiss" data-testid={`${testId}-dismiss`}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
});
