/** Shows the latest rolled-back change until dismissed. */
export function ErrorBanner({ message, onDismiss, testId }: { message: string | null; onDismiss: () => void; testId: string }) {
  if (!message) return null;
  return (
    <div role="alert" className="error" data-testid={testId}>
      <span>{message}</span>
      <button type="button" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

/** "what failed: why", for an action's rejected promise. */
export function describeFailure(what: string, error: unknown): string {
  return `${what} was rolled back: ${error instanceof Error ? error.message : String(error)}`;
}
