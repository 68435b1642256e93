import { observer } from "mobx-react-lite";
import { useOptimisticStore } from "mobx-tanstack-optimistic/react";
import { useState, type FormEvent } from "react";
import type { AuthenticatedPostStore } from "../../examples/with-auth/AuthenticatedStore";
import { AddForm } from "./AddForm";
import { ClippedText } from "./ClippedText";
import { FailureList } from "./FailureList";
import { messageOf, quote } from "./failures";
import { LiveBadge } from "./LiveBadge";
import { rowState, RowStateBadge } from "./RowState";
import { createPosts, failures, usePageStore } from "./stores";

/**
 * The with-auth example, live: nothing is fetched until sign-in; sign-out clears the list and
 * closes its socket. The panel owns the store (`useOptimisticStore` takes any object with a
 * `destroy()`, here the example's class around its manager). A refused post rolls back (the
 * library's default) and is listed until dismissed.
 */
export const PostsPanel = observer(function PostsPanel() {
  const posts = useOptimisticStore(createPosts);
  usePageStore("posts", posts.manager, { live: false }); // its own token-bearing socket, opened at sign-in
  return (
    <section className="panel" aria-labelledby="posts-title" data-testid="posts-panel">
      <header className="panel-head">
        <h2 id="posts-title">
          Posts {posts.isSignedIn && <span className="count">{posts.manager.store.count}</span>}
        </h2>
        {posts.isSignedIn && <LiveBadge connected={posts.manager.realtime?.isConnected ?? false} testId="posts-realtime-status" />}
      </header>
      <FailureList panel="posts" testId="post-error" />
      {posts.isSignedIn ? <SignedIn posts={posts} /> : <SignInForm posts={posts} />}
    </section>
  );
});

const SignInForm = observer(function SignInForm({ posts }: { posts: AuthenticatedPostStore }) {
  const [username, setUsername] = useState("demo");
  const [password, setPassword] = useState("demo");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    posts.signIn(username, password).catch((failure: unknown) => failures.report("posts", `Signing in failed: ${messageOf(failure)}`));
  };
  return (
    <form onSubmit={submit} className="signin" data-testid="signin-form">
      <p className="panel-note">Posts are for signed-in users only: nothing is fetched before you sign in (demo / demo, or alex / alex: each account has its own posts).</p>
      <input value={username} onChange={(event) => setUsername(event.target.value)} aria-label="Username" autoComplete="username" data-testid="signin-username" />
      <input
        type="password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        aria-label="Password"
        autoComplete="current-password"
        data-testid="signin-password"
      />
      <button type="submit" className="primary" data-testid="signin-submit">
        Sign in
      </button>
    </form>
  );
});

const SignedIn = observer(function SignedIn({ posts }: { posts: AuthenticatedPostStore }) {
  const { store, actions, status } = posts.manager;
  return (
    <>
      <p className="signed-in">
        <span data-testid="signed-in-as">Signed in as {posts.user?.name}</span>
        <button type="button" className="link" onClick={() => void posts.signOut()} data-testid="signout">
          Sign out
        </button>
      </p>
      <AddForm
        what="post"
        placeholder="New post title"
        button="Post"
        prefix="post"
        onAdd={(title) => void failures.track("posts", `Posting ${quote(title)}`, actions.create({ title }))}
      />
      {status.isLoading && <p className="muted">Loading…</p>}
      <ul className="list" data-testid="post-list">
        {store.list.map((post) => {
          const pending = store.isPending(post.id);
          const failure = failures.rowFailure("posts", post.id);
          const state = rowState(pending, failure);
          return (
            <li key={store.viewKey(post.id)} data-testid="post-item" data-state={state} className={`row row-${state}`}>
              <div className="row-main">
                <strong className="row-title">
                  <ClippedText text={post.title} testId="post-title" />
                </strong>
                <small className="muted">
                  by {post.author}, {post.createdAt.toLocaleTimeString()}
                </small>
                {post.body && <ClippedText text={post.body} className="post-body" />}
                <RowStateBadge state={state} failure={failure} />
              </div>
              <button
                type="button"
                className="icon danger"
                aria-label={`Delete ${post.title.slice(0, 80)}`}
                onClick={() => void failures.track("posts", `Deleting ${quote(post.title)}`, actions.remove(post.id), post.id)}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
    </>
  );
});
