/**
 * Scale-out: two demo server processes on different ports share one Redis (socket.io's Redis
 * adapter) and one SQLite file. A write through one reaches a socket connected to the other.
 * Needs Debian's redis-server (`apt-get install -y redis-server`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../demo/build.mjs";
import type { ChangeEvent } from "../../demo/server/createDemoServer";

const children: ChildProcess[] = [];
const sockets: Socket[] = [];
let workDir: string;
let redisUrl: string;
let serverA: string;
let serverB: string;

/** A free TCP port on 127.0.0.1 (for redis-server, which cannot be told to pick one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a child process and resolves with the first match of `ready` in its output. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<RegExpMatchArray> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${command} did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function connect(url: string): Promise<Socket> {
  const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

function nextEvent<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within 5 s`)), 5000);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

beforeAll(async () => {
  if (spawnSync("redis-server", ["--version"]).error) {
    throw new Error("redis-server is missing: install it with `apt-get update && apt-get install -y redis-server`.");
  }
  workDir = mkdtempSync(join(tmpdir(), "demo-redis-"));
  const redisPort = await freePort();
  await start(
    "redis-server",
    ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workDir],
    {},
    /Ready to accept connections/,
  );
  redisUrl = `redis://127.0.0.1:${redisPort}`;

  const entry = await buildServer();
  const env = { PORT: "0", DEMO_DB: join(workDir, "shared.sqlite"), REDIS_URL: redisUrl };
  [serverA, serverB] = (
    await Promise.all([start(process.execPath, [entry], env, /Demo running at (\S+?)\/?\s/), start(process.execPath, [entry], env, /Demo running at (\S+?)\/?\s/)])
  ).map((match) => match[1]!) as [string, string];
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  // Servers first (they close their Redis clients), then Redis.
  await Promise.all(children.slice(1).map(stop));
  if (children[0]) await stop(children[0]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("demo servers scaled out with REDIS_URL", () => {
  it("runs two processes on different ports", async () => {
    expect(serverA).not.toBe(serverB);
    const [a, b] = await Promise.all([fetch(`${serverA}/api/health`), fetch(`${serverB}/api/health`)]);
    const [healthA, healthB] = (await Promise.all([a.json(), b.json()])) as { pid: number }[];
    expect(healthA!.pid).not.toBe(healthB!.pid);
  });

  it("delivers a write made through one server to a socket connected to the other", async () => {
    const onB = await connect(serverB);
    const received = nextEvent<ChangeEvent<{ id: string; title: string }>>(onB, "todo_update");

    const response = await fetch(`${serverA}/api/todos`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-mutation-id": "m-1", "x-origin-id": "o-1" },
      body: JSON.stringify({ title: "Written through A" }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string };
    expect(await received).toMatchObject({ type: "todo_update", event: "INSERT", data: { id: created.id, title: "Written through A" }, mutationId: "m-1", originId: "o-1" });

    // Both processes use the same SQLite file.
    const listedByB = (await (await fetch(`${serverB}/api/todos`)).json()) as { id: string }[];
    expect(listedByB.map((todo) => todo.id)).toContain(created.id);
  });

  it("delivers the other way round too", async () => {
    const onA = await connect(serverA);
    const received = nextEvent<ChangeEvent<{ id: string; checked: boolean }>>(onA, "checkbox_update");
    await fetch(`${serverB}/api/checkboxes/4`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ checked: true }) });
    expect(await received).toMatchObject({ event: "UPDATE", data: { id: "4", checked: true } });
  });
});
