import { observer } from "mobx-react-lite";
import { useState, type FormEvent } from "react";
import { describeFailure, ErrorBanner } from "./ErrorBanner";
import { posts } from "./stores";

/** The with-auth example: nothing is fetched until sign-in; sign-out clears the list. */
export const PostsPanel = observer(function PostsPanel() {
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="panel" aria-labelledby="posts-title">
      <h2 id="posts-title">Posts</h2>
      <ErrorBanner message={error} onDismiss={() => setError(null)} testId="post-error" />
      {posts.isSignedIn ? <SignedIn onError={setError} /> : <SignInForm onError={setError} />}
    </section>
  );
});

const SignInForm = observer(function SignInForm({ onError }: { onError: (message: string | null) => void }) {
  const [username, setUsername] = useState("demo");
  const [password, setPassword] = useState("demo");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onError(null);
    posts.signIn(username, password).catch((failure: unknown) => onError(failure instanceof Error ? failure.message : String(failure)));
  };
  return (
    <form onSubmit={submit} className="signin" data-testid="signin-form">
      <p>Posts are only for signed-in users (demo / demo).</p>
      <input value={username} onChange={(event) => setUsername(event.target.value)} aria-label="Username" autoComplete="username" data-testid="signin-username" />
      <input
        type="password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        aria-label="Password"
        autoComplete="current-password"
        data-testid="signin-password"
      />
      <button type="submit" data-testid="signin-submit">
        Sign in
      </button>
    </form>
  );
});

const SignedIn = observer(function SignedIn({ onError }: { onError: (message: string | null) => void }) {
  const [title, setTitle] = useState("");
  const { store, actions, status } = posts.manager;
  const add = (event: FormEvent) => {
    event.preventDefault();
    const text = title.trim();
    if (!text) return;
    setTitle("");
    actions.create({ title: text }).catch((failure: unknown) => onError(describeFailure(`Posting "${text}"`, failure)));
  };
  return (
    <>
      <p className="row">
        <span data-testid="signed-in-as">Signed in as {posts.user?.name}</span>
        <button type="button" onClick={() => void posts.signOut()} data-testid="signout">
          Sign out
        </button>
      </p>
      <form onSubmit={add} className="row">
        <input value={title} onChange={(event) => setTitle(event.target.value)} placeholder="New post title" aria-label="New post" data-testid="post-input" />
        <button type="submit" data-testid="post-add">
          Post
        </button>
      </form>
      {status.isLoading && <p>Loading…</p>}
      <ul className="list" data-testid="post-list">
        {store.list.map((post) => (
          <li key={store.viewKey(post.id)} data-testid="post-item" className={store.isPending(post.id) ? "pending" : ""}>
            <div>
              <strong data-testid="post-title">{post.title}</strong>
              <small>
                {" "}
                by {post.author}, {post.createdAt.toLocaleTimeString()}
              </small>
              {post.body && <p>{post.body}</p>}
            </div>
            <button
              type="button"
              aria-label={`Delete ${post.title}`}
              onClick={() => void actions.remove(post.id).catch((failure: unknown) => onError(describeFailure(`Deleting "${post.title}"`, failure)))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </>
  );
});
