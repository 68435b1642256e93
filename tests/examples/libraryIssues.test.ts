/**
 * Library behaviour found while writing the examples, shown against the demo server (regression
 * tests of problems that were fixed).
 */
import { environmentManager } from "@tanstack/query-core";
import { beforeAll, describe, expect, it } from "vitest";
import { AuthenticatedPostStore } from "../../examples/with-auth/AuthenticatedStore";
import { newQueryClient, onCleanup, startDemoServer, until } from "./helpers";

beforeAll(() => environmentManager.setIsServer(() => false));

describe("store.clear() on a disabled manager", () => {
  // clear() is written back to the query cache as an empty, stale list: enabling again within
  // staleTime must fetch, not show the empty list.
  it("fetches again when re-enabled within staleTime after disable() and clear()", async () => {
    const server = await startDemoServer();
    const posts = new AuthenticatedPostStore({ baseUrl: server.url, queryClient: newQueryClient() });
    onCleanup(() => posts.destroy());
    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === 2);

    posts.manager.disable();
    posts.manager.store.clear();
    await new Promise((resolve) => setTimeout(resolve, 20));
    posts.manager.enable();

    await until(() => posts.manager.store.count === 2, 1000);
    expect(posts.manager.store.count).toBe(2);
  });
});
