import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { del, patch, post, type Template } from '../api';
import { useTemplates } from '../data';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader } from '../ui';

export function TemplatesPage() {
  const templates = useTemplates();
  const canOperate = useCan('operator');
  return (
    <section>
      <PageHeader title="Templates" />
      <p className="muted">
        Pool addresses and wallet addresses, kept once and used by playbooks. Changing one here reaches every
        rig that uses it; changes are in the audit log.
      </p>
      {canOperate ? <TemplateForm /> : null}
      <ErrorText error={templates.error} prefix="Could not load templates" />
      {templates.isPending ? (
        <Loading what="templates" />
      ) : (
        (['pool', 'wallet'] as const).map((kind) => {
          const list = (templates.data ?? []).filter((t) => t.kind === kind);
          return (
            <section className="panel" key={kind}>
              <h2>{kind === 'pool' ? 'Pools' : 'Wallets'}</h2>
              {list.length === 0 ? (
                <Empty title={`No ${kind} template yet`}>
                  {canOperate
                    ? `Add a ${kind === 'pool' ? 'pool URL such as stratum+tcp://pool.example.com:3333' : 'wallet address'} above, then use it in a playbook.`
                    : 'An operator can add one.'}
                </Empty>
              ) : (
                <div className="scroll-x">
                  <table>
                    <thead>
                      <tr>
                        <th>Name</th>
                        <th>{kind === 'pool' ? 'URL' : 'Address'}</th>
                        <th>Coin</th>
                        <th>Algorithm</th>
                        <th>Used by</th>
                        {canOperate ? <th>Actions</th> : null}
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((t) => (
                        <TemplateRow key={t.id} template={t} canOperate={canOperate} />
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          );
        })
      )}
    </section>
  );
}

function TemplateForm() {
  const qc = useQueryClient();
  const [form, setForm] = useState({
    name: '',
    kind: 'pool' as 'pool' | 'wallet',
    value: '',
    coin: '',
    algorithm: '',
  });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  return (
    <form
      className="card form-grid"
      aria-label="New template"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(null);
        try {
          const t = await post<Template>('/api/v1/templates', {
            name: form.name,
            kind: form.kind,
            value: form.value.trim(),
            ...(form.coin ? { coin: form.coin } : {}),
            ...(form.algorithm ? { algorithm: form.algorithm } : {}),
          });
          setSaved(t.name);
          setForm((f) => ({ ...f, name: '', value: '' }));
          void qc.invalidateQueries({ queryKey: ['templates'] });
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>New template</h2>
      <label>
        Kind
        <select name="template-kind" value={form.kind} onChange={(e) => set('kind', e.target.value)}>
          <option value="pool">pool address</option>
          <option value="wallet">wallet address</option>
        </select>
      </label>
      <label>
        Name
        <input
          name="template-name"
          required
          value={form.name}
          onChange={(e) => set('name', e.target.value)}
          placeholder="XMR main pool"
        />
      </label>
      <label className="wide">
        {form.kind === 'pool' ? 'Pool URL' : 'Wallet address'}
        <input
          name="template-value"
          required
          value={form.value}
          spellCheck={false}
          onChange={(e) => set('value', e.target.value)}
          placeholder={form.kind === 'pool' ? 'stratum+tcp://pool.example.com:3333' : '4A…'}
        />
      </label>
      <label>
        Coin
        <input
          name="template-coin"
          value={form.coin}
          onChange={(e) => set('coin', e.target.value)}
          placeholder="XMR"
        />
      </label>
      <label>
        Algorithm
        <input
          name="template-algorithm"
          value={form.algorithm}
          onChange={(e) => set('algorithm', e.target.value)}
          placeholder="randomx"
        />
      </label>
      <div className="form-end">
        <button type="submit" className="primary">
          Add template
        </button>
        {saved ? <span className="ok">Saved {saved}.</span> : null}
      </div>
      <ErrorText error={error} prefix="Could not save the template" />
    </form>
  );
}

function TemplateRow({ template: t, canOperate }: { template: Template; canOperate: boolean }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(t.value);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <tr data-template={t.name}>
        <td>{t.name}</td>
        <td className="wrap">
          {editing ? (
            <input
              aria-label={`New value for ${t.name}`}
              value={value}
              spellCheck={false}
              onChange={(e) => setValue(e.target.value)}
            />
          ) : (
            <code>{t.value}</code>
          )}
        </td>
        <td>{t.coin ?? '–'}</td>
        <td>{t.algorithm ?? '–'}</td>
        <td>
          {t.usedBy.length === 0 ? (
            <span className="muted">unused</span>
          ) : (
            t.usedBy.map((u) => (
              <div key={u.playbookId}>
                <Link href={`/devices/${u.rigId}`}>{u.playbookName}</Link>
              </div>
            ))
          )}
        </td>
        {canOperate ? (
          <td className="nowrap">
            {editing ? (
              <>
                <button
                  type="button"
                  className="small primary"
                  onClick={async () => {
                    setError(null);
                    try {
                      await patch(`/api/v1/templates/${t.id}`, { value: value.trim() });
                      setEditing(false);
                      void qc.invalidateQueries({ queryKey: ['templates'] });
                    } catch (err) {
                      setError(err);
                    }
                  }}
                >
                  Save
                </button>
                <button type="button" className="small" onClick={() => setEditing(false)}>
                  Cancel
                </button>
              </>
            ) : (
              <>
                <button type="button" className="small" onClick={() => setEditing(true)}>
                  Edit
                </button>
                <button
                  type="button"
                  className="small danger"
                  disabled={t.usedBy.length > 0}
                  title={t.usedBy.length ? 'Used by a playbook: change the playbook first' : undefined}
                  onClick={async () => {
                    if (!window.confirm(`Delete template ${t.name}?`)) return;
                    setError(null);
                    try {
                      await del(`/api/v1/templates/${t.id}`);
                      void qc.invalidateQueries({ queryKey: ['templates'] });
                    } catch (err) {
                      setError(err);
                    }
                  }}
                >
                  Delete
                </button>
              </>
            )}
          </td>
        ) : null}
      </tr>
      {error ? (
        <tr>
          <td colSpan={6}>
            <ErrorText error={error} prefix={`Could not change ${t.name}`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
