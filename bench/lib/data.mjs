// Generated data and an instantly answering fake server, the same for every adapter.
//
// Entities have eight fields: strings, a number, a boolean, an array, a nested object and an ISO
// date string (`updatedAt`). The data is generated from a fixed seed, so every process (one per
// workload and library) works on exactly the same entities.

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"];
const TAGS = ["bug", "feature", "docs", "ui", "api", "perf", "test", "infra"];
const BASE_TIME = Date.UTC(2024, 0, 1);

/** A small deterministic PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (random, list) => list[Math.floor(random() * list.length)];

export function idOf(i) {
  return `e${String(i).padStart(6, "0")}`;
}

/** One entity as the API sends it. */
export function makeItem(i, random) {
  const tagCount = 1 + Math.floor(random() * 3);
  const tags = [];
  for (let t = 0; t < tagCount; t++) tags.push(pick(random, TAGS));
  return {
    id: idOf(i),
    title: `Task ${i} ${pick(random, WORDS)} ${pick(random, WORDS)}`,
    description: `Do the ${pick(random, WORDS)} thing with ${pick(random, WORDS)} before the ${pick(random, WORDS)} review.`,
    priority: Math.floor(random() * 5),
    done: random() < 0.3,
    tags,
    meta: { owner: `user${Math.floor(random() * 50)}`, estimate: Math.floor(random() * 13) },
    updatedAt: new Date(BASE_TIME + i * 60_000).toISOString(),
  };
}

export function makeItems(n, seed = 42) {
  const random = rng(seed);
  const items = new Array(n);
  for (let i = 0; i < n; i++) items[i] = makeItem(i, random);
  return items;
}

/** A fresh deep copy, as `JSON.parse` of a response body would give. */
export const fresh = (value) => JSON.parse(JSON.stringify(value));

/**
 * The fake server: keeps the rows, answers mutations at once (a resolved promise), and hands out
 * list responses prepared ahead of time so that parsing a response is never timed.
 */
export function createServer(n, seed = 42) {
  const rows = new Map();
  for (const item of makeItems(n, seed)) rows.set(item.id, item);
  let version = 0;
  let prepared;
  const bump = () => new Date(BASE_TIME + 10 ** 9 + ++version * 1000).toISOString();

  const server = {
    n,
    ids: [...rows.keys()],
    rows,
    /** Applies an update and returns the server's answer (a new object, `updatedAt` bumped). */
    updateSync(id, data) {
      const row = rows.get(id);
      const next = { ...row, ...data, id, updatedAt: bump() };
      rows.set(id, next);
      return next;
    },
    update(id, data) {
      return Promise.resolve(server.updateSync(id, data));
    },
    /** Creates a row and returns it; the server assigns the id unless the client sent one (TanStack DB's way). */
    createSync(data) {
      const id = typeof data.id === "string" ? data.id : `s${++version}`;
      if (rows.has(id)) throw new Error(`duplicate id ${id}`);
      const row = { ...data, id, updatedAt: bump() };
      rows.set(id, row);
      return row;
    },
    create(data) {
      try {
        return Promise.resolve(server.createSync(data));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    /** Deletes a row; the answer carries its id. */
    removeSync(id) {
      rows.delete(id);
      return { id };
    },
    remove(id) {
      return Promise.resolve(server.removeSync(id));
    },
    /** Changes `ids` on the server (title and `updatedAt`), without telling any client. */
    change(ids, tag) {
      for (const id of ids) server.updateSync(id, { title: `${rows.get(id).title.split(" #")[0]} #${tag}` });
    },
    /** Prepares the next list response (fresh objects, as parsed from JSON). */
    prepareList() {
      prepared = fresh([...rows.values()]);
    },
    /** The list response; a prepared one if there is one (it is handed out once). */
    fetchList() {
      const list = prepared ?? fresh([...rows.values()]);
      prepared = undefined;
      return Promise.resolve(list);
    },
  };
  return server;
}

/** Ids spread evenly over the store: `count` of them, shifted by `offset`. */
export function spreadIds(server, count, offset = 0) {
  const { ids } = server;
  const step = ids.length / count;
  const out = new Array(count);
  for (let k = 0; k < count; k++) out[k] = ids[(Math.floor(k * step) + offset) % ids.length];
  return out;
}

/** A realtime UPDATE event as a server would broadcast it (fresh data, a full row). */
export function makeEvent(server, id, tag) {
  const row = server.updateSync(id, { title: `${server.rows.get(id).title.split(" #")[0]} #${tag}` });
  return { type: "item_update", event: "UPDATE", data: fresh(row) };
}

/** The data of a new entity as a client submits it (no id), distinct for every `tag`. */
export function makeDraft(tag) {
  const random = rng(tag.length * 7919 + tag.charCodeAt(tag.length - 1));
  const { id: _id, ...draft } = makeItem(0, random);
  return { ...draft, title: `New task ${tag}` };
}
