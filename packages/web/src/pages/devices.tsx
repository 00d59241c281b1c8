import { useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { type Device, type Group, put, type Sentry } from '../api';
import { useDevices, useGroups, useSentries } from '../data';
import { ago, bucket, hashrate, maxTemp, type StatusBucket, watts } from '../format';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader, StatusBadge } from '../ui';

type SortKey = 'name' | 'kind' | 'status' | 'make' | 'hashrate' | 'power' | 'temp' | 'sentry' | 'lastSeen';

interface Filters {
  q: string;
  kind: '' | 'rig' | 'asic';
  status: '' | StatusBucket;
  make: string;
  sentryId: string;
  groupId: string;
  alerts: boolean;
}

const emptyFilters: Filters = {
  q: '',
  kind: '',
  status: '',
  make: '',
  sentryId: '',
  groupId: '',
  alerts: false,
};

const ROW_HEIGHT = 40;

function sortValue(d: Device, key: SortKey, sentryName: (id: string) => string): string | number {
  switch (key) {
    case 'name':
      return d.name.toLowerCase();
    case 'kind':
      return d.kind;
    case 'status':
      return d.status;
    case 'make':
      return `${d.make ?? ''} ${d.model ?? ''}`.toLowerCase();
    case 'hashrate':
      return d.hashrate ?? -1;
    case 'power':
      return d.power ?? -1;
    case 'temp':
      return maxTemp(d) ?? -1;
    case 'sentry':
      return sentryName(d.sentryId).toLowerCase();
    case 'lastSeen':
      return d.lastSeen ?? 0;
  }
}

