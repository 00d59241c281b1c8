import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type ApiToken, type ApiTokenCreated, del, get, post } from '../api';
import { ago, dateTime } from '../format';
import { useSession } from '../session';
import { ErrorText, PageHeader, Secret } from '../ui';

export function AccountPage() {
  const { user } = useSession();
  return (
    <section>
      <PageHeader title="Your account" />
      <p>
        Signed in as <strong>{user.username}</strong> with the <strong>{user.role}</strong> role.
      </p>
      <div className="two-col">
        <PasswordForm />
        <Tokens />
      </div>
    </section>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  return (
    <form
      className="panel"
      aria-label="Change password"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setDone(false);
        try {
          await post('/api/v1/auth/password', { currentPassword: current, newPassword: next });
          setDone(true);
          setCurrent('');
          setNext('');
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>Change password</h2>
      <label>
        Current password
        <input
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <label>
        New password (at least 8 characters)
        <input
          type="password"
          autoComplete="new-password"
          minLength={8}
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
      <button type="submit" className="primary">
        Change password
      </button>
      {done ? <p className="ok">Password changed. Your other sessions were signed out.</p> : null}
      <ErrorText error={error} prefix="Could not change the password" />
    </form>
  );
}

function Tokens() {
  const qc = useQueryClient();
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: async () => (await get<{ items: ApiToken[] }>('/api/v1/tokens')).items,
  });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <section className="panel">
      <h2>API tokens</h2>
      <p className="muted">
        For scripts and monitoring tools: send as Authorization: Bearer. Shown once when created.
      </p>
      <form
        className="inline"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            setCreated(await post<ApiTokenCreated>('/api/v1/tokens', { name }));
            setName('');
            void qc.invalidateQueries({ queryKey: ['tokens'] });
          } catch (err) {
            setError(err);
          }
        }}
      >
        <input
          aria-label="Token name"
          required
          placeholder="grafana"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit">Create token</button>
      </form>
      <ErrorText error={error} prefix="Could not create the token" />
      {created ? <Secret label="API token" value={created.token} /> : null}
      <ErrorText error={tokens.error} />
      <ul className="plain">
        {(tokens.data ?? []).map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong> <code>{t.prefix}…</code>{' '}
            <span className="muted">
              ({t.role}, last used {ago(t.lastUsedAt)}, expires{' '}
              {t.expiresAt ? dateTime(t.expiresAt) : 'never'})
            </span>{' '}
            <button
              type="button"
              className="small danger"
              onClick={async () => {
                try {
                  await del(`/api/v1/tokens/${t.id}`);
                  void qc.invalidateQueries({ queryKey: ['tokens'] });
                } catch (err) {
                  setError(err);
                }
              }}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
