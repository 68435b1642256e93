import { keepNewest } from "../core/keepNewest";

/**
 * The server calls of persisted managers, per `QueryClient` (a page's) and receipt: those in flight,
 * and the newest 64 answered ({@link keepNewest}) (a failed one is forgotten). A manager that restores a
 * change another one of its client sent (a remount on the same storage, the first destroyed with it
 * in flight) joins that call, or takes its answer, instead of sending it again.
 */
const calls = new WeakMap<object, { sending: Map<string, Promise<unknown>>; answered: Map<string, Promise<unknown>> }>();

function joinCall<T>(client: object, mutationId: string, send: () => Promise<T>): Promise<T> {
  let of = calls.get(client);
  if (!of) calls.set(client, (of = { sending: new Map(), answered: new Map() }));
  const { sending, answered } = of;
  let call = (sending.get(mutationId) ?? answered.get(mutationId)) as Promise<T> | undefined;
  if (!call) {
    const sent = (call = send());
    sending.set(mutationId, sent);
    // Answers only are bounded: a slow call outlives any number of quick ones.
    sent.then(
      () => {
        sending.delete(mutationId);
        keepNewest(answered, mutationId, sent);
      },
      () => sending.delete(mutationId),
    );
  }
  return call;
}

/**
 * Sends the server call made with receipt `mutationId` by a manager of `client`, or joins the one
 * another manager of it made with that receipt (each manager settles the answer by its own rules: a
 * conflict, by its strategy). Sent again after the conflict of the call made with `conflicted`, it
 * is that one's too for a manager that sends it later (restored changes of one storage wait for each other).
 */
export function shareCall<T>(client: object, mutationId: string, send: () => Promise<T>, conflicted?: string | false): Promise<T> {
  const call = joinCall(client, mutationId, send);
  if (conflicted) void joinCall(client, conflicted, () => call);
  return call;
}
