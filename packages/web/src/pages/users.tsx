import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { del, get, patch, post, type Role, type User } from '../api';
import { dateTime } from '../format';
import { useCan, useSession } from '../session';
import { ErrorText, Loading, PageHeader } from '../ui';

export function UsersPage() {
  const isAdmin = useCan('admin');
  const me = useSession().user;
  const qc = useQueryClient();
  const users = useQuery({
    queryKey: ['users'],
    queryFn: async () => (await get<{ items: User[] }>('/api/v1/users')).items,
    enabled: isAdmin,
  });
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' as Role });
  const [error, setError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  if (!isAdmin)
    return (
      <section>
        <PageHeader title="Users" />
        <p className="error" role="alert">
          Managing users needs the admin role.
        </p>
      </section>
    );
  const change = async (u: User, body: Record<string, unknown>) => {
    setRowError(null);
    try {
      await patch(`/api/v1/users/${u.id}`, body);
      void qc.invalidateQueries({ queryKey: ['users'] });
    } catch (err) {
      setRowError({ id: u.id, error: err });
    }
  };
  return (
    <section>
      <PageHeader title="Users" />
      <p className="muted">
        Roles: <strong>admin</strong> (everything, including users), <strong>operator</strong> (sentries,
        ASICs, templates, playbooks, commands), <strong>viewer</strong> (read only).
      </p>
      <form
        className="card form-row"
        aria-label="New user"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await post('/api/v1/users', form);
            setForm({ username: '', password: '', role: 'viewer' });
            void qc.invalidateQueries({ queryKey: ['users'] });
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2>New user</h2>
        <label>
          Username
          <input
            name="new-username"
            required
            value={form.username}
            onChange={(e) => setForm({ ...form, username: e.target.value })}
          />
        </label>
        <label>
          Password
          <input
            name="new-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </label>
        <label>
          Role
          <select
            name="new-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit" className="primary">
          Add user
        </button>
        <ErrorText error={error} prefix="Could not add the user" />
      </form>
      <ErrorText error={users.error} prefix="Could not load users" />
      {users.isPending ? (
        <Loading what="users" />
      ) : (
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th>Username</th>
                <th>Role</th>
                <th>State</th>
                <th className="hide-sm">Created</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {(users.data ?? []).map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.username}
                    {u.id === me.id ? <span className="muted"> (you)</span> : null}
                    {rowError?.id === u.id ? <ErrorText error={rowError.error} /> : null}
                  </td>
                  <td>
                    <select
                      aria-label={`Role of ${u.username}`}
                      value={u.role}
                      onChange={(e) => change(u, { role: e.target.value })}
                    >
                      <option value="viewer">viewer</option>
                      <option value="operator">operator</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td>{u.disabled ? 'disabled' : 'active'}</td>
                  <td className="hide-sm">{dateTime(u.createdAt)}</td>
                  <td className="nowrap">
                    <button
                      type="button"
                      className="small"
                      onClick={() => change(u, { disabled: !u.disabled })}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                    <button
                      type="button"
                      className="small"
                      onClick={() => {
                        const password = window.prompt(
                          `New password for ${u.username} (at least 8 characters)`,
                        );
                        if (password) void change(u, { password });
                      }}
                    >
                      Set password
                    </button>
                    <button
                      type="button"
                      className="small danger"
                      disabled={u.id === me.id}
                      onClick={async () => {
                        if (!window.confirm(`Delete user ${u.username}?`)) return;
                        setRowError(null);
                        try {
                          await del(`/api/v1/users/${u.id}`);
                          void qc.invalidateQueries({ queryKey: ['users'] });
                        } catch (err) {
                          setRowError({ id: u.id, error: err });
                        }
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
