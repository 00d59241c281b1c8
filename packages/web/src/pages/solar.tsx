import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { del, type EnergySource, patch, post, put, type SolarRule, type SolarSettings } from '../api';
import { useDevices, useGroups } from '../data';
import { DayChart } from '../day-chart';
import {
  bandsFromDecisions,
  batteryText,
  dateInputValue,
  dayBounds,
  gridText,
  levelWords,
  parseDateInput,
  useDecisions,
  useEnergyHistory,
  useEnergySources,
  useSolarRules,
  useSolarSettings,
  useSolarStatus,
} from '../energy';
import { ago, watts } from '../format';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader, Stat } from '../ui';
import { EnergyTabs } from './energy-nav';

export function SolarPage() {
  const sources = useEnergySources();
  const rules = useSolarRules();
  const noSources = sources.data?.length === 0;
  return (
    <section>
      <PageHeader title="Solar & schedules" />
      <EnergyTabs />
      {noSources ? (
        <Empty title="Add an energy source to start">
          The solar controller runs your miners on surplus power. It needs to read your inverter or meter
          first: <Link href="/energy/sources">add an energy source</Link>, then put devices under solar
          control below.
        </Empty>
      ) : null}
      <StatusPanel />
      <DayPanel rules={rules.data ?? []} sources={sources.data ?? []} />
      <RulesPanel />
      <SettingsPanel sources={sources.data ?? []} />
    </section>
  );
}

function StatusPanel() {
  const status = useSolarStatus();
  const s = status.data;
  return (
    <section className="panel" aria-labelledby="solar-now">
      <header className="panel-header">
        <h2 id="solar-now">Now</h2>
        {s ? (
          <span
            className={`badge ${s.enabled ? 'badge-online' : 'badge-sleeping'}`}
            data-testid="controller-state"
          >
            {s.enabled ? 'controller on' : 'controller off'}
          </span>
        ) : null}
      </header>
      <ErrorText error={status.error} prefix="Could not load the controller's status" />
      {!s ? (
        status.isPending ? (
          <Loading what="the controller's status" />
        ) : null
      ) : (
        <>
          {s.source?.state === 'failing' ? (
            <p className="error" role="alert">
              The energy source is failing: {s.source.error ?? 'no reason given'}
              {s.fallbackActive ? ' (the fallback applies)' : ''}
            </p>
          ) : null}
          {!s.enabled ? (
            <p className="muted">
              The controller is off: it watches and logs nothing and switches no device. Turn it on in the
              settings below.
            </p>
          ) : null}
          <div className="stats" data-testid="solar-now">
            <Stat label="PV" value={watts(s.reading?.pvW)} />
            <Stat label="Grid" value={gridText(s.reading?.gridW)} />
            <Stat
              label="Battery"
              value={batteryText(s.reading?.batteryW)}
              hint={
                s.reading?.batterySoc !== null && s.reading?.batterySoc !== undefined
                  ? `${Math.round(s.reading.batterySoc)} % charged`
                  : undefined
              }
            />
            <Stat label="Load" value={watts(s.reading?.loadW)} />
            <Stat
              label="Surplus"
              value={
                s.surplusW === null
                  ? '–'
                  : s.surplusW < 0
                    ? `deficit ${watts(-s.surplusW)}`
                    : watts(s.surplusW)
              }
              hint="what the controller could still start"
            />
            <Stat label="Solar devices draw" value={watts(s.controlledW)} />
            <Stat
              label="Last decision round"
              value={ago(s.lastTickAt)}
              hint={s.reading ? `reading ${ago(s.reading.at)}` : undefined}
            />
          </div>
        </>
      )}
    </section>
  );
}

