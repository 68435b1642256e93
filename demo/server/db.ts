/**
 * The demo's embedded SQLite database (better-sqlite3): todos, posts (each account its own),
 * checkboxes and sign-in sessions. Several server processes may open the same file (WAL mode; writes wait for each other).
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";

export interface Todo {
  id: string;
  title: string;
  completed: boolean;
  /** Bumped on every write; a PUT with `If-Match: <version>` fails with 409 when it differs. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Post {
  id: string;
  title: string;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
}

export interface Checkbox {
  id: string;
  position: number;
  checked: boolean;
  updatedAt: string;
}

export interface User {
  username: string;
  name: string;
}

/** The demo's main account. */
export const DEMO_USER = { username: "demo", password: "demo", name: "Demo User" } as const;

/** A second account, to switch users on one page: each account reads and writes only its own posts. */
export const SECOND_USER = { username: "alex", password: "alex", name: "Alex" } as const;

const ACCOUNTS: readonly { username: string; password: string; name: string }[] = [DEMO_USER, SECOND_USER];

export const CHECKBOX_COUNT = 32;

interface TodoRow {
  id: number;
  title: string;
  completed: number;
  version: number;
  created_at: string;
  updated_at: string;
}
interface PostRow {
  id: number;
  title: string;
  body: string;
  author: string;
  created_at: string;
  updated_at: string;
}
interface CheckboxRow {
  id: number;
  position: number;
  checked: number;
  updated_at: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS todos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT 'demo',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS checkboxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    position INTEGER NOT NULL,
    checked INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS mutations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id TEXT NOT NULL UNIQUE,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
`;

/** How many applied writes the mutation log remembers (the oldest are forgotten first). */
export const MUTATION_LOG_SIZE = 5000;

/** The answer the server gave to a write it applied, kept under the write's `x-mutation-id`. */
export interface RecordedMutation {
  /** `METHOD /path` of the request. */
  route: string;
  status: number;
  body: unknown;
}

const toTodo = (row: TodoRow): Todo => ({
  id: String(row.id),
  title: row.title,
  completed: row.completed === 1,
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
const toPost = (row: PostRow): Post => ({
  id: String(row.id),
  title: row.title,
  body: row.body,
  author: row.author,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
const toCheckbox = (row: CheckboxRow): Checkbox => ({
  id: String(row.id),
  position: row.position,
  checked: row.checked === 1,
  updatedAt: row.updated_at,
});

const now = () => new Date().toISOString();

export type DemoDatabase = ReturnType<typeof openDatabase>;

/**
 * WAL lets several server processes share the file. Switching to it takes the file for a moment,
 * and SQLite answers "database is locked" at once (without waiting `timeout`) when another process
 * is opening the same file right then, so it is tried again for up to 5 s.
 */
function switchToWal(db: Database.Database) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || attempt === 100) throw error;
      Atomics.wait(pause, 0, 0, 50);
    }
  }
}

/** Opens (and on first use creates and seeds) the database at `path` (`":memory:"` for a private one). */
export function openDatabase(path: string) {
  const db = new Database(path, { timeout: 5000 });
  if (path !== ":memory:") switchToWal(db);
  db.exec(SCHEMA);
  // Files made before posts had an owner: their posts were the demo account's.
  const postColumns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('posts')").all();
  if (!postColumns.some((column) => column.name === "owner")) db.exec("ALTER TABLE posts ADD COLUMN owner TEXT NOT NULL DEFAULT 'demo'");

  const seed = db.transaction(() => {
    if (db.prepare("SELECT value FROM meta WHERE key = 'seeded'").get()) return;
    db.prepare("DELETE FROM todos").run();
    db.prepare("DELETE FROM posts").run();
    db.prepare("DELETE FROM checkboxes").run();
    db.prepare("DELETE FROM sqlite_sequence WHERE name IN ('todos', 'posts', 'checkboxes')").run();
    const at = now();
    const todo = db.prepare("INSERT INTO todos (title, completed, created_at, updated_at) VALUES (?, ?, ?, ?)");
    todo.run("Try the fail switch, then toggle me", 0, at, at);
    todo.run("Open this page in a second tab", 0, at, at);
    todo.run("Read the examples", 1, at, at);
    const post = db.prepare("INSERT INTO posts (title, body, author, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    post.run("Welcome", "Only signed-in users can read posts.", DEMO_USER.name, DEMO_USER.username, at, at);
    post.run("Optimistic by default", "New posts show at once and roll back if the server refuses them.", DEMO_USER.name, DEMO_USER.username, at, at);
    post.run("Alex's notes", "Each account sees only its own posts.", SECOND_USER.name, SECOND_USER.username, at, at);
    const box = db.prepare("INSERT INTO checkboxes (position, checked, updated_at) VALUES (?, 0, ?)");
    for (let position = 0; position < CHECKBOX_COUNT; position++) box.run(position, at);
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded', '1')").run();
  });
  // IMMEDIATE: two processes starting on one new file must not both seed it.
  seed.immediate();

  const sql = {
    todos: db.prepare<[], TodoRow>("SELECT * FROM todos ORDER BY id"),
    todo: db.prepare<[number], TodoRow>("SELECT * FROM todos WHERE id = ?"),
    insertTodo: db.prepare<[string, number, string, string], TodoRow>(
      "INSERT INTO todos (title, completed, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING *",
    ),
    updateTodo: db.prepare<[string, number, string, number], TodoRow>(
      "UPDATE todos SET title = ?, completed = ?, version = version + 1, updated_at = ? WHERE id = ? RETURNING *",
    ),
    deleteTodo: db.prepare<[number]>("DELETE FROM todos WHERE id = ?"),
    posts: db.prepare<[string], PostRow>("SELECT * FROM posts WHERE owner = ? ORDER BY id"),
    post: db.prepare<[number, string], PostRow>("SELECT * FROM posts WHERE id = ? AND owner = ?"),
    insertPost: db.prepare<[string, string, string, string, string, string], PostRow>(
      "INSERT INTO posts (title, body, author, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
    ),
    updatePost: db.prepare<[string, string, string, number], PostRow>(
      "UPDATE posts SET title = ?, body = ?, updated_at = ? WHERE id = ? RETURNING *",
    ),
    deletePost: db.prepare<[number, string]>("DELETE FROM posts WHERE id = ? AND owner = ?"),
    checkboxes: db.prepare<[], CheckboxRow>("SELECT * FROM checkboxes ORDER BY position, id"),
    checkbox: db.prepare<[number], CheckboxRow>("SELECT * FROM checkboxes WHERE id = ?"),
    insertCheckbox: db.prepare<[number, number, string], CheckboxRow>(
      "INSERT INTO checkboxes (position, checked, updated_at) VALUES (?, ?, ?) RETURNING *",
    ),
    updateCheckbox: db.prepare<[number, string, number], CheckboxRow>(
      "UPDATE checkboxes SET checked = ?, updated_at = ? WHERE id = ? RETURNING *",
    ),
    deleteCheckbox: db.prepare<[number]>("DELETE FROM checkboxes WHERE id = ?"),
    nextPosition: db.prepare<[], { next: number }>("SELECT COALESCE(MAX(position) + 1, 0) AS next FROM checkboxes"),
    insertSession: db.prepare<[string, string, string]>("INSERT INTO sessions (token, username, created_at) VALUES (?, ?, ?)"),
    session: db.prepare<[string], { username: string }>("SELECT username FROM sessions WHERE token = ?"),
    deleteSession: db.prepare<[string]>("DELETE FROM sessions WHERE token = ?"),
    mutation: db.prepare<[string], { route: string; status: number; body: string }>("SELECT route, status, body FROM mutations WHERE mutation_id = ?"),
    mutations: db.prepare<[], { mutation_id: string; route: string }>("SELECT mutation_id, route FROM mutations ORDER BY seq"),
    insertMutation: db.prepare<[string, string, number, string, string]>(
      "INSERT OR IGNORE INTO mutations (mutation_id, route, status, body, created_at) VALUES (?, ?, ?, ?, ?)",
    ),
    trimMutations: db.prepare<[number]>("DELETE FROM mutations WHERE seq <= (SELECT MAX(seq) FROM mutations) - ?"),
  };

  /** SQLite ids are integers; the API's are their decimal strings. */
  const key = (id: string): number => (/^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : -1);

  return {
    listTodos: (): Todo[] => sql.todos.all().map(toTodo),
    getTodo: (id: string): Todo | undefined => {
      const row = sql.todo.get(key(id));
      return row && toTodo(row);
    },
    createTodo: (input: { title: string; completed?: boolean }): Todo => {
      const at = now();
      return toTodo(sql.insertTodo.get(input.title, input.completed ? 1 : 0, at, at)!);
    },
    updateTodo: (id: string, patch: { title?: string; completed?: boolean }): Todo | undefined => {
      const current = sql.todo.get(key(id));
      if (!current) return undefined;
      const completed = patch.completed ?? current.completed === 1;
      return toTodo(sql.updateTodo.get(patch.title ?? current.title, completed ? 1 : 0, now(), current.id)!);
    },
    deleteTodo: (id: string): boolean => sql.deleteTodo.run(key(id)).changes > 0,

    /** The posts of the account `owner` (default: the demo account's). */
    listPosts: (owner: string = DEMO_USER.username): Post[] => sql.posts.all(owner).map(toPost),
    /** A post of the account `owner`; another account's is undefined, as a missing one. */
    getPost: (id: string, owner: string = DEMO_USER.username): Post | undefined => {
      const row = sql.post.get(key(id), owner);
      return row && toPost(row);
    },
    /** A new post of the account `owner` (default: the demo account), shown as written by `author`. */
    createPost: (input: { title: string; body?: string }, author: string, owner: string = DEMO_USER.username): Post => {
      const at = now();
      return toPost(sql.insertPost.get(input.title, input.body ?? "", author, owner, at, at)!);
    },
    updatePost: (id: string, patch: { title?: string; body?: string }, owner: string = DEMO_USER.username): Post | undefined => {
      const current = sql.post.get(key(id), owner);
      if (!current) return undefined;
      return toPost(sql.updatePost.get(patch.title ?? current.title, patch.body ?? current.body, now(), current.id)!);
    },
    deletePost: (id: string, owner: string = DEMO_USER.username): boolean => sql.deletePost.run(key(id), owner).changes > 0,

    listCheckboxes: (): Checkbox[] => sql.checkboxes.all().map(toCheckbox),
    getCheckbox: (id: string): Checkbox | undefined => {
      const row = sql.checkbox.get(key(id));
      return row && toCheckbox(row);
    },
    createCheckbox: (input: { checked?: boolean; position?: number }): Checkbox => {
      const position = input.position ?? sql.nextPosition.get()!.next;
      return toCheckbox(sql.insertCheckbox.get(position, input.checked ? 1 : 0, now())!);
    },
    updateCheckbox: (id: string, patch: { checked?: boolean }): Checkbox | undefined => {
      const current = sql.checkbox.get(key(id));
      if (!current) return undefined;
      const checked = patch.checked ?? current.checked === 1;
      return toCheckbox(sql.updateCheckbox.get(checked ? 1 : 0, now(), current.id)!);
    },
    deleteCheckbox: (id: string): boolean => sql.deleteCheckbox.run(key(id)).changes > 0,

    /** A new session token for an account, or undefined for wrong credentials. */
    signIn: (username: string, password: string): { token: string; user: User } | undefined => {
      const account = ACCOUNTS.find((candidate) => candidate.username === username && candidate.password === password);
      if (!account) return undefined;
      const token = randomUUID();
      sql.insertSession.run(token, username, now());
      return { token, user: { username, name: account.name } };
    },
    userForToken: (token: string): User | undefined => {
      const row = sql.session.get(token);
      const account = row && ACCOUNTS.find((candidate) => candidate.username === row.username);
      return account && { username: account.username, name: account.name };
    },
    signOut: (token: string): void => {
      sql.deleteSession.run(token);
    },

    /** The answer recorded for `mutationId`, if the server applied a write with it. */
    findMutation: (mutationId: string): RecordedMutation | undefined => {
      const row = sql.mutation.get(mutationId);
      return row && { route: row.route, status: row.status, body: JSON.parse(row.body) as unknown };
    },
    /** The writes applied with a mutation id that the log still remembers, in the order they were applied. */
    listMutations: (): { mutationId: string; route: string }[] => sql.mutations.all().map((row) => ({ mutationId: row.mutation_id, route: row.route })),
    /** Remembers the answer to an applied write (the last {@link MUTATION_LOG_SIZE} are kept). */
    recordMutation: (mutationId: string, answer: RecordedMutation): void => {
      sql.insertMutation.run(mutationId, answer.route, answer.status, JSON.stringify(answer.body ?? null), now());
      sql.trimMutations.run(MUTATION_LOG_SIZE);
    },

    /** Puts the seed data back and forgets the mutation log (sessions stay valid). */
    reset: (): void => {
      db.prepare("DELETE FROM mutations").run();
      db.prepare("DELETE FROM meta WHERE key = 'seeded'").run();
      seed.immediate();
    },
    close: (): void => {
      db.close();
    },
  };
}
