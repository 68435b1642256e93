// `npm run demo`: checks that the port is free, builds the library, the page and the server
// (saying what it is doing and how long each step took), then starts the server.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

/** Resolves with null when `port` can be listened on, or with the error's code. */
function probe() {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error) => resolve(error.code ?? error.message));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

/** Runs a command quietly; prints its output only if it fails. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed (exit ${code}):\n${output}`))));
  });
}

/** Prints "[n/total] what…", a dot every second while it runs, then the time it took. */
async function step(index, total, what, work) {
  const started = Date.now();
  const tty = process.stdout.isTTY;
  process.stdout.write(`[${index}/${total}] ${what}…`);
  const ticker = tty ? setInterval(() => process.stdout.write("."), 1000) : undefined;
  try {
    await work();
  } catch (error) {
    process.stdout.write(" failed\n");
    throw error;
  } finally {
    clearInterval(ticker);
  }
  process.stdout.write(` done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

if (Number.isNaN(port) || port < 0 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number (0-65535).`);
  process.exit(1);
}
if (port !== 0) {
  const problem = await probe();
  if (problem === "EADDRINUSE") {
    console.error(`Port ${port} on ${host} is already in use (another demo still running?). Stop it, or pick another port: PORT=${port + 1} npm run demo`);
    process.exit(1);
  }
  if (problem) {
    console.error(`Cannot listen on ${host}:${port} (${problem}). Pick another with PORT=… or HOST=…`);
    process.exit(1);
  }
}

try {
  await step(1, 3, "Building the library (tsup)", () => run("npm", ["run", "--silent", "build"]));
  const { buildClient, buildServer } = await import("./build.mjs");
  await step(2, 3, "Building the page (Vite)", () => buildClient());
  await step(3, 3, "Bundling the server (esbuild)", () => buildServer());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

// The server takes over this process: Ctrl+C stops it.
await import("./dist/server/main.mjs");