function DayPanel({ rules, sources }: { rules: SolarRule[]; sources: EnergySource[] }) {
  const status = useSolarStatus();
  const [day, setDay] = useState(() => dayBounds(Date.now())[0]);
  const [from, to] = dayBounds(day);
  const today = dayBounds(Date.now())[0] === from;
  const sourceId = status.data?.sourceId ?? sources[0]?.id ?? null;
  const history = useEnergyHistory(sourceId, from, to, today);
  const decisions = useDecisions(from, to, today);
  const bands = useMemo(
    () => bandsFromDecisions(rules, decisions.data ?? [], from, to),
    [rules, decisions.data, from, to],
  );
  const points = history.data?.points ?? [];
  const sourceName = sources.find((s) => s.id === sourceId)?.name;
  return (
    <section className="panel" aria-labelledby="solar-day">
      <header className="panel-header">
        <h2 id="solar-day">The day{sourceName ? ` at ${sourceName}` : ''}</h2>
        <div className="inline">
          <button type="button" className="small" onClick={() => setDay(dayBounds(from - 1)[0])}>
            Previous day
          </button>
          <label className="inline">
            <span className="visually-hidden">Day</span>
            <input
              type="date"
              value={dateInputValue(from)}
              max={dateInputValue(Date.now())}
              onChange={(e) => {
                const v = parseDateInput(e.target.value);
                if (v !== null) setDay(v);
              }}
            />
          </label>
          <button type="button" className="small" disabled={today} onClick={() => setDay(to)}>
            Next day
          </button>
        </div>
      </header>
      <ErrorText error={history.error} prefix="Could not load the energy history" />
      {sourceId && history.data && points.length === 0 ? (
        <p className="muted">No readings on this day yet.</p>
      ) : null}
      {sourceId ? <DayChart points={points} bands={bands} from={from} to={to} /> : null}
      <h3>Decisions{today ? ' (live)' : ''}</h3>
      <ErrorText error={decisions.error} prefix="Could not load the decision log" />
      <DecisionLog items={decisions.data ?? []} pending={decisions.isPending} />
    </section>
  );
}

const kindWords: Record<string, string> = {
  start: 'started',
  stop: 'stopped',
  'step-up': 'stepped up',
  'step-down': 'stepped down',
  hold: 'held',
  skip: 'skipped',
  fallback: 'fallback',
  schedule: 'schedule',
  adopt: 'adopted',
};

export function DecisionLog({
  items,
  pending,
}: {
  items: { at: number; kind: string; reason: string; name?: string; id?: number }[];
  pending?: boolean;
}) {
  if (pending) return <Loading what="the decision log" />;
  if (items.length === 0)
    return (
      <p className="muted" data-testid="decision-log-empty">
        No decision on this day. The controller writes one sentence each time it starts, stops or skips a
        device.
      </p>
    );
  const newestFirst = [...items].sort((a, b) => b.at - a.at || (b.id ?? 0) - (a.id ?? 0));
  return (
    <ol className="decisions" data-testid="decision-log">
      {newestFirst.slice(0, 500).map((d, i) => (
        <li key={d.id ?? `${d.at}-${i}`}>
          <time dateTime={new Date(d.at).toISOString()}>{new Date(d.at).toLocaleTimeString()}</time>
          <span className={`badge decision-${d.kind}`}>{kindWords[d.kind] ?? d.kind}</span>
          <span className="reason">{d.reason}</span>
        </li>
      ))}
    </ol>
  );
}

