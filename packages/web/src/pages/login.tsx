import { useState } from 'react';
import { type LoginResponse, post, type User } from '../api';
import { ErrorText } from '../ui';

function useSubmit<T>(fn: () => Promise<T>, done: (r: T) => void) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      done(await fn());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}

export function LoginPage({ onDone, setupError }: { onDone: (u: User) => void; setupError: unknown }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, submit } = useSubmit(
    () => post<LoginResponse>('/api/v1/auth/login', { username, password }),
    (r) => onDone({ ...r.user, disabled: false, createdAt: 0 }),
  );
  return (
    <main className="centered">
      <form className="card auth" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Mining Rig Monitor</h1>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorText error={error} prefix="Could not sign in" />
        <ErrorText error={setupError} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small-text">
          Forgot your password? An admin can set a new one on the Users page.
        </p>
      </form>
    </main>
  );
}

export function SetupPage({ onDone }: { onDone: (u: User) => void }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const { error, busy, submit } = useSubmit(
    async () => {
      if (password !== repeat) throw new Error('the two passwords differ');
      return post<LoginResponse>('/api/v1/setup', { username, password });
    },
    (r) => onDone({ ...r.user, disabled: false, createdAt: 0 }),
  );
  return (
    <main className="centered">
      <form className="card auth" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">Welcome: create the first admin</h1>
        <p className="muted">
          This commander has no users yet. The first account is an admin; add operators and viewers later on
          the Users page.
        </p>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label>
          Password (at least 8 characters)
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <label>
          Password again
          <input
            name="repeat"
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
        </label>
        <ErrorText error={error} prefix="Could not create the admin" />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create admin and sign in'}
        </button>
      </form>
    </main>
  );
}
