/** Entities and rows shared by the core tests. */

/** A to-do as the API sends it (and, with `transformer: false`, as the store holds it). */
export interface Todo {
  id: string;
  title: string;
  done?: boolean;
  [field: string]: unknown;
}

/** Three rows in server order. */
export const todoRows: readonly Todo[] = [
  { id: "a", title: "A", done: false },
  { id: "b", title: "B", done: false },
  { id: "c", title: "C", done: true },
];

/** Fresh copies of `todoRows`, to seed a server or a store. */
export function makeTodos(): Todo[] {
  return todoRows.map((row) => ({ ...row }));
}
