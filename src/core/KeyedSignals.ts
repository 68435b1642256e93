import { createAtom, type IAtom } from "mobx";

/**
 * One MobX atom per key, made only for keys something observes and dropped when nothing does, so
 * a reaction that reads one key runs only when that key changes, and unobserved keys cost nothing.
 */
export class KeyedSignals {
  /** Tells whether a read happens inside a reaction (only then is an atom worth making). */
  #probe: IAtom = createAtom("KeyedSignals.probe");
  #atoms = new Map<string, IAtom>();

  constructor(private readonly name: string) {}

  observe(key: string): void {
    if (!this.#probe.reportObserved()) return;
    let atom = this.#atoms.get(key);
    if (!atom) {
      atom = createAtom(`${this.name}.${key}`, undefined, () => this.#atoms.delete(key));
      this.#atoms.set(key, atom);
    }
    atom.reportObserved();
  }

  /** Whether something observes `key` now. */
  observed(key: string): boolean {
    return this.#atoms.has(key);
  }

  changed(key: string): void {
    this.#atoms.get(key)?.reportChanged();
  }

  changedAll(): void {
    for (const atom of this.#atoms.values()) atom.reportChanged();
  }
}
