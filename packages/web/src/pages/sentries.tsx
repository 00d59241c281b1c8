import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { type Device, del, get, post, type ScanHit, type Sentry, type SentryCreated } from '../api';
import { useDevices, useSentries } from '../data';
import { ago, hashrate } from '../format';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader, Secret, StatusBadge } from '../ui';

/** The line that enrols an ASIC sentry (the commander gives rigs an install command of their own). */
function enrolCommand(created: SentryCreated): string {
  if (created.installCommand) return created.installCommand;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `npx mrm-asic-sentry enroll --url ${q(created.commanderUrl)} --token ${q(created.token)}`;
}

export function CreatedSentry({ created, onClose }: { created: SentryCreated; onClose: () => void }) {
  return (
    <section className="card created" aria-label="New sentry token" data-testid="sentry-created">
      <h2>
        Sentry “{created.name}” ({created.kind}) is ready
      </h2>
      <p>
        Copy the token now: <strong>it is shown only once</strong>. The commander keeps only its hash; if it
        is lost, rotate the sentry to get a new one.
      </p>
      <Secret label="Commander URL" value={created.commanderUrl} />
      <Secret label="Token" value={created.token} />
      <Secret
        label={created.kind === 'rig' ? 'Install command' : 'Enrol command'}
        value={enrolCommand(created)}
      />
      <p className="muted">
        {created.kind === 'rig'
          ? 'Run the install command as root on the rig (Linux with systemd and Node.js 20.19+). It installs the mrm-rig-sentry service and enrols it.'
          : 'On the machine on the miners’ LAN, install the ASIC sentry and run the enrol command; then add ASICs here or on the sentry.'}
      </p>
      <button type="button" onClick={onClose}>
        I have copied the token
      </button>
    </section>
  );
}

