import { observer } from "mobx-react-lite";
import { useEffect, useRef, useState } from "react";
import { mountPageDevtools } from "./pageDevtools";
import { downloadRecording, todoRecording } from "./recording";
import { pageStores } from "./stores";

/** The todos manager, while its panel is mounted. */
const todosManager = () => pageStores.find(({ name }) => name === "todos")?.manager;

/**
 * The library's devtools panel in `#devtools-root`, for every store of the page (`pageStores`;
 * mounted again with the current managers whenever a panel makes a new store, see
 * `pageDevtools.ts`). Shown on request: hidden, it is unmounted. Above it: how to read its
 * timeline, a refetch to watch land beneath pending changes, and the bug report (the todos'
 * recording as JSON).
 */
export const DevtoolsSlot = observer(function DevtoolsSlot() {
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const target = root.current;
    if (!open || !target) return undefined;
    return mountPageDevtools(target, pageStores);
  }, [open]);

  const recording = todoRecording.get();
  const todos = todosManager();
  const download = () => {
    if (!recording) return;
    const count = downloadRecording(recording);
    setSaved(`Saved ${count} event${count === 1 ? "" : "s"} of the todos.`);
  };

  return (
    <section className={open ? "devtools open" : "devtools"} aria-label="Devtools" data-testid="devtools-panel">
      <header className="devtools-head">
        <h2>Devtools</h2>
        <button type="button" className="link" aria-expanded={open} aria-controls="devtools-root" onClick={() => setOpen(!open)} data-testid="devtools-toggle">
          {open ? "Hide" : "Show"}
        </button>
      </header>
      <p className="devtools-intro" data-testid="devtools-intro">
        Each change in the timeline: <strong>applied</strong> (on screen and sent; its entity reads <em>pending</em>), then{" "}
        <strong>succeeded</strong> or its own <em>realtime … (echo)</em> (confirmed), or <strong>failed</strong> (rolled back, or kept with
        Retry and Discard). A <em>server list</em> is a refetch landing beneath pending changes; a <em>realtime</em> event without
        &ldquo;echo&rdquo; is another tab&apos;s change.
      </p>
      <div className="devtools-actions">
        <button
          type="button"
          className="secondary"
          disabled={!todos}
          onClick={() => void todos?.actions.refetch()}
          title="Fetch the todos again: with Slow writes on, rename one first and watch the list land beneath the change"
          data-testid="devtools-refetch"
        >
          Refetch todos
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!recording}
          onClick={download}
          title="The todos' events since the page loaded, as JSON: replayEvents(JSON.parse(file)) rebuilds the todos shown now"
          data-testid="devtools-download"
        >
          Download recording
        </button>
      </div>
      {saved && (
        <p className="muted" role="status" data-testid="devtools-download-status">
          {saved}
        </p>
      )}
      {/* The devtools panel (its own shadow root) is mounted into #devtools-root while shown; React puts nothing in it. */}
      <div id="devtools-root" ref={root} className="devtools-body" hidden={!open} data-testid="devtools-slot" />
    </section>
  );
});
