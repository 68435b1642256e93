/**
 * The REST API under /api, as Fastify routes. Each body is checked against its schema
 * (validation.ts) before a handler runs; a write then goes through the same steps:
 *
 * | step | answer when it stops there |
 * | --- | --- |
 * | sign-in check (posts only; each account sees only its own) | 401 |
 * | same `x-mutation-id` as a write already applied | the original answer, nothing applied again |
 * | the slow switch | (waits `delayMs`) |
 * | the entity exists (PUT, DELETE) | 404 |
 * | `If-Match` is its version (todos) | 409 with `current` |
 * | the patch changes something (PUT) | 200 with the entity as it is, nothing written |
 * | the fail switch | 500, nothing written |
 * | write, broadcast the change | 200 / 201 |
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Server as SocketIOServer } from "socket.io";
import type { DemoDatabase, User } from "./db";
import type { MutationLog, WriteResult } from "./mutationLog";
import { HttpError, requireTitle, schemas } from "./validation";

export type ChangeKind = "INSERT" | "UPDATE" | "DELETE";

/** What the server broadcasts after a write. */
export interface ChangeEvent<T = unknown> {
  type: string;
  event: ChangeKind;
  data: T;
  browserId?: string;
  mutationId?: string;
  originId?: string;
}

/** Server-side switches that make writes fail or slow down (per process). */
export interface DemoControl {
  /** Answer every write with 500 and change nothing. */
  failWrites: boolean;
  /** Wait this long (ms) before handling a write. */
  delayMs: number;
}

/** The sockets that connected with a token of `username`: that account's post events go only to them. */
export const postRoom = (username: string): string => `posts:${username}`;

interface RouteDeps {
  db: DemoDatabase;
  io: SocketIOServer;
  control: DemoControl;
  mutations: MutationLog;
}

type IdParams = { Params: { id: string } };