export function SentriesPage() {
  const sentries = useSentries();
  const canOperate = useCan('operator');
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'rig' | 'asic'>('rig');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<SentryCreated | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section>
      <PageHeader title="Sentries" />
      <p className="muted">
        A rig sentry runs on each GPU/CPU rig and applies its playbooks; an ASIC sentry watches many ASICs on
        a LAN.
      </p>
      {canOperate ? (
        <form
          className="card form-row"
          aria-label="Create a sentry"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              setCreated(await post<SentryCreated>('/api/v1/sentries', { name, kind }));
              setName('');
              void qc.invalidateQueries({ queryKey: ['sentries'] });
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2>New sentry</h2>
          <label>
            Name
            <input
              name="sentry-name"
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="rig-01 or farm-lan"
            />
          </label>
          <label>
            Kind
            <select
              name="sentry-kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as 'rig' | 'asic')}
            >
              <option value="rig">rig (GPU/CPU machine)</option>
              <option value="asic">asic (watches ASICs on a LAN)</option>
            </select>
          </label>
          <button type="submit" className="primary" disabled={busy}>
            Create sentry
          </button>
          <ErrorText error={error} prefix="Could not create the sentry" />
        </form>
      ) : null}
      {created ? <CreatedSentry created={created} onClose={() => setCreated(null)} /> : null}
      <ErrorText error={sentries.error} prefix="Could not load sentries" />
      {sentries.isPending ? (
        <Loading what="sentries" />
      ) : sentries.data?.length === 0 ? (
        <Empty title="No sentries yet">
          {canOperate
            ? 'Create one above: you get the commander URL, a token and the one-line install command.'
            : 'An operator creates sentries; ask one to add your rigs and ASICs.'}
        </Empty>
      ) : (
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Status</th>
                <th>Last seen</th>
                <th className="hide-sm">Version</th>
                <th className="hide-sm">Host</th>
                <th className="hide-sm">Token</th>
              </tr>
            </thead>
            <tbody>
              {(sentries.data ?? []).map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link href={`/sentries/${s.id}`}>{s.name}</Link>
                  </td>
                  <td>{s.kind}</td>
                  <td>
                    <StatusBadge status={s.status} />{' '}
                    {s.connected ? <span className="muted">connected</span> : null}
                  </td>
                  <td>{ago(s.lastSeenAt)}</td>
                  <td className="hide-sm">{s.version ?? '–'}</td>
                  <td className="hide-sm">{s.hostname ?? '–'}</td>
                  <td className="hide-sm">
                    <code>{s.tokenPrefix}…</code>
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

export function SentryDetailPage({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['sentries', id], queryFn: () => get<Sentry>(`/api/v1/sentries/${id}`) });
  const devices = useDevices();
  const canOperate = useCan('operator');
  const canAdmin = useCan('admin');
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<SentryCreated | null>(null);
  if (q.isPending) return <Loading what="the sentry" />;
  if (!q.data)
    return (
      <section>
        <ErrorText error={q.error} prefix="Could not load this sentry" />
        <Link href="/sentries">Back to sentries</Link>
      </section>
    );
  const s = q.data;
  const mine = (devices.data ?? []).filter((d) => d.sentryId === s.id);
  const act = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
      void qc.invalidateQueries({ queryKey: ['sentries'] });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/sentries">Sentries</Link> › <span>{s.name}</span>
      </nav>
      <PageHeader title={s.name}>
        <StatusBadge status={s.status} />
      </PageHeader>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>{s.kind}</dd>
        <dt>Last seen</dt>
        <dd>{ago(s.lastSeenAt)}</dd>
        <dt>Connected now</dt>
        <dd>{s.connected ? 'yes (push channel open)' : 'no'}</dd>
        <dt>Version</dt>
        <dd>{s.version ?? '–'}</dd>
        <dt>Host</dt>
        <dd>{s.hostname ?? '–'}</dd>
        <dt>Token</dt>
        <dd>
          <code>{s.tokenPrefix}…</code>
        </dd>
      </dl>
      {canOperate ? (
        <div className="actions">
          <button
            type="button"
            onClick={() =>
              act(async () => {
                if (!window.confirm(`Issue a new token for ${s.name}? The old one stops working at once.`))
                  return;
                setCreated(await post<SentryCreated>(`/api/v1/sentries/${s.id}/rotate`));
              })
            }
          >
            Rotate token
          </button>
          {s.status !== 'revoked' ? (
            <button
              type="button"
              className="danger"
              onClick={() =>
                act(async () => {
                  if (!window.confirm(`Revoke ${s.name}? It is refused until rotated.`)) return;
                  await post(`/api/v1/sentries/${s.id}/revoke`);
                })
              }
            >
              Revoke
            </button>
          ) : null}
          {canAdmin ? (
            <button
              type="button"
              className="danger"
              onClick={() =>
                act(async () => {
                  if (!window.confirm(`Delete ${s.name} with its devices, playbooks and history?`)) return;
                  await del(`/api/v1/sentries/${s.id}`);
                  void qc.invalidateQueries({ queryKey: ['devices'] });
                  navigate('/sentries');
                })
              }
            >
              Delete
            </button>
          ) : null}
        </div>
      ) : null}
      <ErrorText error={error} />
      {created ? <CreatedSentry created={created} onClose={() => setCreated(null)} /> : null}
      <section className="panel">
        <h2>{s.kind === 'rig' ? 'Its rig' : 'Its ASICs'}</h2>
        {mine.length === 0 ? (
          <p className="muted">
            {s.kind === 'rig'
              ? 'The rig appears when its sentry first reports.'
              : 'No ASICs yet: add one by address or scan the LAN below.'}
          </p>
        ) : (
          <ul className="plain">
            {mine.slice(0, 200).map((d) => (
              <li key={d.id}>
                <Link href={`/devices/${d.id}`}>{d.name}</Link> <StatusBadge status={d.status} />{' '}
                {hashrate(d.hashrate)}
                {d.ip ? <span className="muted"> {d.ip}</span> : null}
              </li>
            ))}
            {mine.length > 200 ? (
              <li className="muted">and {mine.length - 200} more on the Devices page</li>
            ) : null}
          </ul>
        )}
      </section>
      {s.kind === 'asic' && canOperate ? <AddAsics sentry={s} known={mine} /> : null}
    </section>
  );
}

function AddAsics({ sentry, known }: { sentry: Sentry; known: Device[] }) {
  const qc = useQueryClient();
  const [type, setType] = useState('auto');
  const [ip, setIp] = useState('');
  const [port, setPort] = useState('');
  const [check, setCheck] = useState(true);
  const [addError, setAddError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [ranges, setRanges] = useState('');
  const [scan, setScan] = useState<{ busy: boolean; error: unknown; hits: ScanHit[] | null }>({
    busy: false,
    error: null,
    hits: null,
  });
  const [hitState, setHitState] = useState<Record<string, string>>({});
  const add = async (body: Record<string, unknown>) => {
    const d = await post<Device>(`/api/v1/sentries/${sentry.id}/asics`, body);
    void qc.invalidateQueries({ queryKey: ['devices'] });
    return d;
  };
  return (
    <div className="two-col">
      <form
        className="panel"
        aria-label="Add an ASIC"
        onSubmit={async (e) => {
          e.preventDefault();
          setAddError(null);
          setAdded(null);
          try {
            const d = await add({ type, ip, ...(port ? { port: Number(port) } : {}), check });
            setAdded(d.name);
            setIp('');
          } catch (err) {
            setAddError(err);
          }
        }}
      >
        <h2>Add an ASIC</h2>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            {[
              'auto',
              'antminer',
              'whatsminer',
              'avalon',
              'braiins',
              'luxos',
              'vnish',
              'innosilicon',
              'goldshell',
              'epic',
              'bitaxe',
              'iceriver',
            ].map((t) => (
              <option key={t} value={t}>
                {t === 'auto' ? 'auto (detect)' : t}
              </option>
            ))}
          </select>
        </label>
        <label>
          IP address
          <input
            required
            value={ip}
            onChange={(e) => setIp(e.target.value)}
            placeholder="192.168.1.50"
            inputMode="decimal"
          />
        </label>
        <label>
          Port (optional)
          <input
            value={port}
            onChange={(e) => setPort(e.target.value.replace(/\D/g, ''))}
            inputMode="numeric"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={check} onChange={(e) => setCheck(e.target.checked)} />
          Check that it answers before saving (needs the sentry online)
        </label>
        <button type="submit" className="primary">
          Add ASIC
        </button>
        {added ? <p className="ok">Added {added}.</p> : null}
        <ErrorText error={addError} prefix="Could not add the ASIC" />
      </form>
      <form
        className="panel"
        aria-label="Scan for ASICs"
        onSubmit={async (e) => {
          e.preventDefault();
          setScan({ busy: true, error: null, hits: null });
          try {
            const r = await post<{ hits: ScanHit[] }>(`/api/v1/sentries/${sentry.id}/scan`, {
              ranges: ranges.split(/[\s,]+/).filter(Boolean),
            });
            setScan({ busy: false, error: null, hits: r.hits });
          } catch (err) {
            setScan({ busy: false, error: err, hits: null });
          }
        }}
      >
        <h2>Scan the LAN</h2>
        <label>
          Address ranges
          <input
            required
            value={ranges}
            onChange={(e) => setRanges(e.target.value)}
            placeholder="192.168.1.0/24, 10.0.0.10-10.0.0.50"
          />
        </label>
        <button type="submit" className="primary" disabled={scan.busy}>
          {scan.busy ? 'Scanning… (up to two minutes)' : 'Scan'}
        </button>
        <ErrorText error={scan.error} prefix="The scan failed" />
        {scan.hits ? (
          scan.hits.length === 0 ? (
            <p className="muted">Nothing answered in these ranges.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Address</th>
                  <th>Found</th>
                  <th className="num">Hashrate</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {scan.hits.map((h) => {
                  const already = h.added || known.some((k) => k.ip === h.ip);
                  return (
                    <tr key={h.ip}>
                      <td>{h.ip}</td>
                      <td>{[h.make, h.model, h.firmware].filter(Boolean).join(' ') || h.type}</td>
                      <td className="num">{hashrate(h.hashrate)}</td>
                      <td>
                        {already || hitState[h.ip] === 'added' ? (
                          <span className="muted">added</span>
                        ) : (
                          <button
                            type="button"
                            className="small"
                            onClick={async () => {
                              try {
                                await add({ type: h.type, ip: h.ip, check: false });
                                setHitState((s) => ({ ...s, [h.ip]: 'added' }));
                              } catch (err) {
                                setHitState((s) => ({ ...s, [h.ip]: (err as Error).message }));
                              }
                            }}
                          >
                            Add
                          </button>
                        )}
                        {hitState[h.ip] && hitState[h.ip] !== 'added' ? (
                          <span className="error">{hitState[h.ip]}</span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        ) : null}
      </form>
    </div>
  );
}
