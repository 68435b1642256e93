import { useState } from "react";

/**
 * The side panel where the library's devtools will be mounted (the devtools issue): mount into
 * `#devtools-root`. Until then it says what it will show.
 */
export function DevtoolsSlot() {
  const [open, setOpen] = useState(false);
  return (
    <aside className={open ? "devtools open" : "devtools"} aria-label="Devtools" data-testid="devtools-panel">
      <button type="button" className="devtools-toggle" aria-expanded={open} aria-controls="devtools-root" onClick={() => setOpen(!open)} data-testid="devtools-toggle">
        {open ? "Hide devtools ›" : "‹ Devtools"}
      </button>
      {/* DEVTOOLS MOUNT POINT: the devtools panel renders into #devtools-root. */}
      <div id="devtools-root" className="devtools-body" hidden={!open} data-testid="devtools-slot">
        <h2>Devtools</h2>
        <p>
          The devtools panel mounts here: each mutation&apos;s life (applied, sent, settled), what is confirmed and what is pending
          per entity, and each refetch&apos;s counts.
        </p>
        <p className="muted">Coming with the devtools release.</p>
      </div>
    </aside>
  );
}
