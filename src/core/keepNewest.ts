/** How many answered or refused changes a manager (and persistence, per client) remembers; the oldest is forgotten first. */
export const NEWEST_KEPT = 64;

/** Sets `key` in `map`, which keeps the newest {@link NEWEST_KEPT} entries. */
export function keepNewest<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value);
  if (map.size > NEWEST_KEPT) map.delete(map.keys().next().value!);
}