function RulesPanel() {
  const rules = useSolarRules();
  const canOperate = useCan('operator');
  const qc = useQueryClient();
  const [editing, setEditing] = useState<SolarRule | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = rules.data ?? [];
  const move = async (i: number, by: -1 | 1) => {
    const order = list.map((r) => r.id);
    const j = i + by;
    if (j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j]!, order[i]!];
    setError(null);
    try {
      await put('/api/v1/solar/priorities', { order });
      void qc.invalidateQueries({ queryKey: ['solar'] });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" aria-labelledby="solar-rules">
      <header className="panel-header">
        <h2 id="solar-rules">Devices under solar control</h2>
        {canOperate && editing === null ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add a device or group
          </button>
        ) : null}
      </header>
      <p className="muted small-text">
        Higher priority starts first and stops last. A device in an open schedule window follows the schedule
        instead.
      </p>
      {editing !== null ? (
        <RuleEditor
          key={editing === 'new' ? 'new' : editing.id}
          rule={editing === 'new' ? null : editing}
          taken={list}
          onDone={() => setEditing(null)}
        />
      ) : null}
      <ErrorText error={rules.error} prefix="Could not load the solar rules" />
      <ErrorText error={error} prefix="Could not reorder" />
      {rules.isPending ? (
        <Loading what="solar rules" />
      ) : list.length === 0 ? (
        <Empty title="No device under solar control">
          {canOperate
            ? 'Add a device or group with what it draws: the controller then starts it when the surplus covers it.'
            : 'An operator can put devices under solar control.'}
        </Empty>
      ) : (
        <div className="scroll-x">
          <table data-testid="solar-rules">
            <thead>
              <tr>
                <th className="num">Priority</th>
                <th>Device or group</th>
                <th className="num">Draws</th>
                <th>Stops by</th>
                <th>Now</th>
                <th className="num hide-sm">Switches (1 h)</th>
                <th>Enabled</th>
                {canOperate ? <th>Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.map((r, i) => (
                <RuleRow
                  key={r.id}
                  rule={r}
                  canOperate={canOperate}
                  first={i === 0}
                  last={i === list.length - 1}
                  onMove={(by) => void move(i, by)}
                  onEdit={() => setEditing(r)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RuleRow({
  rule: r,
  canOperate,
  first,
  last,
  onMove,
  onEdit,
}: {
  rule: SolarRule;
  canOperate: boolean;
  first: boolean;
  last: boolean;
  onMove: (by: -1 | 1) => void;
  onEdit: () => void;
}) {
  const qc = useQueryClient();
  const [pending, setPending] = useState<boolean | null>(null);
  const [error, setError] = useState<unknown>(null);
  const st = r.state;
  return (
    <>
      <tr data-rule={r.name}>
        <td className="num">{r.priority}</td>
        <td>
          {r.targetType === 'device' ? (
            <Link href={`/devices/${r.targetId}`}>{r.name}</Link>
          ) : (
            `group ${r.name}`
          )}
          {r.targetType === 'group' ? (
            <div className="muted small-text">{r.deviceIds.length} devices</div>
          ) : null}
        </td>
        <td className="num">
          {r.powerW === null ? <span className="muted">learned while on</span> : watts(r.powerW)}
          {r.reducedW !== null ? (
            <div className="muted small-text">
              reduced {watts(r.reducedW)} at target {watts(r.reducedPowerTargetW)}
            </div>
          ) : null}
        </td>
        <td>{r.offState === 'off' ? 'relay off' : 'sleep'}</td>
        <td data-testid={`rule-now-${r.name}`}>
          {st ? (
            <>
              <span className={`badge ${st.level > 0 ? 'badge-online' : 'badge-sleeping'}`}>
                {levelWords(st.level, st.maxLevel)}
              </span>{' '}
              <span className="muted small-text">
                {st.mode === 'auto' ? 'solar' : st.mode}
                {st.since ? `, since ${ago(st.since)}` : ''}
              </span>
              {st.reason ? <div className="small-text wrap">{st.reason}</div> : null}
            </>
          ) : (
            <span className="muted">waiting for the first round</span>
          )}
        </td>
        <td className="num hide-sm">{st?.switchesLastHour ?? 0}</td>
        <td>
          <input
            type="checkbox"
            aria-label={`${r.name} under solar control`}
            checked={pending ?? r.enabled}
            disabled={!canOperate}
            onChange={async (e) => {
              const next = e.target.checked;
              setError(null);
              setPending(next);
              try {
                await patch(`/api/v1/solar/rules/${r.id}`, { enabled: next });
                await qc.invalidateQueries({ queryKey: ['solar'] });
              } catch (err) {
                setError(err);
              } finally {
                setPending(null);
              }
            }}
          />
        </td>
        {canOperate ? (
          <td className="nowrap">
            <button
              type="button"
              className="small"
              disabled={first}
              aria-label={`Raise the priority of ${r.name}`}
              onClick={() => onMove(-1)}
            >
              ↑
            </button>{' '}
            <button
              type="button"
              className="small"
              disabled={last}
              aria-label={`Lower the priority of ${r.name}`}
              onClick={() => onMove(1)}
            >
              ↓
            </button>{' '}
            <button type="button" className="small" onClick={onEdit}>
              Edit
            </button>{' '}
            <button
              type="button"
              className="small danger"
              onClick={async () => {
                if (!window.confirm(`Take ${r.name} out of solar control?`)) return;
                setError(null);
                try {
                  await del(`/api/v1/solar/rules/${r.id}`);
                  void qc.invalidateQueries({ queryKey: ['solar'] });
                } catch (err) {
                  setError(err);
                }
              }}
            >
              Remove
            </button>
          </td>
        ) : null}
      </tr>
      {error ? (
        <tr>
          <td colSpan={8}>
            <ErrorText error={error} prefix={`Could not change ${r.name}`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

const timerFields = [
  ['enableDelayS', 'Start delay (s)'],
  ['disableDelayS', 'Stop delay (s)'],
  ['minOnS', 'Min on (s)'],
  ['minOffS', 'Min off (s)'],
  ['settleS', 'Settle (s)'],
  ['maxSwitchesPerHour', 'Max switches per hour'],
] as const;

const numOrNull = (v: string): number | null => (v.trim() === '' ? null : Number(v));

function RuleEditor({
  rule,
  taken,
  onDone,
}: {
  rule: SolarRule | null;
  taken: SolarRule[];
  onDone: () => void;
}) {
  const qc = useQueryClient();
  const devices = useDevices();
  const groups = useGroups();
  const str = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  const [form, setForm] = useState(() => ({
    targetType: rule?.targetType ?? ('device' as 'device' | 'group'),
    targetId: rule?.targetId ?? '',
    priority: str(rule?.priority ?? (taken.length ? Math.min(...taken.map((t) => t.priority)) - 1 : 10)),
    powerW: str(rule?.powerW),
    standbyW: str(rule?.standbyW ?? 0),
    offState: rule?.offState ?? ('sleep' as 'sleep' | 'off'),
    onPowerTargetW: str(rule?.onPowerTargetW),
    reducedPowerTargetW: str(rule?.reducedPowerTargetW),
    reducedW: str(rule?.reducedW),
    timers: Object.fromEntries(timerFields.map(([k]) => [k, str(rule?.[k])])) as Record<
      (typeof timerFields)[number][0],
      string
    >,
  }));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof typeof form>(k: K, v: (typeof form)[K]) => setForm((f) => ({ ...f, [k]: v }));
  const used = new Set(taken.filter((t) => t.id !== rule?.id).map((t) => `${t.targetType}:${t.targetId}`));
  const targets =
    form.targetType === 'device'
      ? (devices.data ?? []).map((d) => ({ id: d.id, name: `${d.name} (${d.kind})` }))
      : (groups.data ?? []).map((g) => ({ id: g.id, name: `${g.name} (${g.deviceIds.length} devices)` }));
  const free = targets.filter((t) => !used.has(`${form.targetType}:${t.id}`));
  return (
    <form
      className="card"
      aria-label={rule ? `Edit ${rule.name}` : 'New solar rule'}
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const body = {
          priority: Number(form.priority || 0),
          powerW: numOrNull(form.powerW),
          standbyW: Number(form.standbyW || 0),
          offState: form.offState,
          onPowerTargetW: numOrNull(form.onPowerTargetW),
          reducedPowerTargetW: numOrNull(form.reducedPowerTargetW),
          reducedW: numOrNull(form.reducedW),
          ...Object.fromEntries(timerFields.map(([k]) => [k, numOrNull(form.timers[k])])),
        };
        if (!rule && !form.targetId) {
          setError(new Error(`pick a ${form.targetType}`));
          return;
        }
        setBusy(true);
        try {
          if (rule) await patch(`/api/v1/solar/rules/${rule.id}`, body);
          else
            await post('/api/v1/solar/rules', {
              targetType: form.targetType,
              targetId: form.targetId,
              ...body,
            });
          void qc.invalidateQueries({ queryKey: ['solar'] });
          onDone();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>{rule ? `Edit ${rule.name}` : 'Put a device or group under solar control'}</h3>
      <div className="form-grid">
        {rule ? null : (
          <>
            <label>
              Kind
              <select
                name="rule-target-type"
                value={form.targetType}
                onChange={(e) =>
                  setForm((f) => ({ ...f, targetType: e.target.value as 'device' | 'group', targetId: '' }))
                }
              >
                <option value="device">a device</option>
                <option value="group">a group</option>
              </select>
            </label>
            <label>
              {form.targetType === 'device' ? 'Device' : 'Group'}
              <select
                name="rule-target"
                required
                value={form.targetId}
                onChange={(e) => set('targetId', e.target.value)}
              >
                <option value="">{free.length ? 'choose…' : `no ${form.targetType} left to add`}</option>
                {free.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        <label>
          Priority
          <input
            name="rule-priority"
            type="number"
            step={1}
            value={form.priority}
            onChange={(e) => set('priority', e.target.value)}
          />
        </label>
        <label>
          Draws at full power (W)
          <input
            name="rule-power"
            type="number"
            min={1}
            step="any"
            value={form.powerW}
            onChange={(e) => set('powerW', e.target.value)}
            placeholder="learn it"
          />
          <span className="muted small-text">empty: learned from its reports while on</span>
        </label>
        <label>
          Standby draw (W)
          <input
            name="rule-standby"
            type="number"
            min={0}
            step="any"
            value={form.standbyW}
            onChange={(e) => set('standbyW', e.target.value)}
          />
        </label>
        <label>
          To stop it
          <select
            name="rule-off-state"
            value={form.offState}
            onChange={(e) => set('offState', e.target.value as 'sleep' | 'off')}
          >
            <option value="sleep">sleep (firmware sleep, or stop a rig's playbooks)</option>
            <option value="off">power off (the ASIC's relay)</option>
          </select>
        </label>
        <label>
          Power target when on (W)
          <input
            name="rule-on-target"
            type="number"
            min={1}
            step={1}
            value={form.onPowerTargetW}
            onChange={(e) => set('onPowerTargetW', e.target.value)}
            placeholder="the firmware's own"
          />
        </label>
        <label>
          Reduced level: power target (W)
          <input
            name="rule-reduced-target"
            type="number"
            min={1}
            step={1}
            value={form.reducedPowerTargetW}
            onChange={(e) => set('reducedPowerTargetW', e.target.value)}
            placeholder="none"
          />
          <span className="muted small-text">an ASIC's power target, or a rig's GPU power limit per GPU</span>
        </label>
        <label>
          Reduced level draws (W)
          <input
            name="rule-reduced-w"
            type="number"
            min={1}
            step="any"
            value={form.reducedW}
            onChange={(e) => set('reducedW', e.target.value)}
            placeholder="none"
          />
        </label>
      </div>
      <details>
        <summary>Timers for this device (empty: the controller's settings)</summary>
        <div className="form-grid">
          {timerFields.map(([k, label]) => (
            <label key={k}>
              {label}
              <input
                type="number"
                min={0}
                step={1}
                value={form.timers[k]}
                onChange={(e) => set('timers', { ...form.timers, [k]: e.target.value })}
                placeholder="default"
              />
            </label>
          ))}
        </div>
      </details>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : rule ? 'Save changes' : 'Add to solar control'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <ErrorText error={error} prefix="Could not save the solar rule" />
    </form>
  );
}

type SettingKey = Exclude<keyof SolarSettings, 'enabled' | 'sourceId' | 'strictImport' | 'fallback'>;

/** Every numeric setting with its words; `nullable` ones are off when empty. */
export const settingFields: {
  key: SettingKey;
  label: string;
  hint?: string;
  nullable?: boolean;
  ms?: boolean;
}[] = [
  { key: 'enableMarginW', label: 'Start margin (W)', hint: 'surplus a start needs beyond its power' },
  { key: 'disableThresholdW', label: 'Stop threshold (W import)', hint: 'import above it is a deficit' },
  { key: 'residualW', label: 'Export kept as headroom (W)' },
  { key: 'enableDelayS', label: 'Start delay (s)', hint: 'surplus must last this long' },
  { key: 'disableDelayS', label: 'Stop delay (s)', hint: 'deficit must last this long' },
  { key: 'minOnS', label: 'Min on time (s)' },
  { key: 'minOffS', label: 'Min off time (s)' },
  { key: 'settleS', label: 'Settle time (s)', hint: 'after a command, before its power is trusted' },
  { key: 'maxSwitchesPerHour', label: 'Max switches per hour' },
  {
    key: 'socFloor',
    label: 'Battery floor (%)',
    hint: 'at or below: every solar device stops; empty: none',
    nullable: true,
  },
  { key: 'prioritySoc', label: 'Battery fills first up to (%)' },
  { key: 'bufferSoc', label: 'Battery may buffer above (%)', hint: 'empty: never', nullable: true },
  { key: 'staleAfterS', label: 'Reading stale after (s)' },
  { key: 'fallbackHoldS', label: 'Hold on a failing source (s)' },
  { key: 'tickMs', label: 'Decide every (s)', ms: true },
  { key: 'historyRetentionDays', label: 'Keep history (days)' },
];

export function settingsToForm(s: SolarSettings): Record<SettingKey, string> {
  return Object.fromEntries(
    settingFields.map((f) => {
      const v = s[f.key];
      return [f.key, v === null ? '' : String(f.ms ? v / 1000 : v)];
    }),
  ) as Record<SettingKey, string>;
}

export function formToSettings(f: Record<SettingKey, string>): Partial<SolarSettings> {
  return Object.fromEntries(
    settingFields.map((d) => {
      const raw = f[d.key].trim();
      if (raw === '') return [d.key, d.nullable ? null : undefined];
      const n = Number(raw);
      return [d.key, d.ms ? Math.round(n * 1000) : n];
    }),
  ) as Partial<SolarSettings>;
}

function SettingsPanel({ sources }: { sources: EnergySource[] }) {
  const settings = useSolarSettings();
  return (
    <section className="panel" aria-labelledby="solar-settings">
      <h2 id="solar-settings">Controller settings</h2>
      <ErrorText error={settings.error} prefix="Could not load the settings" />
      {settings.data ? (
        <SettingsForm settings={settings.data} sources={sources} />
      ) : settings.isPending ? (
        <Loading what="settings" />
      ) : null}
    </section>
  );
}

function SettingsForm({ settings, sources }: { settings: SolarSettings; sources: EnergySource[] }) {
  const canOperate = useCan('operator');
  const qc = useQueryClient();
  const [enabled, setEnabled] = useState(settings.enabled);
  const [sourceId, setSourceId] = useState(settings.sourceId ?? '');
  const [strictImport, setStrictImport] = useState(settings.strictImport);
  const [fallback, setFallback] = useState(settings.fallback);
  const [values, setValues] = useState(() => settingsToForm(settings));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label="Controller settings"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(false);
        setBusy(true);
        try {
          const body = {
            ...formToSettings(values),
            enabled,
            sourceId: sourceId || null,
            strictImport,
            fallback,
          };
          const next = await put<SolarSettings>('/api/v1/solar/settings', body);
          qc.setQueryData(['solar', 'settings'], next);
          void qc.invalidateQueries({ queryKey: ['solar', 'status'] });
          setSaved(true);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <fieldset disabled={!canOperate} className="plain-fieldset">
        <div className="form-grid">
          <label className="check">
            <input
              type="checkbox"
              name="solar-enabled"
              checked={enabled}
              onChange={(e) => setEnabled(e.target.checked)}
            />
            Run devices on solar surplus (controller on)
          </label>
          <label>
            Energy source
            <select name="solar-source" value={sourceId} onChange={(e) => setSourceId(e.target.value)}>
              <option value="">the only one (when there is one)</option>
              {sources.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            When the source fails
            <select
              name="solar-fallback"
              value={fallback}
              onChange={(e) => setFallback(e.target.value as 'keep' | 'stop')}
            >
              <option value="stop">stop every solar device</option>
              <option value="keep">keep devices as they are</option>
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={strictImport}
              onChange={(e) => setStrictImport(e.target.checked)}
            />
            Import limit wins over the min on time
          </label>
          {settingFields.map((f) => (
            <label key={f.key}>
              {f.label}
              <input
                name={`solar-${f.key}`}
                type="number"
                step="any"
                min={0}
                value={values[f.key]}
                placeholder={f.nullable ? 'none' : undefined}
                onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
              />
              {f.hint ? <span className="muted small-text">{f.hint}</span> : null}
            </label>
          ))}
        </div>
        {canOperate ? (
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
            {saved ? <span className="ok">Settings saved.</span> : null}
          </div>
        ) : (
          <p className="muted">Operators can change the settings.</p>
        )}
      </fieldset>
      <ErrorText error={error} prefix="Could not save the settings" />
    </form>
  );
}
