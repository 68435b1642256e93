import { excerpt } from "./failures";

/** Longest text a row renders; the CSS wraps it anywhere and clamps it to a few lines. */
const SHOWN = 300;

/** User text in a row: wraps at any character and stays inside the row, however long it is. */
export function ClippedText({ text, className = "", testId }: { text: string; className?: string; testId?: string }) {
  return (
    <span className={`clip ${className}`} title={excerpt(text, SHOWN)} data-testid={testId}>
      {excerpt(text, SHOWN)}
    </span>
  );
}
