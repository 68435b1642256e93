/** Builds the demo page with Vite into demo/dist/client and returns that folder. */
export function buildClient(): Promise<string>;
/** Bundles the demo server into demo/dist/server/main.mjs and returns that path. */
export function buildServer(): Promise<string>;
