import { useState, type FormEvent } from "react";
import { TitleInput } from "./TitleInput";

/** Why a submitted title was not sent, or null when it can be. */
export function blankTitleHint(raw: string, what: string): string | null {
  if (raw === "") return `Type a title first: an empty ${what} is not sent.`;
  if (raw.trim() === "") return "The title is only spaces: nothing was sent. Type some text.";
  return null;
}

/**
 * A title field and its button. An empty or blank submit sends nothing and says why; a title is
 * trimmed and handed to `onAdd`. Test ids: `<prefix>-input`, `<prefix>-add`, `<prefix>-hint`.
 */
export function AddForm(props: { what: string; placeholder: string; button: string; prefix: string; onAdd: (title: string) => void }) {
  const [title, setTitle] = useState("");
  const [hint, setHint] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const why = blankTitleHint(title, props.what);
    setHint(why);
    if (why) return;
    setTitle("");
    props.onAdd(title.trim());
  };
  return (
    <>
      <form onSubmit={submit} className="add-row" noValidate>
        <TitleInput
          value={title}
          onChange={(value) => {
            setTitle(value);
            setHint(null);
          }}
          placeholder={props.placeholder}
          label={`New ${props.what}`}
          testId={`${props.prefix}-input`}
        />
        <button type="submit" className="primary" data-testid={`${props.prefix}-add`}>
          {props.button}
        </button>
      </form>
      {hint && (
        <p className="hint" role="status" data-testid={`${props.prefix}-hint`}>
          {hint}
        </p>
      )}
    </>
  );
}
