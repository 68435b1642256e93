/** "live" while the panel's socket is connected: changes from other tabs arrive on their own. */
export function LiveBadge({ connected, testId }: { connected: boolean; testId: string }) {
  return (
    <span className={connected ? "badge live" : "badge"} data-testid={testId} title={connected ? "Changes from other tabs arrive as they happen." : "Not connected: changes from other tabs show after the next reload."}>
      <span className="live-dot" aria-hidden="true" />
      {connected ? "live" : "offline"}
    </span>
  );
}
