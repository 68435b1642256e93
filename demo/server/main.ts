/**
 * `npm run demo` starts this: the demo server on 127.0.0.1 with the built page.
 *
 * Environment: PORT (default 3000), HOST (default 127.0.0.1), DEMO_DB (SQLite file, default
 * demo/.data/demo.sqlite; ":memory:" for a throwaway one), REDIS_URL (share realtime between
 * several server processes through Redis).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createDemoServer } from "./createDemoServer";

// This file is bundled to demo/dist/server/main.mjs, so the demo folder is two levels up.
const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dbPath = process.env.DEMO_DB ?? resolve(demoDir, ".data/demo.sqlite");
if (dbPath !== ":memory:") mkdirSync(dirname(dbPath), { recursive: true });

const port = Number(process.env.PORT ?? 3000);
const server = await createDemoServer({
  port,
  host: process.env.HOST ?? "127.0.0.1",
  dbPath,
  redisUrl: process.env.REDIS_URL || undefined,
  clientDir: resolve(demoDir, "dist/client"),
  onRedisError: (error) => console.error(`Redis: ${error.message} (reconnecting)`),
}).catch((error: NodeJS.ErrnoException) => {
  console.error(
    error.code === "EADDRINUSE" ? `Port ${port} is already in use. Start the demo on another one, e.g. PORT=3001 npm run demo` : error.message,
  );
  process.exit(1);
});

console.log(`Demo running at ${server.url}/`);
console.log(`  database: ${dbPath}${process.env.REDIS_URL ? `\n  realtime shared through Redis at ${process.env.REDIS_URL}` : ""}`);
console.log("  sign in to see posts with demo / demo; press Ctrl+C to stop.");

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
