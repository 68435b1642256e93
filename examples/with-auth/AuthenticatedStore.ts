import type { QueryClient } from "@tanstack/query-core";
import { computed, makeObservable, observable, runInAction } from "mobx";
import { createOptimisticStoreManager, getGlobalQueryClient, type OptimisticStoreManager } from "mobx-tanstack-optimistic";

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

export interface AuthenticatedPostStoreOptions {
  /** Where the API is: "" (the default) is the page's own origin. */
  baseUrl?: string;
  /** The TanStack QueryClient to use; default: the library's global one. */
  queryClient?: QueryClient;
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
 * Posts that only a signed-in user may read. The manager exists from the start but stays idle
 * (`enabled: () => this.token !== null`): no request is made until `signIn()` calls
 * `updateOptions()`, and `signOut()` clears the store (and with it the cached query) so the next user never
 * sees the previous user's posts.
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

  constructor({ baseUrl = "", queryClient = getGlobalQueryClient() }: AuthenticatedPostStoreOptions = {}) {
    this.#baseUrl = baseUrl;
    makeObservable(this, { token: observable, user: observable, isSignedIn: computed });
    this.manager = createOptimisticStoreManager<ApiPost, Post>(
      {
        name: "posts",
        enabled: () => this.token !== null,
        queryFn: () => this.#request<ApiPost[]>("GET", "/api/posts"),
        mutations: {
          create: (data: NewPost) => this.#request<ApiPost>("POST", "/api/posts", data),
          update: ({ id, data }: { id: string; data: Partial<NewPost> }) => this.#request<ApiPost>("PUT", `/api/posts/${id}`, data),
          remove: async (id: string) => {
            await this.#request("DELETE", `/api/posts/${id}`);
            return { id };
          },
        },
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

  /** Signs in, then lets the manager fetch. Rejects (and stays signed out) on wrong credentials. */
  async signIn(username: string, password: string): Promise<User> {
    const session = await this.#request<{ token: string; user: User }>("POST", "/api/auth/sign-in", { username, password });
    runInAction(() => {
      this.token = session.token;
      this.user = session.user;
    });
    this.manager.updateOptions(); // enabled() is now true: fetch
    return session.user;
  }

  /** Signs out: stops the query, empties the store and forgets the cached posts. */
  async signOut(): Promise<void> {
    const token = this.token;
    runInAction(() => {
      this.token = null;
      this.user = null;
    });
    // Clear first, then disable: the empty store is written to the query cache as stale, so the
    // previous user's posts are gone and the next sign-in fetches.
    this.manager.store.clear();
    this.manager.updateOptions();
    if (token) await this.#send("POST", "/api/auth/sign-out", undefined, token).catch(() => undefined);
  }

  destroy(): void {
    this.manager.destroy();
  }

  #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#send<T>(method, path, body, this.token);
  }

  async #send<T>(method: string, path: string, body: unknown, token: string | null): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const result: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
    if (!response.ok) {
      throw new HttpError(response.status, (result as { error?: string } | undefined)?.error ?? `${method} ${path} failed with HTTP ${response.status}`);
    }
    return result as T;
  }
}
