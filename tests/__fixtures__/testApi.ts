/**
 * A fetch client for the test server, shaped like the library's `queryFn` + `mutations` config.
 */
import type { Row, TestServer } from "./testServer";

/** What the library hands each mutation function to send along. */
export interface MutationReceipt {
  mutationId?: string;
  originId?: string;
  baseVersion?: number | string | Date;
}

export interface TestApiOptions {
  /** Sent as `x-browser-id` on every request. */
  browserId?: string;
  /** Sent as `Authorization: Bearer <token>` on every request. */
  token?: string;
  /** Resource to call (default: the server's). */
  resource?: string;
  /** Send a receipt's `baseVersion` as `If-Match` (a versioned server refuses an outdated one with 409). */
  ifMatch?: boolean;
  /** Sent as `x-user` (a `perUser` server's table); read at each request when a function. */
  user?: string | (() => string);
}

export interface TestApi<TRow extends Row = Row> {
  queryFn: () => Promise<TRow[]>;
  mutations: {
    create: (data: Partial<TRow>, receipt?: MutationReceipt) => Promise<TRow>;
    update: (params: { id: string; data: Partial<TRow> }, receipt?: MutationReceipt) => Promise<TRow>;
    remove: (id: string, receipt?: MutationReceipt) => Promise<{ id: string }>;
  };
}

/** A non-2xx response: `status` and the parsed `body`; the message has both. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

function errorText(body: unknown, raw: string): string {
  if (typeof body === "object" && body !== null && "error" in body && typeof body.error === "string") {
    return body.error;
  }
  return raw;
}

/** Builds the client; every request goes to `server.url`. */
export function createTestApi<TRow extends Row = Row>(
  server: Pick<TestServer, "url" | "resource">,
  options: TestApiOptions = {},
): TestApi<TRow> {
  const base = `${server.url}/${options.resource ?? server.resource}`;

  async function request<T>(method: string, url: string, body?: unknown, receipt?: MutationReceipt): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (options.browserId !== undefined) headers["x-browser-id"] = options.browserId;
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (receipt?.mutationId !== undefined) headers["x-mutation-id"] = receipt.mutationId;
    if (receipt?.originId !== undefined) headers["x-origin-id"] = receipt.originId;
    if (options.ifMatch && receipt?.baseVersion !== undefined) headers["if-match"] = String(receipt.baseVersion);
    const user = typeof options.user === "function" ? options.user() : options.user;
    if (user !== undefined) headers["x-user"] = user;

    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = raw === "" ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      parsed = raw;
    }
    if (!response.ok) {
      const message = `${method} ${new URL(url).pathname} failed: ${response.status} ${errorText(parsed, raw)}`;
      throw new HttpError(response.status, parsed, message);
    }
    return parsed as T;
  }

  const itemUrl = (id: string) => `${base}/${encodeURIComponent(id)}`;

  return {
    queryFn: () => request<TRow[]>("GET", base),
    mutations: {
      create: (data, receipt) => request<TRow>("POST", base, data, receipt),
      update: ({ id, data }, receipt) => request<TRow>("PUT", itemUrl(id), data, receipt),
      remove: (id, receipt) => request<{ id: string }>("DELETE", itemUrl(id), undefined, receipt),
    },
  };
}
