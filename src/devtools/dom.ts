/** Attributes of {@link el}: `class`, `data-*`, `aria-*`, `type`, … */
type Attributes = Record<string, string | undefined>;

/** Creates an element of `doc` with its attributes (undefined ones left out) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, attributes: Attributes = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** Adds a DOM listener and returns what removes it. */
export function listen(target: EventTarget, type: string, listener: (event: Event) => void): () => void {
  target.addEventListener(type, listener);
  return () => target.removeEventListener(type, listener);
}
