// Builds the demo: the page (Vite, into demo/dist/client) and the server (esbuild, into
// demo/dist/server/main.mjs). `npm run demo` runs `npm run build` (the library) first.
import { build as esbuild } from "esbuild";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const demoDir = fileURLToPath(new URL(".", import.meta.url));

/** Builds the demo page with Vite; needs the library's dist/ (npm run build). */
export async function buildClient() {
  if (!existsSync(fileURLToPath(new URL("../dist/index.js", import.meta.url)))) {
    throw new Error("The library is not built: run `npm run build` first (npm run demo does).");
  }
  const { build } = await import("vite");
  await build({ configFile: `${demoDir}vite.config.ts` });
  return `${demoDir}dist/client`;
}

/** Bundles the TypeScript server into one ES module; its npm packages stay imports. */
export async function buildServer() {
  const outfile = `${demoDir}dist/server/main.mjs`;
  await esbuild({
    entryPoints: [`${demoDir}server/main.ts`],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildClient();
  await buildServer();
}
