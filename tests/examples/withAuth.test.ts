import { environmentManager } from "@tanstack/query-core";
import { io, type Socket } from "socket.io-client";
import { reaction } from "mobx";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { AuthenticatedPostStore, HttpError } from "../../examples/with-auth/AuthenticatedStore";
import { newQueryClient, onCleanup, startDemoServer, until } from "./helpers";

beforeAll(() => environmentManager.setIsServer(() => false));

async function setup() {
  const server = await startDemoServer();
  const queryClient = newQueryClient();
  const posts = new AuthenticatedPostStore({ baseUrl: server.url, queryClient });
  onCleanup(() => posts.destroy());
  return { server, posts, queryClient };
}

const postRequests = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.filter(([url]) => String(url).includes("/api/posts"));

describe("examples/with-auth", () => {
  it("makes no request for posts before sign-in", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    onCleanup(() => fetchSpy.mockRestore());
    const { posts } = await setup();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Enabled, but scoped to nobody: nothing to fetch.
    expect(posts.manager.isEnabled()).toBe(true);
    expect(posts.manager.status.isLoading).toBe(false);
    expect(posts.manager.store.count).toBe(0);
    expect(postRequests(fetchSpy)).toHaveLength(0);
  });

  it("rejects a wrong password and stays signed out", async () => {
    const { posts } = await setup();
    const attempt = posts.signIn("demo", "wrong");
    await expect(attempt).rejects.toBeInstanceOf(HttpError);
    await expect(attempt).rejects.toMatchObject({ status: 401 });
    expect(posts.isSignedIn).toBe(false);
    expect(posts.manager.status.isLoading).toBe(false);
  });

  it("loads the posts after sign-in, with dates as Date objects", async () => {
    const { posts, queryClient } = await setup();
    await posts.signIn("demo", "demo");
    expect(posts.manager.status.isLoading).toBe(true);
    await until(() => posts.manager.store.count === 2);
    expect(queryClient.getQueryData(["posts", "demo"])).toHaveLength(2);
    const first = posts.manager.store.list[0]!;
    expect(first).toMatchObject({ title: "Welcome", author: "Demo User" });
    expect(first.createdAt).toBeInstanceOf(Date);
  });

  it("shows a new post at once with the signed-in user as its author", async () => {
    const { server, posts } = await setup();
    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === 2);
    server.control.delayMs = 50;

    const created = posts.manager.actions.create({ title: "Hello", body: "First!" });
    expect(posts.manager.store.list.at(-1)).toMatchObject({ title: "Hello", body: "First!", author: "Demo User" });
    const saved = await created;
    expect(posts.manager.store.get(saved.id)?.createdAt).toBeInstanceOf(Date);
    expect(server.db.listPosts().map((post) => post.title)).toContain("Hello");
  });

  it("clears the posts on sign-out, revokes the token, and loads them afresh on the next sign-in", async () => {
    const { server, posts, queryClient } = await setup();
    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === 2);
    const token = posts.token!;

    const seen: number[] = [];
    onCleanup(reaction(() => posts.manager.store.count, (count) => seen.push(count)));
    await posts.signOut();
    expect(posts.manager.store.count).toBe(0);
    expect(seen).toEqual([0]);
    // The signed-out user's posts are forgotten, not only hidden.
    expect(queryClient.getQueryData(["posts", "demo"])).toBeUndefined();
    const withOldToken = await fetch(`${server.url}/api/posts`, { headers: { Authorization: `Bearer ${token}` } });
    expect(withOldToken.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posts.manager.store.count).toBe(0);

    server.db.createPost({ title: "Written while signed out" }, "Someone");
    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === 3);
    expect(posts.manager.store.list.at(-1)?.title).toBe("Written while signed out");
  });
});

describe("examples/with-auth: a change in flight at sign-out", () => {
  it("never shows it in the signed-out store; the next sign-in shows what the server has", async () => {
    const { server, posts } = await setup();
    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === 2);
    server.control.delayMs = 80;
    const creating = posts.manager.actions.create({ title: "Sent before sign-out" });
    const seen: number[] = [];
    onCleanup(reaction(() => posts.manager.store.count, (count) => seen.push(count)));
    await posts.signOut();
    // Answered after the sign-out (or refused, if the server revoked the token first).
    await creating.catch(() => undefined);
    server.control.delayMs = 0;
    expect(seen).toEqual([0]);
    expect(posts.manager.store.count).toBe(0);

    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === server.db.listPosts().length && !posts.manager.status.isLoading);
    expect(posts.manager.store.list.map((post) => post.title)).toEqual(server.db.listPosts().map((post) => post.title));
  });
});

describe("examples/with-auth with openSocket (live posts)", () => {
  async function openTab(server: Awaited<ReturnType<typeof startDemoServer>>) {
    const sockets: Socket[] = [];
    const posts = new AuthenticatedPostStore({
      baseUrl: server.url,
      queryClient: newQueryClient(),
      openSocket: (token) => {
        const socket = io(server.url, { transports: ["websocket"], forceNew: true, auth: { token } });
        sockets.push(socket);
        onCleanup(() => socket.disconnect());
        return socket;
      },
    });
    onCleanup(() => posts.destroy());
    return { posts, sockets };
  }

  it("switches from one account to another with no post of the first shown, and refuses to refetch the first's cached key with the second's token", async () => {
    const { posts, queryClient } = await setup();
    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === 2 && !posts.manager.status.isLoading);
    const seen: string[][] = [];
    onCleanup(reaction(() => posts.manager.store.list.map((post) => post.title), (titles) => seen.push(titles)));

    await posts.signIn("alex", "alex");
    await until(() => posts.manager.store.count === 1 && !posts.manager.status.isLoading);
    expect(posts.manager.store.list.map((post) => post.title)).toEqual(["Alex's notes"]);
    expect(seen.flat()).not.toContain("Welcome");

    await queryClient.refetchQueries({ queryKey: ["posts"] });
    const demoCache = queryClient.getQueryState<{ title: string }[]>(["posts", "demo"]);
    expect(demoCache?.status).toBe("error");
    expect(demoCache?.data?.map((post) => post.title)).toEqual(["Welcome", "Optimistic by default"]);
    expect(posts.manager.store.list.map((post) => post.title)).toEqual(["Alex's notes"]);
  });

  it("shows a post written in one tab in another signed-in tab, once in its own", async () => {
    const server = await startDemoServer();
    const a = await openTab(server);
    const b = await openTab(server);
    for (const tab of [a, b]) {
      await tab.posts.signIn("demo", "demo");
      await until(() => tab.posts.manager.store.count === 2 && tab.posts.manager.realtime?.isConnected === true);
    }
    const saved = await a.posts.manager.actions.create({ title: "Live" });
    await until(() => b.posts.manager.store.get(saved.id)?.title === "Live");
    expect(b.posts.manager.store.get(saved.id)?.createdAt).toBeInstanceOf(Date);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.posts.manager.store.count).toBe(3);
  });

  it("opens the socket at sign-in and closes it at sign-out, so no event brings a post back", async () => {
    const server = await startDemoServer();
    const { posts, sockets } = await openTab(server);
    expect(sockets).toHaveLength(0);
    expect(posts.manager.realtime?.isConnected).toBe(false);
    await posts.signIn("demo", "demo");
    await until(() => posts.manager.store.count === 2 && posts.manager.realtime?.isConnected === true);

    await posts.signOut();
    expect(sockets[0]?.connected).toBe(false);
    server.io.emit("post_update", { type: "post_update", event: "INSERT", data: { id: "99", title: "Late", body: "", author: "x", createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(posts.manager.store.count).toBe(0);
  });
});