export function registerRoutes(app: FastifyInstance, { db, io, control, mutations }: RouteDeps): void {
  const broadcast = <T>(type: string, event: ChangeKind, data: T, req: FastifyRequest, room?: string) => {
    const payload: ChangeEvent<T> = { type, event, data };
    const browserId = header(req, "x-browser-id");
    const mutationId = header(req, "x-mutation-id");
    const originId = header(req, "x-origin-id");
    if (browserId) payload.browserId = browserId;
    if (mutationId) payload.mutationId = mutationId;
    if (originId) payload.originId = originId;
    (room ? io.to(room) : io).emit(type, payload);
  };

  const slowSwitch = async () => {
    if (control.delayMs > 0) await new Promise((done) => setTimeout(done, control.delayMs));
  };
  const failSwitch = () => {
    if (control.failWrites) throw new HttpError(500, "The server refused the change (the demo's fail switch is on).");
  };

  /** Runs a write once per `x-mutation-id` and sends its answer (a replay says so in a header). */
  const write = async (req: FastifyRequest, reply: FastifyReply, handler: () => Promise<WriteResult>) => {
    const answer = await mutations.run(header(req, "x-mutation-id"), `${req.method} ${req.url}`, handler);
    if (answer.replayed) void reply.header("x-mutation-replayed", "true");
    return reply.code(answer.status).send(answer.body);
  };

  const requireUser = (req: FastifyRequest): User => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const user = match ? db.userForToken(match[1]!) : undefined;
    if (!user) throw new HttpError(401, "Sign in first: send Authorization: Bearer <token> from POST /api/auth/sign-in.");
    return user;
  };

  app.addHook("onRequest", (req, reply, done) => {
    if (req.url.startsWith("/api/")) void reply.header("cache-control", "no-store");
    done();
  });

  app.get("/api/health", () => ({ ok: true, pid: process.pid }));

  app.get("/api/control", () => ({ ...control }));
  app.put<{ Body: Partial<DemoControl> }>("/api/control", { schema: { body: schemas.control } }, (req) => {
    if (req.body.failWrites !== undefined) control.failWrites = req.body.failWrites;
    if (req.body.delayMs !== undefined) control.delayMs = req.body.delayMs;
    io.emit("control_update", { ...control });
    return { ...control };
  });

  app.post("/api/reset", () => {
    db.reset();
    io.emit("demo_reset", {});
    return { ok: true };
  });

  // Auth
  app.post<{ Body: { username: string; password: string } }>("/api/auth/sign-in", { schema: { body: schemas.signIn } }, (req) => {
    const session = db.signIn(req.body.username, req.body.password);
    if (!session) throw new HttpError(401, "Wrong username or password (the demo account is demo / demo).");
    return session;
  });
  app.post("/api/auth/sign-out", (req, reply) => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    if (match) db.signOut(match[1]!);
    return reply.code(204).send();
  });
  app.get("/api/auth/me", (req) => ({ user: requireUser(req) }));

  // Todos
  app.get("/api/todos", () => db.listTodos());
  app.post<{ Body: { title: string; completed?: boolean } }>("/api/todos", { schema: { body: schemas.newTodo } }, (req, reply) =>
    write(req, reply, async () => {
      const title = requireTitle(req.body.title);
      await slowSwitch();
      failSwitch();
      const todo = db.createTodo({ title, completed: req.body.completed === true });
      broadcast("todo_update", "INSERT", todo, req);
      return { status: 201, body: todo, applied: true };
    }),
  );
  app.put<IdParams & { Body: { title?: string; completed?: boolean } }>("/api/todos/:id", { schema: { body: schemas.todoPatch } }, (req, reply) =>
    write(req, reply, async () => {
      const { id } = req.params;
      const patch = {
        ...(req.body.title !== undefined && { title: requireTitle(req.body.title) }),
        ...(req.body.completed !== undefined && { completed: req.body.completed }),
      };
      await slowSwitch();
      const current = db.getTodo(id);
      if (!current) throw new HttpError(404, `Todo ${id} does not exist.`);
      const expected = header(req, "if-match");
      if (expected !== undefined && expected.replace(/^W\//, "").replace(/"/g, "") !== String(current.version)) {
        throw new HttpError(409, `Todo ${id} changed since version ${expected}; it is now at version ${current.version}.`, { current });
      }
      if (Object.keys(patch).length === 0) return { status: 200, body: current, applied: false };
      failSwitch();
      const todo = db.updateTodo(id, patch)!;
      broadcast("todo_update", "UPDATE", todo, req);
      return { status: 200, body: todo, applied: true };
    }),
  );
  app.delete<IdParams>("/api/todos/:id", (req, reply) =>
    write(req, reply, async () => {
      const { id } = req.params;
      await slowSwitch();
      if (!db.getTodo(id)) throw new HttpError(404, `Todo ${id} does not exist.`);
      failSwitch();
      db.deleteTodo(id);
      broadcast("todo_update", "DELETE", { id }, req);
      return { status: 200, body: { id }, applied: true };
    }),
  );

  // Posts (signed-in users only)
  app.get("/api/posts", (req) => db.listPosts(requireUser(req).username));
  app.post<{ Body: { title: string; body?: string } }>("/api/posts", { schema: { body: schemas.newPost } }, (req, reply) => {
    const user = requireUser(req);
    return write(req, reply, async () => {
      const title = requireTitle(req.body.title);
      await slowSwitch();
      failSwitch();
      const post = db.createPost({ title, body: req.body.body ?? "" }, user.name, user.username);
      broadcast("post_update", "INSERT", post, req, postRoom(user.username));
      return { status: 201, body: post, applied: true };
    });
  });
  app.put<IdParams & { Body: { title?: string; body?: string } }>("/api/posts/:id", { schema: { body: schemas.postPatch } }, (req, reply) => {
    const user = requireUser(req);
    return write(req, reply, async () => {
      const { id } = req.params;
      const patch = {
        ...(req.body.title !== undefined && { title: requireTitle(req.body.title) }),
        ...(req.body.body !== undefined && { body: req.body.body }),
      };
      await slowSwitch();
      const current = db.getPost(id, user.username);
      if (!current) throw new HttpError(404, `Post ${id} does not exist.`);
      if (Object.keys(patch).length === 0) return { status: 200, body: current, applied: false };
      failSwitch();
      const post = db.updatePost(id, patch, user.username)!;
      broadcast("post_update", "UPDATE", post, req, postRoom(user.username));
      return { status: 200, body: post, applied: true };
    });
  });
  app.delete<IdParams>("/api/posts/:id", (req, reply) => {
    const user = requireUser(req);
    return write(req, reply, async () => {
      const { id } = req.params;
      await slowSwitch();
      if (!db.getPost(id, user.username)) throw new HttpError(404, `Post ${id} does not exist.`);
      failSwitch();
      db.deletePost(id, user.username);
      broadcast("post_update", "DELETE", { id }, req, postRoom(user.username));
      return { status: 200, body: { id }, applied: true };
    });
  });

  // Checkboxes
  app.get("/api/checkboxes", () => db.listCheckboxes());
  app.post<{ Body: { checked?: boolean; position?: number } }>("/api/checkboxes", { schema: { body: schemas.newCheckbox } }, (req, reply) =>
    write(req, reply, async () => {
      await slowSwitch();
      failSwitch();
      const box = db.createCheckbox({
        checked: req.body.checked === true,
        ...(req.body.position !== undefined && { position: req.body.position }),
      });
      broadcast("checkbox_update", "INSERT", box, req);
      return { status: 201, body: box, applied: true };
    }),
  );
  app.put<IdParams & { Body: { checked?: boolean } }>("/api/checkboxes/:id", { schema: { body: schemas.checkboxPatch } }, (req, reply) =>
    write(req, reply, async () => {
      const { id } = req.params;
      await slowSwitch();
      const current = db.getCheckbox(id);
      if (!current) throw new HttpError(404, `Checkbox ${id} does not exist.`);
      if (req.body.checked === undefined) return { status: 200, body: current, applied: false };
      failSwitch();
      const box = db.updateCheckbox(id, { checked: req.body.checked })!;
      broadcast("checkbox_update", "UPDATE", box, req);
      return { status: 200, body: box, applied: true };
    }),
  );
  app.delete<IdParams>("/api/checkboxes/:id", (req, reply) =>
    write(req, reply, async () => {
      const { id } = req.params;
      await slowSwitch();
      if (!db.getCheckbox(id)) throw new HttpError(404, `Checkbox ${id} does not exist.`);
      failSwitch();
      db.deleteCheckbox(id);
      broadcast("checkbox_update", "DELETE", { id }, req);
      return { status: 200, body: { id }, applied: true };
    }),
  );
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
