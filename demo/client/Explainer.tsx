import type { ReactNode } from "react";

/** The row marks, as the rows draw them (`RowState.tsx`), and what each means. */
const LEGEND: { state: string; label: string; detail?: string; meaning: ReactNode }[] = [
  { state: "pending", label: "saving…", detail: "title", meaning: "pending, with the fields on their way" },
  { state: "pending", label: "queued", detail: "new", meaning: "pending while offline: kept in IndexedDB, sent when back online" },
  { state: "none", label: "no mark", meaning: "confirmed by the server" },
  {
    state: "failed",
    label: "not saved",
    meaning: (
      <>
        refused and kept, with Retry and Undo (todos: <code>keepFailed</code>)
      </>
    ),
  },
  { state: "rolled-back", label: "rolled back", meaning: "refused and undone at once (posts, checkboxes)" },
];

/** Confirmed vs pending in a few lines, and what each row mark means; it sits above the devtools slot. */
export function Explainer() {
  return (
    <section className="explainer" aria-labelledby="explainer-title" data-testid="explainer">
      <h2 id="explainer-title">Confirmed and pending</h2>
      <p>
        The store keeps what the server said last (<strong>confirmed</strong>) apart from the changes still on their way (
        <strong>pending</strong>), and shows pending on top:
      </p>
      <div className="layers" aria-hidden="true">
        <span className="layer layer-pending">pending changes, in order</span>
        <span className="layer layer-confirmed">confirmed: fetches, answers, other tabs</span>
        <span className="layer layer-visible">= what you see</span>
      </div>
      <p>A refused change takes away only its own fields; refetches and other tabs&apos; changes land underneath.</p>
      <ul className="legend">
        {LEGEND.map(({ state, label, detail, meaning }) => (
          <li key={label}>
            <span className={`state state-${state}`}>
              {state !== "none" && <span className="state-dot" aria-hidden="true" />}
              {label}
              {detail && <span className="state-detail"> · {detail}</span>}
            </span>
            <span>{meaning}</span>
          </li>
        ))}
      </ul>
      <p className="muted">Try it: turn on Slow writes and rename a todo, or Fail every write and tick one, or go Offline, change a few todos and reload.</p>
    </section>
  );
}
