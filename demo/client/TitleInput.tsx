import type { FocusEvent, KeyboardEvent } from "react";
import { MAX_TITLE_LENGTH } from "../server/validation";

/** A title field capped at the server's limit, with a counter once the limit is near. */
export function TitleInput(props: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  testId: string;
  placeholder?: string;
  autoFocus?: boolean;
  onKeyDown?: (event: KeyboardEvent<HTMLInputElement>) => void;
  onBlur?: (event: FocusEvent<HTMLInputElement>) => void;
}) {
  const left = MAX_TITLE_LENGTH - props.value.length;
  return (
    <span className="title-input">
      <input
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        maxLength={MAX_TITLE_LENGTH}
        placeholder={props.placeholder}
        aria-label={props.label}
        data-testid={props.testId}
        autoFocus={props.autoFocus}
        onKeyDown={props.onKeyDown}
        onBlur={props.onBlur}
      />
      {left <= 40 && (
        <span className={left <= 0 ? "counter full" : "counter"} aria-live="polite" data-testid={`${props.testId}-counter`}>
          {left <= 0 ? `${MAX_TITLE_LENGTH} characters at most` : `${left} left`}
        </span>
      )}
    </span>
  );
}
