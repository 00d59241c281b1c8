import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { type Device, del, get, patch, post, put, type SentryCommand } from '../api';
import { HistoryChart, RangePicker } from '../chart';
import { useDevice, useSentries } from '../data';
import { ago, duration, efficiency, hashrate, temp, watts } from '../format';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader, Stat, StatusBadge } from '../ui';

type Rec = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const recs = (v: unknown): Rec[] =>
  Array.isArray(v) ? v.filter((x): x is Rec => !!x && typeof x === 'object') : [];
const rec = (v: unknown): Rec | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : null);

export function DeviceDetailPage({ id }: { id: string }) {
  const q = useDevice(id);
  const sentries = useSentries();
  const [range, setRange] = useState(3_600_000);
  if (q.isPending) return <Loading what="the device" />;
  if (q.error || !q.data)
    return (
      <section>
        <PageHeader title="Device" />
        <ErrorText error={q.error} prefix="Could not load this device" />
        <Link href="/devices">Back to devices</Link>
      </section>
    );
  const d = q.data;
  const sentry = sentries.data?.find((s) => s.id === d.sentryId);
  const metrics =
    d.kind === 'rig'
      ? (['hashrate', 'temperature', 'power'] as const)
      : (['hashrate', 'temperature', 'power', 'fan'] as const);
  const power = d.powerW ?? d.power;
  return (
    <section>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/devices">Devices</Link> › <span>{d.name}</span>
      </nav>
      <PageHeader title={d.name}>
        <StatusBadge status={d.status} />
        <RenameButton device={d} />
      </PageHeader>
      {d.alerts.map((a) => (
        <p key={a.kind} className="error" role="alert">
          {a.message} (since {ago(a.since)})
        </p>
      ))}
      <div className="stats">
        <Stat
          label="Hashrate"
          value={<span data-testid="detail-hashrate">{hashrate(d.hashrate)}</span>}
          hint={d.algorithm ?? undefined}
        />
        <Stat label="Power" value={watts(power)} />
        <Stat label="Efficiency" value={efficiency(power, d.hashrate)} />
        <Stat label="Uptime" value={duration(d.uptime)} />
        <Stat label="Last report" value={ago(d.lastSeen)} />
        <Stat
          label="Sentry"
          value={sentry ? <Link href={`/sentries/${sentry.id}`}>{sentry.name}</Link> : '–'}
          hint={sentry ? `${sentry.status}${sentry.version ? `, v${sentry.version}` : ''}` : undefined}
        />
      </div>
      {d.kind === 'rig' ? <RigSections device={d} /> : <AsicSections device={d} />}
      <section className="panel">
        <header className="panel-header">
          <h2>History</h2>
          <RangePicker value={range} onChange={setRange} />
        </header>
        <div className="charts">
          {metrics.map((m) => (
            <HistoryChart key={m} deviceId={d.id} metric={m} rangeMs={range} />
          ))}
        </div>
      </section>
    </section>
  );
}

function RenameButton({ device }: { device: Device }) {
  const canOperate = useCan('operator');
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(device.name);
  const [error, setError] = useState<unknown>(null);
  if (!canOperate) return null;
  if (!editing)
    return (
      <button type="button" className="small" onClick={() => setEditing(true)}>
        Rename
      </button>
    );
  return (
    <form
      className="inline"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await patch(`/api/v1/devices/${device.id}`, { name });
          setEditing(false);
          setError(null);
          void qc.invalidateQueries({ queryKey: ['device', device.id] });
          void qc.invalidateQueries({ queryKey: ['devices'] });
        } catch (err) {
          setError(err);
        }
      }}
    >
      <input aria-label="New name" value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="small primary">
        Save
      </button>
      <button type="button" className="small" onClick={() => setEditing(false)}>
        Cancel
      </button>
      <ErrorText error={error} prefix="Could not rename" />
    </form>
  );
}