export function DevicesPage() {
  const devices = useDevices();
  const sentries = useSentries();
  const groups = useGroups();
  const canOperate = useCan('operator');
  const [filters, setFilters] = useState<Filters>(emptyFilters);
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'name', dir: 1 });
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const q = useDeferredValue(filters.q.trim().toLowerCase());

  const sentryById = useMemo(() => new Map((sentries.data ?? []).map((s) => [s.id, s])), [sentries.data]);
  const makes = useMemo(
    () => [...new Set((devices.data ?? []).map((d) => d.make).filter((m): m is string => !!m))].sort(),
    [devices.data],
  );

  const rows = useMemo(() => {
    const list = (devices.data ?? []).filter(
      (d) =>
        (!filters.kind || d.kind === filters.kind) &&
        (!filters.status || bucket(d.status) === filters.status) &&
        (!filters.make || d.make === filters.make) &&
        (!filters.sentryId || d.sentryId === filters.sentryId) &&
        (!filters.groupId || d.groupIds.includes(filters.groupId)) &&
        (!filters.alerts || d.alerts.length > 0) &&
        (!q ||
          d.name.toLowerCase().includes(q) ||
          (d.ip ?? '').includes(q) ||
          (d.model ?? '').toLowerCase().includes(q) ||
          (d.make ?? '').toLowerCase().includes(q)),
    );
    const keyed = list.map(
      (d) => [sortValue(d, sort.key, (id) => sentryById.get(id)?.name ?? ''), d] as const,
    );
    keyed.sort((a, b) => (a[0] < b[0] ? -sort.dir : a[0] > b[0] ? sort.dir : 0));
    return keyed.map((k) => k[1]);
  }, [devices.data, filters, q, sort, sentryById]);

  const set = <K extends keyof Filters>(k: K, v: Filters[K]) => setFilters((f) => ({ ...f, [k]: v }));
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const allShownSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  if (devices.isPending) return <Loading what="devices" />;
  return (
    <section className="devices-page">
      <PageHeader title="Devices">
        <span className="muted" data-testid="device-count">
          {rows.length === devices.data?.length
            ? `${rows.length} devices`
            : `${rows.length} of ${devices.data?.length ?? 0} devices`}
        </span>
      </PageHeader>
      <ErrorText error={devices.error} prefix="Could not load devices" />
      <search className="filters">
        <input
          type="search"
          placeholder="Search name, IP, make, model"
          aria-label="Search devices"
          value={filters.q}
          onChange={(e) => set('q', e.target.value)}
        />
        <select
          aria-label="Kind"
          value={filters.kind}
          onChange={(e) => set('kind', e.target.value as Filters['kind'])}
        >
          <option value="">Rigs and ASICs</option>
          <option value="rig">Rigs</option>
          <option value="asic">ASICs</option>
        </select>
        <select
          aria-label="Status"
          value={filters.status}
          onChange={(e) => set('status', e.target.value as Filters['status'])}
        >
          <option value="">Any status</option>
          <option value="online">Online (mining)</option>
          <option value="warning">Warning</option>
          <option value="offline">Offline or unreachable</option>
          <option value="sleeping">Sleeping</option>
          <option value="pending">Pending</option>
        </select>
        <select aria-label="Make" value={filters.make} onChange={(e) => set('make', e.target.value)}>
          <option value="">Any make</option>
          {makes.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <select
          aria-label="Sentry"
          value={filters.sentryId}
          onChange={(e) => set('sentryId', e.target.value)}
        >
          <option value="">Any sentry</option>
          {(sentries.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <select aria-label="Group" value={filters.groupId} onChange={(e) => set('groupId', e.target.value)}>
          <option value="">Any group</option>
          {(groups.data ?? []).map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" checked={filters.alerts} onChange={(e) => set('alerts', e.target.checked)} />
          With alerts
        </label>
        {JSON.stringify(filters) !== JSON.stringify(emptyFilters) ? (
          <button type="button" className="small" onClick={() => setFilters(emptyFilters)}>
            Clear filters
          </button>
        ) : null}
      </search>
      {canOperate && selected.size > 0 ? (
        <BulkBar
          selected={selected}
          devices={devices.data ?? []}
          groups={groups.data ?? []}
          onClear={() => setSelected(new Set())}
        />
      ) : null}
      {devices.data?.length === 0 ? (
        <Empty title="No devices yet">
          Devices appear here when a sentry reports. <Link href="/sentries">Create a sentry</Link>: a rig
          sentry on each GPU/CPU rig, or an ASIC sentry on the LAN, then add ASICs to it.
        </Empty>
      ) : (
        <DeviceTable
          rows={rows}
          selected={selected}
          onToggle={toggle}
          selectable={canOperate}
          allSelected={allShownSelected}
          onToggleAll={() => setSelected(allShownSelected ? new Set() : new Set(rows.map((r) => r.id)))}
          sort={sort}
          onSort={(key) =>
            setSort((s) => ({
              key,
              dir: s.key === key ? (-s.dir as 1 | -1) : key === 'name' || key === 'sentry' ? 1 : -1,
            }))
          }
          sentryById={sentryById}
        />
      )}
    </section>
  );
}

const columns: { key: SortKey; label: string; className?: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'kind', label: 'Kind', className: 'col-narrow hide-sm' },
  { key: 'status', label: 'Status' },
  { key: 'make', label: 'Make / model', className: 'hide-sm' },
  { key: 'hashrate', label: 'Hashrate', className: 'num' },
  { key: 'power', label: 'Power', className: 'num hide-sm' },
  { key: 'temp', label: 'Temp', className: 'num hide-sm' },
  { key: 'sentry', label: 'Sentry', className: 'hide-md' },
  { key: 'lastSeen', label: 'Last seen', className: 'hide-md' },
];

function DeviceTable(props: {
  rows: Device[];
  selected: Set<string>;
  selectable: boolean;
  onToggle: (id: string) => void;
  allSelected: boolean;
  onToggleAll: () => void;
  sort: { key: SortKey; dir: 1 | -1 };
  onSort: (k: SortKey) => void;
  sentryById: Map<string, Sentry>;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: props.rows.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const now = Date.now();
  return (
    <div ref={parentRef} className="vscroll" data-testid="device-table">
      <table className="vtable" aria-rowcount={props.rows.length + 1}>
        <thead>
          <tr className="trow">
            <th className="col-select">
              {props.selectable ? (
                <input
                  type="checkbox"
                  aria-label="Select all shown"
                  checked={props.allSelected}
                  onChange={props.onToggleAll}
                />
              ) : null}
            </th>
            {columns.map((c) => (
              <th
                key={c.key}
                className={c.className}
                aria-sort={
                  props.sort.key === c.key ? (props.sort.dir === 1 ? 'ascending' : 'descending') : 'none'
                }
              >
                <button type="button" className="sort" onClick={() => props.onSort(c.key)}>
                  {c.label}
                  {props.sort.key === c.key ? (props.sort.dir === 1 ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody style={{ height: Math.max(virtualizer.getTotalSize(), ROW_HEIGHT) }}>
          {props.rows.length === 0 ? (
            <tr className="trow">
              <td className="muted">No device matches these filters.</td>
            </tr>
          ) : (
            virtualizer.getVirtualItems().map((v) => {
              const d = props.rows[v.index]!;
              return (
                <DeviceRow
                  key={d.id}
                  device={d}
                  top={v.start}
                  index={v.index}
                  checked={props.selected.has(d.id)}
                  selectable={props.selectable}
                  onToggle={props.onToggle}
                  sentryName={props.sentryById.get(d.sentryId)?.name ?? '–'}
                  now={now}
                />
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}

const DeviceRow = memo(function DeviceRow({
  device: d,
  top,
  index,
  checked,
  selectable,
  onToggle,
  sentryName,
  now,
}: {
  device: Device;
  top: number;
  index: number;
  checked: boolean;
  selectable: boolean;
  onToggle: (id: string) => void;
  sentryName: string;
  now: number;
}) {
  const t = maxTemp(d);
  return (
    <tr
      className={`trow${checked ? ' selected' : ''}${d.alerts.length ? ' alert-row' : ''}`}
      aria-rowindex={index + 2}
      data-device-id={d.id}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
    >
      <td className="col-select">
        {selectable ? (
          <input
            type="checkbox"
            aria-label={`Select ${d.name}`}
            checked={checked}
            onChange={() => onToggle(d.id)}
          />
        ) : null}
      </td>
      <td className="col-name">
        <Link href={`/devices/${d.id}`} className="device-name">
          {d.name}
        </Link>
        {d.alerts.length ? (
          <span className="badge badge-warning" title={d.alerts.map((a) => a.message).join('\n')}>
            alert
          </span>
        ) : null}
      </td>
      <td className="col-narrow hide-sm">{d.kind === 'rig' ? 'rig' : 'ASIC'}</td>
      <td>
        <StatusBadge status={d.status} />
      </td>
      <td className="hide-sm">{[d.make, d.model].filter(Boolean).join(' ') || '–'}</td>
      <td className="num" data-testid="hashrate">
        {hashrate(d.hashrate)}
      </td>
      <td className="num hide-sm">{watts(d.power)}</td>
      <td className={`num hide-sm${t !== null && t >= 85 ? ' hot' : ''}`}>
        {t === null ? '–' : `${Math.round(t)} °C`}
      </td>
      <td className="hide-md">{sentryName}</td>
      <td className="hide-md">{ago(d.lastSeen, now)}</td>
    </tr>
  );
});

function BulkBar({
  selected,
  devices,
  groups,
  onClear,
}: {
  selected: Set<string>;
  devices: Device[];
  groups: Group[];
  onClear: () => void;
}) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: number; failed: string[] } | null>(null);
  const [groupId, setGroupId] = useState('');
  const chosen = devices.filter((d) => selected.has(d.id));
  const asics = chosen.filter((d) => d.kind === 'asic');
  const rigs = chosen.filter((d) => d.kind === 'rig');

  async function each(list: Device[], fn: (d: Device) => Promise<unknown>) {
    setBusy(true);
    setResult(null);
    const failed: string[] = [];
    let ok = 0;
    // A few at a time: fast enough for thousands, gentle on the commander.
    const queue = [...list];
    await Promise.all(
      Array.from({ length: Math.min(8, queue.length) }, async () => {
        for (let d = queue.shift(); d; d = queue.shift()) {
          try {
            await fn(d);
            ok++;
          } catch (err) {
            failed.push(`${d.name}: ${(err as Error).message}`);
          }
        }
      }),
    );
    setResult({ ok, failed });
    setBusy(false);
    void qc.invalidateQueries({ queryKey: ['devices'] });
  }

  return (
    <section className="bulkbar" aria-label="Bulk actions">
      <strong>{selected.size} selected</strong>
      <span className="muted">
        ({rigs.length} rigs, {asics.length} ASICs)
      </span>
      {rigs.length ? (
        <button
          type="button"
          disabled={busy}
          onClick={() => navigate(`/playbooks/new/${rigs.map((r) => r.id).join(',')}`)}
        >
          Apply a playbook to {rigs.length} rig{rigs.length > 1 ? 's' : ''}
        </button>
      ) : null}
      {asics.length ? (
        <>
          <button
            type="button"
            disabled={busy}
            onClick={() => each(asics, (d) => put(`/api/v1/devices/${d.id}/power-state`, { state: 'sleep' }))}
          >
            Sleep {asics.length} ASIC{asics.length > 1 ? 's' : ''}
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => each(asics, (d) => put(`/api/v1/devices/${d.id}/power-state`, { state: 'on' }))}
          >
            Wake
          </button>
        </>
      ) : null}
      {groups.length ? (
        <span className="inline">
          <select aria-label="Group to add to" value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">Add to group…</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={busy || !groupId}
            onClick={async () => {
              const g = groups.find((x) => x.id === groupId);
              if (!g) return;
              await each([{ ...chosen[0]!, name: g.name }], () =>
                put(`/api/v1/groups/${g.id}/devices`, {
                  deviceIds: [...new Set([...g.deviceIds, ...selected])],
                }),
              );
              void qc.invalidateQueries({ queryKey: ['groups'] });
            }}
          >
            Add
          </button>
        </span>
      ) : null}
      <button type="button" className="small" onClick={onClear}>
        Clear selection
      </button>
      {busy ? <span aria-live="polite">Working…</span> : null}
      {result ? (
        <div aria-live="polite" className={result.failed.length ? 'error' : 'ok'}>
          {result.ok} done{result.failed.length ? `, ${result.failed.length} failed:` : '.'}
          {result.failed.length ? (
            <ul>
              {result.failed.slice(0, 10).map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
