/**
 * What a created entity's temporary id still means once the server answered: calls made with it
 * reach the server entity (an alias), and rows keep rendering under it (a view key). Both are
 * dropped with the entity, so nothing is kept per created entity once it is gone. An alias only
 * maps an id this client made for a create, and never redirects an id that names an entity itself.
 */
export class TempIds {
  /** Temporary id → server id. */
  #aliases = new Map<string, string>();
  /** Server id → the key it was first rendered under (its temporary id). */
  #viewKeys = new Map<string, string>();

  /** The create made under `tempId` was answered with `serverId`. */
  link(tempId: string, serverId: string): void {
    this.#aliases.set(tempId, serverId);
    this.#viewKeys.set(serverId, this.viewKey(tempId));
  }

  /** The server id `id` became, if it was a temporary id (`names`: whether `id` names an entity itself). */
  resolve(id: string, names: (id: string) => boolean): string {
    const alias = this.#aliases.get(id);
    return alias === undefined || names(id) ? id : alias;
  }

  viewKey(id: string): string {
    return this.#viewKeys.get(id) ?? id;
  }

  /** Whether `id` is a temporary id that still stands for an entity. */
  has(id: string): boolean {
    return this.#aliases.has(id);
  }

  /** The entity of `id` is gone for good: its temporary id and view key mean nothing any more. */
  forget(id: string): void {
    const key = this.#viewKeys.get(id);
    if (key === undefined) return;
    this.#viewKeys.delete(id);
    if (this.#aliases.get(key) === id) this.#aliases.delete(key);
  }

  clear(): void {
    this.#aliases.clear();
    this.#viewKeys.clear();
  }
}