function RigSections({ device: d }: { device: Device }) {
  const details = d.details ?? {};
  const live = new Map(recs(details.playbooks).map((p) => [str(p.id), p]));
  const gpus = recs(details.gpus);
  const hw = rec(details.hardware);
  const cpu = rec(hw?.cpu);
  const gpuHash = gpus.reduce((s, g) => s + (num(g.hashrate) ?? 0), 0);
  const cpuHash = d.hashrate !== null && d.hashrate > gpuHash ? d.hashrate - gpuHash : null;
  const canOperate = useCan('operator');
  return (
    <>
      <section className="panel">
        <header className="panel-header">
          <h2>Playbooks</h2>
          {canOperate ? <Link href={`/playbooks/new/${d.id}`}>Add a playbook</Link> : null}
        </header>
        {(d.playbooks ?? []).length === 0 ? (
          <Empty title="No playbook on this rig">
            A playbook tells the rig which mining program to run, with which pool and wallet.{' '}
            {canOperate ? (
              <Link href={`/playbooks/new/${d.id}`}>Create one</Link>
            ) : (
              'An operator can create one.'
            )}
          </Empty>
        ) : (
          <div className="scroll-x">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Program</th>
                  <th>State</th>
                  <th className="num">Hashrate</th>
                  <th>Restarts</th>
                  <th>Last error</th>
                  {canOperate ? <th>Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {(d.playbooks ?? []).map((p) => {
                  const s = live.get(p.id);
                  return (
                    <tr key={p.id} data-playbook={p.name}>
                      <td>{p.name}</td>
                      <td>
                        {p.software.name} {p.software.version}
                      </td>
                      <td>
                        <StatusBadge
                          status={!p.enabled ? 'disabled' : (str(s?.state) ?? 'waiting for the rig')}
                        />
                      </td>
                      <td className="num">{hashrate(num(s?.hashrate))}</td>
                      <td>{num(s?.restarts) ?? '–'}</td>
                      <td className="wrap">{str(s?.lastError) ?? str(s?.statsNote) ?? ''}</td>
                      {canOperate ? (
                        <td>
                          <CommandButton
                            sentryId={d.sentryId}
                            command="restart-playbook"
                            args={{ playbookId: p.id }}
                            label="Restart"
                          />
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="panel">
        <h2>GPUs and CPU</h2>
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th>Device</th>
                <th className="num">Hashrate</th>
                <th className="num">Temp</th>
                <th className="num">Fan</th>
                <th className="num">Power</th>
                <th className="hide-sm">Details</th>
              </tr>
            </thead>
            <tbody>
              {gpus.map((g) => (
                <tr key={str(g.busId) ?? ''}>
                  <td>
                    {str(g.name) ?? 'GPU'} <span className="muted">{str(g.busId)}</span>
                  </td>
                  <td className="num">{hashrate(num(g.hashrate))}</td>
                  <td className="num">
                    {temp(num(g.temperature))}
                    {num(g.memoryTemperature) !== null ? (
                      <span className="muted"> / mem {temp(num(g.memoryTemperature))}</span>
                    ) : null}
                  </td>
                  <td className="num">{num(g.fanPercent) === null ? '–' : `${num(g.fanPercent)} %`}</td>
                  <td className="num">
                    {watts(num(g.power))}
                    {num(g.powerLimit) !== null ? (
                      <span className="muted"> / {watts(num(g.powerLimit))}</span>
                    ) : null}
                  </td>
                  <td className="hide-sm muted">
                    {[
                      num(g.coreClockMhz) !== null ? `core ${num(g.coreClockMhz)} MHz` : null,
                      num(g.memoryClockMhz) !== null ? `mem ${num(g.memoryClockMhz)} MHz` : null,
                      num(g.utilization) !== null ? `${num(g.utilization)} % busy` : null,
                    ]
                      .filter(Boolean)
                      .join(', ')}
                  </td>
                </tr>
              ))}
              <tr>
                <td>CPU {cpu ? <span className="muted">{str(cpu.model)}</span> : null}</td>
                <td className="num">{hashrate(cpuHash)}</td>
                <td className="num">{temp(num(cpu?.temperature))}</td>
                <td className="num">–</td>
                <td className="num">–</td>
                <td className="hide-sm muted">
                  {cpu
                    ? `${num(cpu.cores) ?? '?'} cores, ${num(cpu.threads) ?? '?'} threads, load ${num(cpu.load1) ?? '–'}`
                    : 'not reported'}
                </td>
              </tr>
            </tbody>
          </table>
        </div>
      </section>
      <section className="panel">
        <h2>Hardware</h2>
        {hw ? (
          <dl className="facts">
            <dt>CPU</dt>
            <dd>{str(cpu?.model) ?? '–'}</dd>
            <dt>Memory</dt>
            <dd>{memoryText(rec(hw.memory))}</dd>
            <dt>System</dt>
            <dd>{osText(rec(hw.os))}</dd>
            <dt>Probes</dt>
            <dd>
              {Object.entries(rec(hw.probes) ?? {})
                .map(([k, v]) => `${k}: ${String(v)}`)
                .join(', ') || '–'}
            </dd>
          </dl>
        ) : (
          <p className="muted">The rig has not reported its hardware yet.</p>
        )}
      </section>
      <LogTail sentryId={d.sentryId} />
    </>
  );
}

function memoryText(m: Rec | null): string {
  if (!m) return '–';
  const total = num(m.totalBytes) ?? num(m.total);
  const free = num(m.availableBytes) ?? num(m.free);
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  return total !== null ? `${gib(total)}${free !== null ? `, ${gib(free)} free` : ''}` : JSON.stringify(m);
}

function osText(o: Rec | null): string {
  if (!o) return '–';
  return Object.values(o)
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .join(' ');
}

/** Sends a command to the sentry and, when asked, waits for its result. */
async function runCommand(
  sentryId: string,
  command: string,
  args: Record<string, unknown>,
  wait: boolean,
): Promise<SentryCommand> {
  const sent = await post<SentryCommand>(`/api/v1/sentries/${sentryId}/commands`, { command, args });
  if (!wait) return sent;
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const list = await get<{ items: SentryCommand[] }>(`/api/v1/sentries/${sentryId}/commands`);
    const c = list.items.find((x) => x.id === sent.id);
    if (c && c.status !== 'sent') return c;
  }
  throw new Error('the sentry did not answer within 30 s');
}

function CommandButton({
  sentryId,
  command,
  args,
  label,
}: {
  sentryId: string;
  command: string;
  args: Record<string, unknown>;
  label: string;
}) {
  const [state, setState] = useState<{ busy: boolean; error: unknown; done: boolean }>({
    busy: false,
    error: null,
    done: false,
  });
  return (
    <span>
      <button
        type="button"
        className="small"
        disabled={state.busy}
        onClick={async () => {
          setState({ busy: true, error: null, done: false });
          try {
            await runCommand(sentryId, command, args, false);
            setState({ busy: false, error: null, done: true });
          } catch (err) {
            setState({ busy: false, error: err, done: false });
          }
        }}
      >
        {state.busy ? 'Sending…' : state.done ? 'Sent' : label}
      </button>
      <ErrorText error={state.error} />
    </span>
  );
}

function LogTail({ sentryId }: { sentryId: string }) {
  const canOperate = useCan('operator');
  const [state, setState] = useState<{ busy: boolean; error: unknown; output: string | null }>({
    busy: false,
    error: null,
    output: null,
  });
  return (
    <section className="panel">
      <header className="panel-header">
        <h2>Miner log</h2>
        {canOperate ? (
          <button
            type="button"
            disabled={state.busy}
            onClick={async () => {
              setState((s) => ({ ...s, busy: true, error: null }));
              try {
                const c = await runCommand(sentryId, 'fetch-logs', { lines: 100 }, true);
                if (c.status === 'failed') throw new Error(c.output ?? 'the sentry could not read the logs');
                setState({ busy: false, error: null, output: c.output ?? '' });
              } catch (err) {
                setState((s) => ({ ...s, busy: false, error: err }));
              }
            }}
          >
            {state.busy ? 'Asking the rig…' : state.output === null ? 'Fetch the last 100 lines' : 'Refresh'}
          </button>
        ) : null}
      </header>
      <ErrorText error={state.error} prefix="Could not fetch the log" />
      {state.output !== null ? (
        <pre className="log">{state.output || '(empty)'}</pre>
      ) : (
        <p className="muted">
          {canOperate
            ? 'The rig sends its miners’ recent output on request.'
            : 'Operators can fetch the miners’ recent output.'}
        </p>
      )}
    </section>
  );
}

function AsicSections({ device: d }: { device: Device }) {
  const canOperate = useCan('operator');
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const caps = d.capabilities ?? [];
  const setPower = async (state: 'on' | 'sleep' | 'off') => {
    setBusy(true);
    setError(null);
    try {
      await put(`/api/v1/devices/${d.id}/power-state`, { state });
      void qc.invalidateQueries({ queryKey: ['device', d.id] });
      void qc.invalidateQueries({ queryKey: ['devices'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const boards = recs(d.boards);
  return (
    <>
      <section className="panel">
        <header className="panel-header">
          <h2>Power</h2>
        </header>
        <dl className="facts">
          <dt>Wanted state</dt>
          <dd>{d.powerState ?? d.asic?.powerState ?? '–'}</dd>
          <dt>Actual state</dt>
          <dd>{d.actualPowerState ?? 'unknown'}</dd>
          <dt>Power draw</dt>
          <dd>{watts(d.powerW ?? d.power)}</dd>
          <dt>Efficiency</dt>
          <dd>{efficiency(d.powerW ?? d.power, d.hashrate)}</dd>
          <dt>Capabilities</dt>
          <dd>{caps.length ? caps.join(', ') : 'none reported (monitoring only)'}</dd>
          <dt>Address</dt>
          <dd>
            {d.ip ?? d.asic?.ip ?? '–'}
            {d.asic?.port ? `:${d.asic.port}` : ''} ({d.asic?.type ?? 'auto'})
          </dd>
          <dt>Make, model, firmware</dt>
          <dd>{[d.make, d.model, d.firmware].filter(Boolean).join(' · ') || '–'}</dd>
        </dl>
        {canOperate ? (
          <div className="actions">
            {caps.includes('sleep') ? (
              <button type="button" disabled={busy} onClick={() => setPower('sleep')}>
                Sleep
              </button>
            ) : null}
            {caps.includes('wake') || caps.includes('sleep') ? (
              <button type="button" disabled={busy} onClick={() => setPower('on')}>
                Wake
              </button>
            ) : null}
            <button
              type="button"
              disabled={busy}
              onClick={() => setPower('off')}
              title="Its relay cuts power; without one it sleeps"
            >
              Power off
            </button>
            {!caps.some((c) => ['sleep', 'wake'].includes(c)) ? (
              <span className="muted">
                This firmware offers no sleep or wake; a smart plug on the ASIC sentry can switch it.
              </span>
            ) : null}
            {caps.includes('reboot') ? <RebootButton device={d} /> : null}
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={async () => {
                if (!window.confirm(`Remove ${d.name} and its history?`)) return;
                try {
                  await del(`/api/v1/devices/${d.id}`);
                  void qc.invalidateQueries({ queryKey: ['devices'] });
                  navigate('/devices');
                } catch (err) {
                  setError(err);
                }
              }}
            >
              Remove ASIC
            </button>
          </div>
        ) : null}
        <ErrorText error={error} />
      </section>
      <section className="panel">
        <h2>Hash boards</h2>
        {boards.length === 0 ? (
          <p className="muted">No board data reported.</p>
        ) : (
          <div className="scroll-x">
            <table>
              <thead>
                <tr>
                  <th>Board</th>
                  <th className="num">Hashrate</th>
                  <th className="num">Board temp</th>
                  <th className="num">Chip temp</th>
                  <th className="num">Chips</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {boards.map((b, i) => {
                  const chips = num(b.chips);
                  const expected = num(b.expectedChips);
                  return (
                    <tr key={num(b.index) ?? i}>
                      <td>#{num(b.index) ?? i}</td>
                      <td className="num">{hashrate(num(b.hashrate))}</td>
                      <td className="num">{temp(num(b.boardTemp))}</td>
                      <td className="num">{temp(num(b.chipTemp))}</td>
                      <td
                        className={`num${chips !== null && expected !== null && chips < expected ? ' hot' : ''}`}
                      >
                        {chips ?? '–'}
                        {expected !== null ? ` / ${expected}` : ''}
                      </td>
                      <td>{str(b.status) ?? '–'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div className="two-col">
        <section className="panel">
          <h2>Fans</h2>
          {d.fans.length ? (
            <ul className="plain">
              {d.fans.map((f) => (
                <li key={f.name}>
                  {f.name}: {Math.round(f.value)} rpm
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No fans reported.</p>
          )}
          <h2>Temperatures</h2>
          {d.temperatures.length ? (
            <ul className="plain">
              {d.temperatures.map((t) => (
                <li key={t.name}>
                  {t.name}: {temp(t.value)}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No temperatures reported.</p>
          )}
        </section>
        <PoolsPanel device={d} />
      </div>
    </>
  );
}

function PoolsPanel({ device: d }: { device: Device }) {
  const wg = d.walletGuard;
  return (
    <section className="panel">
      <h2>Pools</h2>
      {wg ? (
        <p className={wg.status === 'mismatch' ? 'error' : 'muted'}>
          Wallet guard:{' '}
          {wg.status === 'unset'
            ? 'no expected pools set'
            : wg.status === 'ok'
              ? 'pools as expected'
              : wg.message}
        </p>
      ) : null}
      {d.pools.length === 0 ? (
        <p className="muted">No pools reported.</p>
      ) : (
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th>URL and worker</th>
                <th>Status</th>
                <th className="num">Accepted</th>
                <th className="num">Rejected</th>
              </tr>
            </thead>
            <tbody>
              {d.pools.map((p) => (
                <tr key={`${p.url} ${p.user ?? ''}`}>
                  <td className="wrap">
                    <code>{p.url}</code>
                    {p.user ? (
                      <div className="muted">
                        <code>{p.user}</code>
                      </div>
                    ) : null}
                  </td>
                  <td>{p.status ?? '–'}</td>
                  <td className="num">{p.accepted ?? '–'}</td>
                  <td className="num">
                    {p.rejected ?? '–'}
                    {p.accepted && p.rejected ? (
                      <span className="muted">
                        {' '}
                        ({((100 * p.rejected) / (p.accepted + p.rejected)).toFixed(1)} %)
                      </span>
                    ) : null}
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

/** Reboots an ASIC through its firmware, after a confirmation; the answer shows next to the button. */
function RebootButton({ device: d }: { device: Device }) {
  const [state, setState] = useState<{ busy: boolean; error: unknown; message: string | null }>({
    busy: false,
    error: null,
    message: null,
  });
  return (
    <span className="inline" data-testid="reboot">
      <button
        type="button"
        disabled={state.busy}
        onClick={async () => {
          if (!window.confirm(`Reboot ${d.name}? It stops hashing for a few minutes.`)) return;
          setState({ busy: true, error: null, message: null });
          try {
            const r = await post<{ ok: true; message: string }>(`/api/v1/devices/${d.id}/reboot`);
            setState({ busy: false, error: null, message: r.message || 'the ASIC was told to reboot' });
          } catch (err) {
            setState({ busy: false, error: err, message: null });
          }
        }}
      >
        {state.busy ? 'Rebooting…' : 'Reboot'}
      </button>
      {state.message ? (
        <span className="ok" role="status">
          Reboot sent: {state.message}
        </span>
      ) : null}
      <ErrorText error={state.error} prefix="Could not reboot" />
    </span>
  );
}
