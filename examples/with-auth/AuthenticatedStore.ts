import type { QueryClient } from "@tanstack/query-core";
import { computed, makeObservable, observable, runInAction } from "mobx";
import {
  createOptimisticStoreManager,
  getGlobalQueryClient,
  type MutationReceipt,
  type OptimisticStoreManager,
  type RealtimeSocket,
} from "mobx-tanstack-optimistic";

/** A post as the API sends it. */
export interface ApiPost {
  id: string;
  title: string;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
}

/** A post in the store: the default transformer turns the ISO date strings into `Date`s. */
export interface Post {
  id: string;
  title: string;
  body: string;
  author: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewPost {
  title: string;
  body?: string;
}

export interface User {
  username: string;
  name: string;
}

/** A socket the store can listen on and close (a socket.io-client socket). */
export interface ClosableSocket extends RealtimeSocket {
  disconnect(): unknown;
}

export interface AuthenticatedPostStoreOptions {
  /** Where the API is: "" (the default) is the page's own origin. */
  baseUrl?: string;
  /** The TanStack QueryClient to use; default: the library's global one. */
  queryClient?: QueryClient;
  /**
   * Live posts: opens a socket that sends `token` with its handshake (the server sends post events
   * only to those), e.g. `(token) => io({ auth: { token } })`. Opened at sign-in, closed at sign-out.
   */
  openSocket?: (token: string) => ClosableSocket;
}

/** An HTTP error with its status, so callers can tell 401 from other failures. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * Posts that only a signed-in user may read. The manager exists from the start, scoped to the
 * signed-in user (`scope: () => this.user?.username`, a MobX observable): while nobody is signed in
 * nothing is fetched and the store is empty; signing in switches it to that user's posts (query key
 * `["posts", username]`), signing out empties it in the same MobX transaction. One user's posts are
 * never shown under another's name, and changes still in flight at sign-out never land in the store.
 *
 * @example
 * const posts = new AuthenticatedPostStore();
 * await posts.signIn("demo", "demo"); // fetches the posts
 * await posts.manager.actions.create({ title: "Hello" });
 * await posts.signOut(); // posts.manager.store.list is empty again
 */
export class AuthenticatedPostStore {
  token: string | null = null;
  user: User | null = null;
  readonly manager: OptimisticStoreManager<ApiPost, Post>;
  readonly #baseUrl: string;
  readonly #queryClient: QueryClient;
  readonly #openSocket: ((token: string) => ClosableSocket) | undefined;
  #socket: ClosableSocket | undefined;

  constructor({ baseUrl = "", queryClient = getGlobalQueryClient(), openSocket }: AuthenticatedPostStoreOptions = {}) {
    this.#baseUrl = baseUrl;
    this.#queryClient = queryClient;
    this.#openSocket = openSocket;
    makeObservable(this, { token: observable, user: observable, isSignedIn: computed });
    this.manager = createOptimisticStoreManager<ApiPost, Post>(
      {
        name: "posts",
        // Each user's posts under their own query key; nobody signed in: nothing fetched, nothing shown.
        scope: () => this.user?.username,
        // query-core's context: the key names the user the fetch is for, the signal aborts it when
        // the user switches. Only that user's token may fill that key: a refetch of another user's
        // cached key (`queryClient.refetchQueries({ queryKey: ["posts"] })`) would store the
        // signed-in user's posts under it.
        queryFn: ({ queryKey, signal }) =>
          queryKey[1] === this.user?.username
            ? this.#request<ApiPost[]>("GET", "/api/posts", undefined, undefined, signal)
            : Promise.reject(new Error(`The posts of ${String(queryKey[1])} are fetched only while ${String(queryKey[1])} is signed in.`)),
        mutations: {
          create: (data: NewPost, receipt) => this.#request<ApiPost>("POST", "/api/posts", data, receipt),
          update: ({ id, data }: { id: string; data: Partial<NewPost> }, receipt) => this.#request<ApiPost>("PUT", `/api/posts/${id}`, data, receipt),
          remove: async (id: string, receipt) => {
            await this.#request("DELETE", `/api/posts/${id}`, undefined, receipt);
            return { id };
          },
        },
        ...(openSocket && { realtime: { eventType: "post_update" } }),
        // The signed-in user is the author of a post shown before the server has answered.
        optimisticContext: () => this.user,
        optimisticDefaults: {
          createOptimisticUiData: (input: NewPost & Partial<Post>, user?: User | null) => ({
            id: input.id ?? "",
            title: input.title,
            body: input.body ?? "",
            author: input.author ?? user?.name ?? "",
            createdAt: input.createdAt ?? new Date(),
            updatedAt: new Date(),
          }),
        },
      },
      queryClient,
    );
  }

  get isSignedIn(): boolean {
    return this.token !== null;
  }

  /** Signs in: the manager switches to this user's posts and fetches them. Rejects (and stays signed out) on wrong credentials. */
  async signIn(username: string, password: string): Promise<User> {
    const session = await this.#request<{ token: string; user: User }>("POST", "/api/auth/sign-in", { username, password });
    // Listen before fetching: an event that lands while the fetch is in flight is not lost.
    if (this.#openSocket) {
      this.#closeSocket();
      this.#socket = this.#openSocket(session.token);
      this.manager.realtime?.connect(this.#socket);
    }
    runInAction(() => {
      this.token = session.token;
      this.user = session.user; // the scope changes: the store switches to this user's posts
    });
    return session.user;
  }

  /** Signs out: the store empties at once, and the signed-out user's cached posts are forgotten. */
  async signOut(): Promise<void> {
    const { token, user } = this;
    this.#closeSocket(); // no event may bring a post back once the store is empty
    runInAction(() => {
      this.token = null;
      this.user = null; // scope null: the store is empty, nothing is fetched
    });
    // The token is revoked below: on a shared computer, keep nothing of this user in memory. (To
    // show a user's posts at once when they come back, e.g. when switching accounts, keep them.)
    if (user) this.#queryClient.removeQueries({ queryKey: ["posts", user.username], exact: true });
    if (token) await this.#send("POST", "/api/auth/sign-out", undefined, token).catch(() => undefined);
  }

  destroy(): void {
    this.#closeSocket();
    this.manager.destroy();
  }

  #closeSocket(): void {
    this.manager.realtime?.disconnect();
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  #request<T>(method: string, path: string, body?: unknown, receipt?: MutationReceipt, signal?: AbortSignal): Promise<T> {
    return this.#send<T>(method, path, body, this.token, receipt, signal);
  }

  async #send<T>(method: string, path: string, body: unknown, token: string | null, receipt?: MutationReceipt, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    if (receipt) {
      // Copied into the server's broadcast, so this store recognises its own echo.
      headers["x-mutation-id"] = receipt.mutationId;
      headers["x-origin-id"] = receipt.originId;
    }
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers,
      signal,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const result: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
    if (!response.ok) {
      throw new HttpError(response.status, (result as { error?: string } | undefined)?.error ?? `${method} ${path} failed with HTTP ${response.status}`);
    }
    return result as T;
  }
}
