import {
  fillPlaceholders,
  placeholdersIn,
  type TemplatePlaceholder,
  templatePlaceholders,
} from '@mrm/protocol';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useMemo, useState } from 'react';
import { Link, useParams } from 'wouter';
import { type CatalogueItem, type Device, del, get, type Playbook, post, type Template } from '../api';
import { useDevices, useTemplates } from '../data';
import { hashrate } from '../format';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader, StatusBadge } from '../ui';

type Rec = Record<string, unknown>;

/** Live state of one playbook as the rig last reported it. */
function liveState(rig: Device | undefined, playbookId: string): Rec | undefined {
  const list = (rig?.details?.playbooks ?? []) as Rec[];
  return Array.isArray(list) ? list.find((p) => p && p.id === playbookId) : undefined;
}

export function PlaybooksPage() {
  const devices = useDevices();
  const canOperate = useCan('operator');
  const rigs = useMemo(
    () => (devices.data ?? []).filter((d) => d.kind === 'rig').slice(0, 300),
    [devices.data],
  );
  const lists = useQueries({
    queries: rigs.map((r) => ({
      queryKey: ['playbooks', r.id],
      queryFn: async () => (await get<{ items: Playbook[] }>(`/api/v1/rigs/${r.id}/playbooks`)).items,
    })),
  });
  if (devices.isPending) return <Loading what="rigs" />;
  return (
    <section>
      <PageHeader title="Playbooks">
        {canOperate && rigs.length ? (
          <Link href="/playbooks/new" className="button primary">
            New playbook
          </Link>
        ) : null}
      </PageHeader>
      <p className="muted">
        A playbook is one mining program on one rig: its script, with pool and wallet templates in the
        placeholders. A rig can run several (CPU and GPU miners side by side).
      </p>
      <ErrorText error={devices.error} prefix="Could not load rigs" />
      {rigs.length === 0 ? (
        <Empty title="No rigs yet">
          Playbooks run on rigs. <Link href="/sentries">Create a rig sentry</Link> and install it on the rig;
          the rig appears here when it first reports.
        </Empty>
      ) : (
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th>Rig</th>
                <th>Playbook</th>
                <th>Program</th>
                <th>State on the rig</th>
                <th className="num">Hashrate</th>
              </tr>
            </thead>
            <tbody>
              {rigs.map((r, i) => {
                const list = lists[i]?.data ?? [];
                if (lists[i]?.error)
                  return (
                    <tr key={r.id}>
                      <td>{r.name}</td>
                      <td colSpan={4}>
                        <ErrorText error={lists[i]?.error} />
                      </td>
                    </tr>
                  );
                if (list.length === 0)
                  return (
                    <tr key={r.id}>
                      <td>
                        <Link href={`/devices/${r.id}`}>{r.name}</Link>
                      </td>
                      <td colSpan={4} className="muted">
                        none {canOperate ? <Link href={`/playbooks/new/${r.id}`}>add one</Link> : null}
                      </td>
                    </tr>
                  );
                return list.map((p, j) => {
                  const s = liveState(r, p.id);
                  return (
                    <tr key={p.id}>
                      <td>{j === 0 ? <Link href={`/devices/${r.id}`}>{r.name}</Link> : null}</td>
                      <td>{p.name}</td>
                      <td>
                        {p.software.name} {p.software.version}
                      </td>
                      <td>
                        <StatusBadge
                          status={
                            !p.enabled
                              ? 'disabled'
                              : typeof s?.state === 'string'
                                ? s.state
                                : 'waiting for the rig'
                          }
                        />
                      </td>
                      <td className="num">{hashrate(typeof s?.hashrate === 'number' ? s.hashrate : null)}</td>
                    </tr>
                  );
                });
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Quotes a value for sh the way the rig's script writer does: in single quotes. */
function shQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

const PLACEHOLDER_SPLIT =
  /(\$\{?(?:WORKER_NAME|API_PORT|CPU_POOL|GPU_POOL_1|GPU_POOL_2|CPU_WALLET|GPU_WALLET_1|GPU_WALLET_2)\}?)/g;

/** The script as text with each placeholder marked; nothing is parsed as HTML. */
function Highlighted({ script }: { script: string }) {
  let at = 0;
  const parts = script.split(PLACEHOLDER_SPLIT).map((text, i) => {
    const part = { text, at, placeholder: i % 2 === 1 };
    at += text.length;
    return part;
  });
  return (
    <pre className="script" data-testid="highlighted-script">
      {parts.map((p) =>
        p.placeholder ? (
          <mark key={p.at} className="ph">
            {p.text}
          </mark>
        ) : (
          <Fragment key={`t${p.at}`}>{p.text}</Fragment>
        ),
      )}
    </pre>
  );
}

type Progress = { state: 'saving' | 'saved' | 'failed'; playbookId?: string; error?: string };

export function PlaybookEditorPage() {
  const params = useParams<{ rigs?: string }>();
  const devices = useDevices();
  const templates = useTemplates();
  const qc = useQueryClient();
  const canOperate = useCan('operator');
  const software = useQuery({
    queryKey: ['software'],
    queryFn: () => get<{ items: CatalogueItem[] }>('/api/v1/software'),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const rigs = useMemo(() => (devices.data ?? []).filter((d) => d.kind === 'rig'), [devices.data]);
  const [targets, setTargets] = useState<Set<string>>(
    () => new Set((params.rigs ?? '').split(',').filter(Boolean)),
  );
  const [programName, setProgramName] = useState('');
  const [version, setVersion] = useState('');
  const [script, setScript] = useState('');
  const [name, setName] = useState('');
  const [workerName, setWorkerName] = useState('');
  const [powerLimit, setPowerLimit] = useState('');
  const [chosen, setChosen] = useState<Partial<Record<TemplatePlaceholder, string>>>({});
  const [progress, setProgress] = useState<Record<string, Progress>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const program = software.data?.items.find((s) => s.name === programName);
  const used = placeholdersIn(script);
  const needed = used.filter((p): p is TemplatePlaceholder =>
    (templatePlaceholders as readonly string[]).includes(p),
  );
  const byId = new Map((templates.data ?? []).map((t) => [t.id, t]));
  const firstRig = rigs.find((r) => targets.has(r.id));
  const rendered = fillPlaceholders(script, {
    ...Object.fromEntries(
      needed.flatMap((p) => {
        const t = chosen[p] ? byId.get(chosen[p]!) : undefined;
        return t ? [[p, shQuote(t.value)]] : [];
      }),
    ),
    WORKER_NAME: shQuote(workerName || firstRig?.name.replace(/[^A-Za-z0-9._-]/g, '-') || 'rig'),
  });

  // Follow the rigs the playbook was applied to: their reports say whether it runs.
  const watched = Object.entries(progress).filter(([, p]) => p.state === 'saved');
  const rigStates = useQueries({
    queries: watched.map(([rigId]) => ({
      queryKey: ['device', rigId],
      queryFn: () => get<Device>(`/api/v1/devices/${rigId}`),
      refetchInterval: 5_000,
    })),
  });

  if (!canOperate)
    return (
      <section>
        <PageHeader title="New playbook" />
        <p className="error" role="alert">
          Creating playbooks needs the operator role; you can view them on the{' '}
          <Link href="/playbooks">Playbooks</Link> page.
        </p>
      </section>
    );

  const pick = (n: string) => {
    const item = software.data?.items.find((s) => s.name === n);
    setProgramName(n);
    setVersion(item?.versions[0] ?? '');
    if (item) setScript(item.defaultScript);
    if (item && (!name || software.data?.items.some((s) => name.startsWith(`${s.displayName}`))))
      setName(item.displayName);
  };

  async function save() {
    setFormError(null);
    const missing = needed.filter((p) => !chosen[p]);
    if (!program) return setFormError('pick a mining program first');
    if (!targets.size) return setFormError('choose at least one rig to apply the playbook to');
    if (missing.length)
      return setFormError(`choose a template for ${missing.map((m) => `$${m}`).join(', ')}`);
    const body = {
      name: name || program.displayName,
      software: { name: program.name, version },
      script,
      templates: Object.fromEntries(needed.map((p) => [`$${p}`, chosen[p]])),
      ...(workerName ? { workerName } : {}),
      ...(powerLimit ? { gpuPowerLimitW: Number(powerLimit) } : {}),
      enabled: true,
    };
    const ids = [...targets];
    setProgress(Object.fromEntries(ids.map((id) => [id, { state: 'saving' } as Progress])));
    await Promise.all(
      ids.map(async (rigId) => {
        try {
          const p = await post<Playbook>(`/api/v1/rigs/${rigId}/playbooks`, body);
          setProgress((s) => ({ ...s, [rigId]: { state: 'saved', playbookId: p.id } }));
        } catch (err) {
          setProgress((s) => ({ ...s, [rigId]: { state: 'failed', error: (err as Error).message } }));
        }
      }),
    );
    void qc.invalidateQueries({ queryKey: ['playbooks'] });
    void qc.invalidateQueries({ queryKey: ['templates'] });
  }

  const templateOptions = (p: TemplatePlaceholder): Template[] =>
    (templates.data ?? []).filter((t) => t.kind === (p.includes('POOL') ? 'pool' : 'wallet'));

  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/playbooks">Playbooks</Link> › <span>New</span>
      </nav>
      <PageHeader title="New playbook" />
      <ErrorText error={software.error} prefix="Could not load the mining programs" />
      <ErrorText error={templates.error} prefix="Could not load templates" />
      <div className="editor">
        <div className="panel">
          <h2>1. Mining program</h2>
          <label>
            Program
            <select name="program" value={programName} onChange={(e) => pick(e.target.value)}>
              <option value="">Choose…</option>
              {(software.data?.items ?? []).map((s) => (
                <option key={s.name} value={s.name}>
                  {s.displayName} ({s.devices.join(', ')})
                </option>
              ))}
            </select>
          </label>
          {program ? (
            <label>
              Version
              <select name="version" value={version} onChange={(e) => setVersion(e.target.value)}>
                {program.versions.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label>
            Playbook name
            <input
              name="playbook-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="XMRig on CPU"
            />
          </label>
          <label>
            Worker name (optional; default: the rig’s name)
            <input name="worker-name" value={workerName} onChange={(e) => setWorkerName(e.target.value)} />
          </label>
          <label>
            GPU power limit in W (optional)
            <input
              name="power-limit"
              value={powerLimit}
              inputMode="numeric"
              onChange={(e) => setPowerLimit(e.target.value.replace(/\D/g, ''))}
            />
          </label>
        </div>
        <div className="panel">
          <h2>2. Script</h2>
          {program ? (
            <>
              <p className="muted">
                Placeholders are marked: <mark className="ph">$CPU_POOL</mark> and the like take templates
                below; <mark className="ph">$WORKER_NAME</mark> and <mark className="ph">$API_PORT</mark> are
                filled by the commander.
              </p>
              <label>
                Script template (edit freely)
                <textarea
                  name="script"
                  rows={8}
                  spellCheck={false}
                  value={script}
                  onChange={(e) => setScript(e.target.value)}
                />
              </label>
              <Highlighted script={script} />
            </>
          ) : (
            <p className="muted">Pick a mining program: its script template appears here.</p>
          )}
        </div>
        <div className="panel">
          <h2>3. Templates for the placeholders</h2>
          {needed.length === 0 ? (
            <p className="muted">{program ? 'This script uses no pool or wallet placeholder.' : '–'}</p>
          ) : (
            needed.map((p) => {
              const options = templateOptions(p);
              return (
                <div key={p} className="field">
                  <mark className="ph" id={`ph-${p}`}>
                    ${p}
                  </mark>
                  {options.length === 0 ? (
                    <span className="error">
                      No {p.includes('POOL') ? 'pool' : 'wallet'} template yet:{' '}
                      <Link href="/templates">add one</Link>.
                    </span>
                  ) : (
                    <select
                      aria-labelledby={`ph-${p}`}
                      name={`template-${p}`}
                      value={chosen[p] ?? ''}
                      onChange={(e) => setChosen((c) => ({ ...c, [p]: e.target.value || undefined }))}
                    >
                      <option value="">Choose…</option>
                      {options.map((t) => (
                        <option key={t.id} value={t.id}>
                          {t.name}
                          {t.coin || t.algorithm
                            ? ` (${[t.coin, t.algorithm].filter(Boolean).join(', ')})`
                            : ''}
                        </option>
                      ))}
                    </select>
                  )}
                </div>
              );
            })
          )}
          <h2>Rendered script</h2>
          <p className="muted">
            What {firstRig ? `“${firstRig.name}”` : 'a rig'} will run (values quoted for its shell).
          </p>
          <pre className="script" data-testid="rendered-script">
            {rendered || '–'}
          </pre>
        </div>
        <div className="panel">
          <h2>4. Rigs</h2>
          {rigs.length === 0 ? (
            <p className="muted">No rigs yet.</p>
          ) : (
            <>
              <div className="actions">
                <button
                  type="button"
                  className="small"
                  onClick={() => setTargets(new Set(rigs.map((r) => r.id)))}
                >
                  All {rigs.length}
                </button>
                <button type="button" className="small" onClick={() => setTargets(new Set())}>
                  None
                </button>
              </div>
              <ul className="plain rig-picker">
                {rigs.map((r) => (
                  <li key={r.id}>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={targets.has(r.id)}
                        onChange={() =>
                          setTargets((s) => {
                            const n = new Set(s);
                            if (n.has(r.id)) n.delete(r.id);
                            else n.add(r.id);
                            return n;
                          })
                        }
                      />
                      {r.name} <StatusBadge status={r.status} />
                    </label>
                  </li>
                ))}
              </ul>
            </>
          )}
          {formError ? (
            <p className="error" role="alert">
              Cannot save yet: {formError}
            </p>
          ) : null}
          <button
            type="button"
            className="primary"
            onClick={() => void save()}
            disabled={Object.values(progress).some((p) => p.state === 'saving')}
          >
            Save and apply to {targets.size} rig{targets.size === 1 ? '' : 's'}
          </button>
        </div>
      </div>
      {Object.keys(progress).length ? (
        <section className="panel" aria-live="polite">
          <h2>Progress</h2>
          <table data-testid="apply-progress">
            <thead>
              <tr>
                <th>Rig</th>
                <th>Saved on the commander</th>
                <th>On the rig</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(progress).map(([rigId, p]) => {
                const rig = rigs.find((r) => r.id === rigId);
                const idx = watched.findIndex(([id]) => id === rigId);
                const fresh = idx >= 0 ? rigStates[idx]?.data : undefined;
                const s = p.playbookId ? liveState(fresh, p.playbookId) : undefined;
                const state = typeof s?.state === 'string' ? s.state : null;
                const err = typeof s?.lastError === 'string' ? s.lastError : null;
                return (
                  <tr key={rigId} data-rig={rig?.name}>
                    <td>{rig?.name ?? rigId}</td>
                    <td>
                      {p.state === 'saving' ? (
                        'saving…'
                      ) : p.state === 'saved' ? (
                        'saved'
                      ) : (
                        <span className="error">failed: {p.error}</span>
                      )}
                    </td>
                    <td>
                      {p.state !== 'saved' ? (
                        '–'
                      ) : state === 'running' ? (
                        'applied, running'
                      ) : state === 'failing' || err ? (
                        <span className="error">failed: {err ?? state}</span>
                      ) : state ? (
                        state
                      ) : (
                        'waiting for the rig to apply it'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}
    </section>
  );
}

export async function deletePlaybook(rigId: string, id: string) {
  await del(`/api/v1/rigs/${rigId}/playbooks/${id}`);
}
