// The floor: a bare Map and an equality loop over the same data. No library, no batching
// machinery, no observers beyond a counter call: the least work each job can take.

/** Deep equality for JSON-like data (what "unchanged" means for a freshly parsed entity). */
export function equal(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!equal(a[key], b[key])) return false;
  return true;
}

export const label = "floor (Map + equality loop)";

export async function create({ server, observe = {} }) {
  const counts = { entity: 0, list: 0 };
  const map = new Map();
  const onEntity = observe.entities ? () => counts.entity++ : () => {};
  const onList = observe.list ? () => counts.list++ : () => {};

  const write = (value) => {
    const current = map.get(value.id);
    if (current !== undefined && equal(current, value)) return false;
    map.set(value.id, value);
    onEntity(value.id);
    return true;
  };

  for (const item of await server.fetchList()) map.set(item.id, item);
  let sequence = 0;

  return {
    counts,
    size: () => map.size,
    read: (id) => map.get(id),
    update(id, patch) {
      if (write({ ...map.get(id), ...patch })) onList();
      if (write(server.updateSync(id, patch))) onList();
    },
    create(data) {
      // The optimistic row under a temporary id, then the server's row under its own id.
      const temp = `temp-${++sequence}`;
      map.set(temp, { ...data, id: temp });
      onEntity(temp);
      onList();
      const row = server.createSync(data);
      map.delete(temp);
      map.set(row.id, row);
      onEntity(row.id);
      onList();
    },
    remove(id) {
      if (map.delete(id)) onEntity(id), onList();
      server.removeSync(id);
    },
    async refetch() {
      const data = await server.fetchList();
      let changed = false;
      for (const item of data) if (write(item)) changed = true;
      if (map.size !== data.length) {
        const seen = new Set(data.map((item) => item.id));
        for (const id of map.keys()) if (!seen.has(id)) map.delete(id), onEntity(id), (changed = true);
      }
      if (changed) onList();
    },
    realtime(events) {
      let changed = false;
      for (const event of events) if (write(event.data)) changed = true;
      if (changed) onList();
    },
    settle() {},
    dispose() {
      map.clear();
    },
  };
}
