import { observer } from "mobx-react-lite";
import { useState } from "react";
import { pageStores } from "./stores";

/**
 * Where the library's devtools panel will be mounted (the devtools issue): into `#devtools-root`,
 * with the stores of the page, `pageStores` (each panel lists its own while mounted). Until then it
 * says what it will show and which stores it will show.
 */
export const DevtoolsSlot = observer(function DevtoolsSlot() {
  const [open, setOpen] = useState(false);
  return (
    <section className={open ? "devtools open" : "devtools"} aria-label="Devtools" data-testid="devtools-panel">
      <header className="devtools-head">
        <h2>Devtools</h2>
        <button type="button" className="link" aria-expanded={open} aria-controls="devtools-root" onClick={() => setOpen(!open)} data-testid="devtools-toggle">
          {open ? "Hide" : "Show"}
        </button>
      </header>
      {/* DEVTOOLS MOUNT POINT: the devtools panel renders into #devtools-root. */}
      <div id="devtools-root" className="devtools-body" hidden={!open} data-testid="devtools-slot">
        <p>
          The devtools panel mounts here: each mutation&apos;s life (applied, sent, settled), what is confirmed and what is pending per
          entity, and each refetch&apos;s counts.
        </p>
        <p className="muted" data-testid="devtools-stores">
          Stores on this page:{" "}
          {pageStores.map(({ name, manager }, index) => (
            <span key={name}>
              {index > 0 && ", "}
              <code>{name}</code> ({manager.store.count})
            </span>
          ))}
          .
        </p>
        <p className="muted">Coming with the devtools release.</p>
      </div>
    </section>
  );
});
