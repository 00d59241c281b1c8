import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { type Device, del, type Group, patch, post, type Schedule } from '../api';
import { useDevices, useGroups } from '../data';
import { actionWords, dayNames, useSchedules } from '../energy';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader } from '../ui';
import { EnergyTabs } from './energy-nav';

type Action = Schedule['action'];

interface ScheduleForm {
  name: string;
  enabled: boolean;
  days: number[];
  start: string;
  end: string;
  timeZone: string;
  action: Action;
  outsideAction: Action | '';
  deviceIds: string[];
  groupIds: string[];
}

const browserZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

const blank = (): ScheduleForm => ({
  name: '',
  enabled: true,
  days: [1, 2, 3, 4, 5],
  start: '22:00',
  end: '06:00',
  timeZone: browserZone(),
  action: 'on',
  outsideAction: '',
  deviceIds: [],
  groupIds: [],
});

const fromSchedule = (s: Schedule): ScheduleForm => ({
  name: s.name,
  enabled: s.enabled,
  days: s.days,
  start: s.start,
  end: s.end,
  timeZone: s.timeZone,
  action: s.action,
  outsideAction: s.outsideAction ?? '',
  deviceIds: s.deviceIds,
  groupIds: s.groupIds,
});

export function daysText(days: number[]): string {
  const set = [...new Set(days)].sort();
  if (set.length === 7) return 'every day';
  if (set.join() === '1,2,3,4,5') return 'Mon–Fri';
  if (set.join() === '0,6') return 'weekends';
  return set.map((d) => dayNames[d]).join(', ');
}

export function windowText(s: Pick<Schedule, 'start' | 'end'>): string {
  if (s.start === s.end) return 'all day';
  return `${s.start}–${s.end}${s.end < s.start ? ' (next day)' : ''}`;
}

