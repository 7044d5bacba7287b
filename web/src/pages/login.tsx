// Login and the forced change of a one-time password.
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { login, refreshSession, useSession } from "../session";
import { ErrorBanner, Field } from "../ui";

export function LoginPage() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="narrow">
      <h1>Sign in to Changeledger</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await login(username.trim(), password);
          } catch (err) {
            if (err instanceof ApiError && err.status === 401) setError(new Error("The user name or password is wrong."));
            else if (err instanceof ApiError && err.status === 429) setError(new Error(err.detail || "Too many attempts; wait a moment and try again."));
            else setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <ErrorBanner error={error} />
        <Field label="User name">
          {(id) => <input id={id} name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />}
        </Field>
        <Field label="Password">
          {(id) => <input id={id} name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />}
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p class="muted">Single sign-on is not configured on this server.</p>
    </main>
  );
}

export function PasswordPage() {
  const session = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<unknown>(null);
  const mismatch = again !== "" && next !== again;
  return (
    <main id="main" class="narrow">
      <h1>Choose your password</h1>
      <p>
        {session.user?.display_name}, you signed in with a one-time password. Choose your own: at least 12 characters, not containing your user name.
      </p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (mismatch) return;
          setError(null);
          try {
            await api("POST", "/api/v1/me/password", { current_password: current, new_password: next });
            await refreshSession();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <ErrorBanner error={error} />
        <Field label="One-time password">
          {(id) => <input id={id} type="password" autoComplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />}
        </Field>
        <Field label="New password" help="At least 12 characters.">
          {(id, d) => <input id={id} type="password" autoComplete="new-password" minLength={12} required aria-describedby={d} value={next} onInput={(e) => setNext(e.currentTarget.value)} />}
        </Field>
        <Field label="New password again" error={mismatch ? "The two passwords differ." : undefined}>
          {(id, d) => <input id={id} type="password" autoComplete="new-password" required aria-describedby={d} aria-invalid={mismatch} value={again} onInput={(e) => setAgain(e.currentTarget.value)} />}
        </Field>
        <button type="submit" class="primary" disabled={mismatch}>
          Set password
        </button>
      </form>
    </main>
  );
}