export function SchedulesPage() {
  const schedules = useSchedules();
  const devices = useDevices();
  const groups = useGroups();
  const canOperate = useCan('operator');
  const [editing, setEditing] = useState<Schedule | 'new' | null>(null);
  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const d of devices.data ?? []) m.set(d.id, d.name);
    for (const g of groups.data ?? []) m.set(g.id, `group ${g.name}`);
    return m;
  }, [devices.data, groups.data]);
  const list = schedules.data ?? [];
  return (
    <section>
      <PageHeader title="Solar & schedules">
        {canOperate && editing === null ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add a schedule
          </button>
        ) : null}
      </PageHeader>
      <EnergyTabs />
      <p className="muted">
        Time windows that make devices mine, sleep or stop, e.g. on a cheap night tariff. An open window wins
        over the solar controller for its devices; of several open windows the one that opened last wins.
      </p>
      {editing !== null ? (
        <ScheduleEditor
          key={editing === 'new' ? 'new' : editing.id}
          schedule={editing === 'new' ? null : editing}
          devices={devices.data ?? []}
          groups={groups.data ?? []}
          onDone={() => setEditing(null)}
        />
      ) : null}
      <ErrorText error={schedules.error} prefix="Could not load schedules" />
      {schedules.isPending ? (
        <Loading what="schedules" />
      ) : list.length === 0 ? (
        <Empty title="No schedule yet">
          {canOperate
            ? 'Add a schedule to run devices at set hours: pick days, a start and an end, and what the devices do then.'
            : 'An operator can add schedules here.'}
        </Empty>
      ) : (
        <section className="panel">
          <h2>Schedules</h2>
          <div className="scroll-x">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>When</th>
                  <th>Action</th>
                  <th>Devices and groups</th>
                  <th>Now</th>
                  <th>Enabled</th>
                  {canOperate ? <th>Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <ScheduleRow
                    key={s.id}
                    schedule={s}
                    names={names}
                    canOperate={canOperate}
                    onEdit={() => setEditing(s)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </section>
  );
}

function ScheduleRow({
  schedule: s,
  names,
  canOperate,
  onEdit,
}: {
  schedule: Schedule;
  names: Map<string, string>;
  canOperate: boolean;
  onEdit: () => void;
}) {
  const qc = useQueryClient();
  const [pending, setPending] = useState<boolean | null>(null);
  const [error, setError] = useState<unknown>(null);
  const targets = [...s.deviceIds, ...s.groupIds];
  return (
    <>
      <tr data-schedule={s.name}>
        <td>{s.name}</td>
        <td>
          {daysText(s.days)}, {windowText(s)}
          <div className="muted small-text">{s.timeZone}</div>
        </td>
        <td>
          {actionWords[s.action]}
          {s.outsideAction ? (
            <div className="muted small-text">outside: {actionWords[s.outsideAction]}</div>
          ) : null}
        </td>
        <td className="wrap">
          {targets.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <>
              {s.deviceIds.slice(0, 5).map((id) => (
                <div key={id}>
                  <Link href={`/devices/${id}`}>{names.get(id) ?? id}</Link>
                </div>
              ))}
              {s.groupIds.slice(0, 5).map((id) => (
                <div key={id}>{names.get(id) ?? id}</div>
              ))}
              {targets.length > 10 ? <div className="muted">and more ({targets.length} in all)</div> : null}
            </>
          )}
        </td>
        <td>
          {s.activeNow ? (
            <span className="badge badge-online">open now</span>
          ) : (
            <span className="muted">closed</span>
          )}
        </td>
        <td>
          <input
            type="checkbox"
            aria-label={`${s.name} enabled`}
            checked={pending ?? s.enabled}
            disabled={!canOperate}
            onChange={async (e) => {
              const next = e.target.checked;
              setError(null);
              setPending(next);
              try {
                await patch(`/api/v1/schedules/${s.id}`, { enabled: next });
                await qc.invalidateQueries({ queryKey: ['schedules'] });
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
            <button type="button" className="small" onClick={onEdit}>
              Edit
            </button>{' '}
            <button
              type="button"
              className="small danger"
              onClick={async () => {
                if (!window.confirm(`Delete schedule ${s.name}?`)) return;
                setError(null);
                try {
                  await del(`/api/v1/schedules/${s.id}`);
                  void qc.invalidateQueries({ queryKey: ['schedules'] });
                } catch (err) {
                  setError(err);
                }
              }}
            >
              Delete
            </button>
          </td>
        ) : null}
      </tr>
      {error ? (
        <tr>
          <td colSpan={7}>
            <ErrorText error={error} prefix={`Could not change ${s.name}`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** A filterable multiple choice; selected items stay selected while filtered out. */
export function MultiPicker({
  label,
  items,
  selected,
  onChange,
  name,
}: {
  label: string;
  items: { id: string; name: string; hint?: string }[];
  selected: string[];
  onChange: (ids: string[]) => void;
  name: string;
}) {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const sel = new Set(selected);
    return items.filter((i) => sel.has(i.id) || !f || i.name.toLowerCase().includes(f)).slice(0, 500);
  }, [items, filter, selected]);
  return (
    <div className="field">
      <label>
        {label}
        <input
          type="search"
          aria-label={`Filter ${label.toLowerCase()}`}
          placeholder="Filter by name"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </label>
      <select
        multiple
        name={name}
        aria-label={label}
        size={Math.min(8, Math.max(3, shown.length))}
        value={selected}
        onChange={(e) => {
          const visible = new Set(shown.map((i) => i.id));
          const picked = [...e.target.selectedOptions].map((o) => o.value);
          onChange([...selected.filter((id) => !visible.has(id)), ...picked]);
        }}
      >
        {shown.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
            {i.hint ? ` (${i.hint})` : ''}
          </option>
        ))}
      </select>
      <span className="muted small-text">
        {selected.length} selected{items.length ? '; Ctrl or Shift to pick several' : ''}
      </span>
    </div>
  );
}

function ScheduleEditor({
  schedule,
  devices,
  groups,
  onDone,
}: {
  schedule: Schedule | null;
  devices: Device[];
  groups: Group[];
  onDone: () => void;
}) {
  const qc = useQueryClient();
  const [form, setForm] = useState<ScheduleForm>(() => (schedule ? fromSchedule(schedule) : blank()));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const tzList = useMemo(zones, []);
  const set = <K extends keyof ScheduleForm>(k: K, v: ScheduleForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  return (
    <form
      className="card"
      aria-label={schedule ? `Edit ${schedule.name}` : 'New schedule'}
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        if (form.deviceIds.length + form.groupIds.length === 0) {
          setError(new Error('pick at least one device or group'));
          return;
        }
        setBusy(true);
        const body = { ...form, outsideAction: form.outsideAction || null, name: form.name.trim() };
        try {
          if (schedule) await patch(`/api/v1/schedules/${schedule.id}`, body);
          else await post('/api/v1/schedules', body);
          void qc.invalidateQueries({ queryKey: ['schedules'] });
          onDone();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>{schedule ? `Edit ${schedule.name}` : 'New schedule'}</h2>
      <div className="form-grid">
        <label>
          Name
          <input
            name="schedule-name"
            required
            value={form.name}
            onChange={(e) => set('name', e.target.value)}
            placeholder="night tariff"
          />
        </label>
        <label>
          Start
          <input
            name="schedule-start"
            type="time"
            required
            value={form.start}
            onChange={(e) => set('start', e.target.value)}
          />
        </label>
        <label>
          End
          <input
            name="schedule-end"
            type="time"
            required
            value={form.end}
            onChange={(e) => set('end', e.target.value)}
          />
          <span className="muted small-text">before the start: runs past midnight; equal: all day</span>
        </label>
        <label>
          Time zone
          <input
            name="schedule-tz"
            list="time-zones"
            required
            value={form.timeZone}
            spellCheck={false}
            onChange={(e) => set('timeZone', e.target.value)}
          />
          <datalist id="time-zones">
            {tzList.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <label>
          In the window
          <select
            name="schedule-action"
            value={form.action}
            onChange={(e) => set('action', e.target.value as Action)}
          >
            {(['on', 'sleep', 'off'] as const).map((a) => (
              <option key={a} value={a}>
                {actionWords[a]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outside the window
          <select
            name="schedule-outside"
            value={form.outsideAction}
            onChange={(e) => set('outsideAction', e.target.value as Action | '')}
          >
            <option value="">leave them as they are</option>
            {(['on', 'sleep', 'off'] as const).map((a) => (
              <option key={a} value={a}>
                {actionWords[a]}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          Enabled
        </label>
      </div>
      <fieldset className="days">
        <legend>Days (the day a window starts)</legend>
        {dayNames.map((d, i) => (
          <label key={d} className="check">
            <input
              type="checkbox"
              checked={form.days.includes(i)}
              onChange={(e) =>
                set('days', e.target.checked ? [...form.days, i].sort() : form.days.filter((x) => x !== i))
              }
            />
            {d}
          </label>
        ))}
      </fieldset>
      <div className="two-col">
        <MultiPicker
          label="Devices"
          name="schedule-devices"
          items={devices.map((d) => ({ id: d.id, name: d.name, hint: d.kind }))}
          selected={form.deviceIds}
          onChange={(ids) => set('deviceIds', ids)}
        />
        <MultiPicker
          label="Groups"
          name="schedule-groups"
          items={groups.map((g) => ({ id: g.id, name: g.name, hint: `${g.deviceIds.length} devices` }))}
          selected={form.groupIds}
          onChange={(ids) => set('groupIds', ids)}
        />
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : schedule ? 'Save changes' : 'Save schedule'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <ErrorText error={error} prefix="Could not save the schedule" />
    </form>
  );
}
