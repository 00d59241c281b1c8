import { type EnergyField, energyFields, SECRET_MASK } from '@mrm/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { del, type EnergySource, type EnergyTestResult, patch, post } from '../api';
import { batteryText, gridText, useEnergySources } from '../energy';
import { ago, watts } from '../format';
import { useCan } from '../session';
import { Empty, ErrorText, Loading, PageHeader } from '../ui';
import { EnergyTabs } from './energy-nav';

type Kind = EnergySource['kind'];
type Values = NonNullable<EnergyTestResult['values']>;

const kindWords: Record<Kind, string> = {
  sunspec: 'SunSpec (Modbus TCP)',
  fronius: 'Fronius Solar API',
  mqtt: 'MQTT',
  http: 'HTTP JSON',
};

const fieldWords: Record<EnergyField, string> = {
  pvW: 'PV power (W)',
  gridW: 'Grid power (W, + import)',
  batteryW: 'Battery power (W, + discharge)',
  batterySoc: 'Battery charge (%)',
  loadW: 'Load (W)',
};

interface FieldRow {
  topic: string;
  path: string;
  scale: string;
  invert: boolean;
}

interface SourceForm {
  kind: Kind;
  name: string;
  enabled: boolean;
  intervalS: string;
  host: string;
  port: string;
  unitId: string;
  meterUnitId: string;
  invertGrid: boolean;
  invertBattery: boolean;
  url: string;
  username: string;
  password: string;
  maxAgeS: string;
  headerName: string;
  headerValue: string;
  fields: Record<EnergyField, FieldRow>;
}

const emptyRow = (): FieldRow => ({ topic: '', path: '', scale: '', invert: false });

function blankForm(): SourceForm {
  return {
    kind: 'fronius',
    name: '',
    enabled: true,
    intervalS: '10',
    host: '',
    port: '502',
    unitId: '1',
    meterUnitId: '',
    invertGrid: false,
    invertBattery: false,
    url: '',
    username: '',
    password: '',
    maxAgeS: '60',
    headerName: '',
    headerValue: '',
    fields: Object.fromEntries(energyFields.map((f) => [f, emptyRow()])) as Record<EnergyField, FieldRow>,
  };
}

const s = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function formFrom(src: EnergySource): SourceForm {
  const c = src.config;
  const f = blankForm();
  const fields = (c.fields && typeof c.fields === 'object' ? c.fields : {}) as Record<
    string,
    { topic?: string; path?: string; scale?: number; invert?: boolean } | undefined
  >;
  return {
    ...f,
    kind: src.kind,
    name: src.name,
    enabled: src.enabled,
    intervalS: String(src.intervalMs / 1000),
    host: s(c.host),
    port: s(c.port) || '502',
    unitId: s(c.unitId) || '1',
    meterUnitId: s(c.meterUnitId),
    invertGrid: c.invertGrid === true,
    invertBattery: c.invertBattery === true,
    url: s(c.url),
    username: s(c.username),
    password: s(c.password),
    maxAgeS: c.maxAgeMs ? String(Number(c.maxAgeMs) / 1000) : '60',
    headerName: s(c.headerName),
    headerValue: s(c.headerValue),
    fields: Object.fromEntries(
      energyFields.map((k) => {
        const m = fields[k];
        return [
          k,
          m
            ? {
                topic: m.topic ?? '',
                path: m.path ?? '',
                scale: m.scale ? String(m.scale) : '',
                invert: !!m.invert,
              }
            : emptyRow(),
        ];
      }),
    ) as Record<EnergyField, FieldRow>,
  };
}

const int = (v: string) => (v.trim() === '' ? undefined : Number(v));

/** The API body for a kind: only that kind's settings (the API refuses the others). */
function bodyOf(f: SourceForm): Record<string, unknown> {
  const common = {
    name: f.name.trim(),
    enabled: f.enabled,
    ...(f.intervalS.trim() ? { intervalMs: Math.round(Number(f.intervalS) * 1000) } : {}),
  };
  const mapping = (mqtt: boolean) =>
    Object.fromEntries(
      energyFields
        .map((k) => [k, f.fields[k]] as const)
        .filter(([, r]) => (mqtt ? r.topic.trim() : r.path.trim()))
        .map(([k, r]) => [
          k,
          {
            ...(mqtt ? { topic: r.topic.trim() } : {}),
            ...(r.path.trim() ? { path: r.path.trim() } : {}),
            ...(r.scale.trim() ? { scale: Number(r.scale) } : {}),
            ...(r.invert ? { invert: true } : {}),
          },
        ]),
    );
  switch (f.kind) {
    case 'sunspec':
      return {
        ...common,
        host: f.host.trim(),
        port: int(f.port) ?? 502,
        unitId: int(f.unitId) ?? 1,
        meterUnitId: int(f.meterUnitId) ?? null,
        invertGrid: f.invertGrid,
        invertBattery: f.invertBattery,
      };
    case 'fronius':
      return { ...common, url: f.url.trim() };
    case 'mqtt':
      return {
        ...common,
        url: f.url.trim(),
        ...(f.username ? { username: f.username } : {}),
        ...(f.password ? { password: f.password } : {}),
        ...(f.maxAgeS.trim() ? { maxAgeMs: Math.round(Number(f.maxAgeS) * 1000) } : {}),
        fields: mapping(true),
      };
    case 'http':
      return {
        ...common,
        url: f.url.trim(),
        ...(f.headerName.trim() ? { headerName: f.headerName.trim(), headerValue: f.headerValue } : {}),
        fields: mapping(false),
      };
  }
}

export function EnergySourcesPage() {
  const sources = useEnergySources();
  const canOperate = useCan('operator');
  const [editing, setEditing] = useState<EnergySource | 'new' | null>(null);
  const list = sources.data ?? [];
  return (
    <section>
      <PageHeader title="Solar & schedules">
        {canOperate && editing === null ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add an energy source
          </button>
        ) : null}
      </PageHeader>
      <EnergyTabs />
      <p className="muted">
        Inverters and meters the commander reads every few seconds. The solar controller runs devices on what
        they report; the readings are kept as history for the day chart and replays.
      </p>
      {editing !== null ? (
        <SourceEditor
          key={editing === 'new' ? 'new' : editing.id}
          source={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      ) : null}
      <ErrorText error={sources.error} prefix="Could not load energy sources" />
      {sources.isPending ? (
        <Loading what="energy sources" />
      ) : list.length === 0 ? (
        <Empty title="No energy source yet">
          {canOperate
            ? 'Add an energy source to start: a SunSpec inverter or meter (Modbus TCP), a Fronius inverter, an MQTT broker or any HTTP JSON endpoint. Test the connection, then save.'
            : 'An operator can add an inverter or meter here; its readings then show on this page.'}
        </Empty>
      ) : (
        <section className="panel">
          <h2>Energy sources</h2>
          <div className="scroll-x">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th className="num">PV</th>
                  <th className="num">Grid</th>
                  <th className="num">Battery</th>
                  <th className="num">Load</th>
                  <th className="hide-sm">Read</th>
                  {canOperate ? <th>Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.map((src) => (
                  <SourceRow
                    key={src.id}
                    source={src}
                    canOperate={canOperate}
                    onEdit={() => setEditing(src)}
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

function SourceStatus({ source: src }: { source: EnergySource }) {
  const st = src.status;
  const cls =
    st.state === 'ok'
      ? 'badge-online'
      : st.state === 'failing'
        ? 'badge-offline'
        : st.state === 'disabled'
          ? 'badge-sleeping'
          : 'badge-pending';
  return (
    <>
      <span className={`badge ${cls}`}>{st.state === 'unknown' ? 'not read yet' : st.state}</span>
      {st.state === 'failing' && st.error ? (
        <div className="error small-text" data-testid="source-error">
          {st.error}
          {st.lastOkAt ? ` (last good reading ${ago(st.lastOkAt)})` : ''}
        </div>
      ) : null}
    </>
  );
}

function SourceRow({
  source: src,
  canOperate,
  onEdit,
}: {
  source: EnergySource;
  canOperate: boolean;
  onEdit: () => void;
}) {
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [test, setTest] = useState<EnergyTestResult | null>(null);
  const [busy, setBusy] = useState(false);
  const l = src.latest;
  return (
    <>
      <tr data-source={src.name}>
        <td>
          {src.name}
          <div className="muted small-text">{kindWords[src.kind]}</div>
        </td>
        <td>
          <SourceStatus source={src} />
        </td>
        <td className="num" data-testid={`source-pv-${src.name}`}>
          {watts(l?.pvW)}
        </td>
        <td className="num">{gridText(l?.gridW)}</td>
        <td className="num">
          {batteryText(l?.batteryW)}
          {l?.batterySoc !== null && l?.batterySoc !== undefined ? (
            <div className="muted">{Math.round(l.batterySoc)} %</div>
          ) : null}
        </td>
        <td className="num">{watts(l?.loadW)}</td>
        <td className="hide-sm">{l ? ago(l.at) : 'never'}</td>
        {canOperate ? (
          <td className="nowrap">
            <button type="button" className="small" onClick={onEdit}>
              Edit
            </button>{' '}
            <button
              type="button"
              className="small"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                setError(null);
                setTest(null);
                try {
                  setTest(await post<EnergyTestResult>(`/api/v1/energy-sources/${src.id}/test`));
                } catch (err) {
                  setError(err);
                } finally {
                  setBusy(false);
                }
              }}
            >
              {busy ? 'Testing…' : 'Test'}
            </button>{' '}
            <button
              type="button"
              className="small danger"
              onClick={async () => {
                if (!window.confirm(`Delete energy source ${src.name} and its readings?`)) return;
                setError(null);
                try {
                  await del(`/api/v1/energy-sources/${src.id}`);
                  void qc.invalidateQueries({ queryKey: ['energy-sources'] });
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
      {error || test ? (
        <tr>
          <td colSpan={8}>
            <ErrorText error={error} prefix={`Could not change ${src.name}`} />
            {test ? <TestResult result={test} /> : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function ValuesList({ values: v }: { values: Values }) {
  return (
    <dl className="facts" data-testid="test-values">
      <dt>PV</dt>
      <dd>{watts(v.pvW)}</dd>
      <dt>Grid</dt>
      <dd>{gridText(v.gridW)}</dd>
      <dt>Battery</dt>
      <dd>
        {batteryText(v.batteryW)}
        {v.batterySoc !== null ? `, ${Math.round(v.batterySoc)} %` : ''}
      </dd>
      <dt>Load</dt>
      <dd>{watts(v.loadW)}</dd>
    </dl>
  );
}

function TestResult({ result: r }: { result: EnergyTestResult }) {
  if (!r.ok)
    return (
      <p className="error" role="alert" data-testid="test-result">
        The connection test failed after {r.ms} ms: {r.error ?? 'no reason given'}
      </p>
    );
  const absent = r.values ? energyFields.filter((k) => r.values![k] === null) : [];
  return (
    <div data-testid="test-result" role="status">
      <p className="ok">Connected in {r.ms} ms. It reads:</p>
      {r.values ? <ValuesList values={r.values} /> : null}
      {absent.length ? (
        <p className="muted small-text">
          Not available from this source: {absent.map((k) => fieldWords[k]).join(', ')}.
        </p>
      ) : null}
      {r.models?.length ? (
        <div>
          <p className="muted small-text">SunSpec models found:</p>
          <ul className="plain small-text" data-testid="sunspec-models">
            {r.models.map((m) => (
              <li key={`${m.unitId}-${m.id}-${m.address}`}>
                {m.id} {m.name} (unit {m.unitId}, register {m.address}, {m.length} words)
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function SourceEditor({ source, onDone }: { source: EnergySource | null; onDone: () => void }) {
  const qc = useQueryClient();
  const [form, setForm] = useState<SourceForm>(() => (source ? formFrom(source) : blankForm()));
  const [initial] = useState(() => JSON.stringify(source ? bodyOf(formFrom(source)) : null));
  const [error, setError] = useState<unknown>(null);
  const [testError, setTestError] = useState<unknown>(null);
  const [test, setTest] = useState<EnergyTestResult | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const set = <K extends keyof SourceForm>(k: K, v: SourceForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setRow = (k: EnergyField, patchRow: Partial<FieldRow>) =>
    setForm((f) => ({ ...f, fields: { ...f.fields, [k]: { ...f.fields[k], ...patchRow } } }));
  const secretMasked =
    (form.kind === 'mqtt' && form.password === SECRET_MASK) ||
    (form.kind === 'http' && form.headerValue === SECRET_MASK);

  const runTest = async () => {
    setBusy('test');
    setTestError(null);
    setTest(null);
    try {
      const body = bodyOf(form);
      if (source && secretMasked) {
        // The API never shows a saved secret, so unsaved changes cannot be tested with it.
        if (JSON.stringify(body) !== initial)
          throw new Error(
            'the saved secret is hidden, so these changes cannot be tested with it: type the password or token again to test before saving, or save and then test',
          );
        setTest(await post<EnergyTestResult>(`/api/v1/energy-sources/${source.id}/test`));
      } else {
        setTest(await post<EnergyTestResult>('/api/v1/energy-sources/test', { kind: form.kind, ...body }));
      }
    } catch (err) {
      setTestError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <form
      className="card"
      aria-label={source ? `Edit ${source.name}` : 'New energy source'}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy('save');
        setError(null);
        try {
          const body = bodyOf(form);
          if (source) await patch(`/api/v1/energy-sources/${source.id}`, body);
          else await post('/api/v1/energy-sources', { kind: form.kind, ...body });
          void qc.invalidateQueries({ queryKey: ['energy-sources'] });
          onDone();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(null);
        }
      }}
    >
      <h2>{source ? `Edit ${source.name}` : 'New energy source'}</h2>
      <div className="form-grid">
        <label>
          Kind
          <select
            name="source-kind"
            value={form.kind}
            disabled={!!source}
            onChange={(e) => set('kind', e.target.value as Kind)}
          >
            {(Object.keys(kindWords) as Kind[]).map((k) => (
              <option key={k} value={k}>
                {kindWords[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            name="source-name"
            required
            value={form.name}
            onChange={(e) => set('name', e.target.value)}
            placeholder="roof inverter"
          />
        </label>
        <label>
          Read every (s)
          <input
            name="source-interval"
            type="number"
            min={1}
            max={3600}
            step="any"
            value={form.intervalS}
            onChange={(e) => set('intervalS', e.target.value)}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          Read it (enabled)
        </label>
        {form.kind === 'sunspec' ? (
          <>
            <label>
              Host
              <input
                name="source-host"
                required
                value={form.host}
                spellCheck={false}
                onChange={(e) => set('host', e.target.value)}
                placeholder="192.168.1.50"
              />
            </label>
            <label>
              Port
              <input
                name="source-port"
                type="number"
                min={1}
                max={65535}
                value={form.port}
                onChange={(e) => set('port', e.target.value)}
              />
              <span className="muted small-text">502; SolarEdge 1502</span>
            </label>
            <label>
              Unit id
              <input
                name="source-unit"
                type="number"
                min={0}
                max={255}
                value={form.unitId}
                onChange={(e) => set('unitId', e.target.value)}
              />
            </label>
            <label>
              Meter unit id (optional)
              <input
                name="source-meter-unit"
                type="number"
                min={0}
                max={255}
                value={form.meterUnitId}
                onChange={(e) => set('meterUnitId', e.target.value)}
                placeholder="Fronius: 200"
              />
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={form.invertGrid}
                onChange={(e) => set('invertGrid', e.target.checked)}
              />
              Meter counts export as positive
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={form.invertBattery}
                onChange={(e) => set('invertBattery', e.target.checked)}
              />
              Battery counts charging as positive
            </label>
          </>
        ) : (
          <label className="wide">
            {form.kind === 'mqtt' ? 'Broker URL' : form.kind === 'fronius' ? 'Inverter URL' : 'URL'}
            <input
              name="source-url"
              required
              value={form.url}
              spellCheck={false}
              onChange={(e) => set('url', e.target.value)}
              placeholder={
                form.kind === 'mqtt'
                  ? 'mqtt://192.168.1.10:1883'
                  : form.kind === 'fronius'
                    ? 'http://192.168.1.60'
                    : 'http://192.168.1.70/api/power'
              }
            />
          </label>
        )}
        {form.kind === 'mqtt' ? (
          <>
            <label>
              Username
              <input
                name="source-username"
                autoComplete="off"
                value={form.username}
                onChange={(e) => set('username', e.target.value)}
              />
            </label>
            <label>
              Password
              <input
                name="source-password"
                type="password"
                autoComplete="new-password"
                value={form.password}
                onChange={(e) => set('password', e.target.value)}
              />
              {form.password === SECRET_MASK ? (
                <span className="muted small-text">saved; leave as is to keep it</span>
              ) : null}
            </label>
            <label>
              Values older than (s) count as absent
              <input
                name="source-max-age"
                type="number"
                min={1}
                value={form.maxAgeS}
                onChange={(e) => set('maxAgeS', e.target.value)}
              />
            </label>
          </>
        ) : null}
        {form.kind === 'http' ? (
          <>
            <label>
              Token header (optional)
              <input
                name="source-header-name"
                value={form.headerName}
                spellCheck={false}
                onChange={(e) => set('headerName', e.target.value)}
                placeholder="Authorization"
              />
            </label>
            <label>
              Header value
              <input
                name="source-header-value"
                type="password"
                autoComplete="off"
                value={form.headerValue}
                onChange={(e) => set('headerValue', e.target.value)}
                placeholder="Bearer …"
              />
              {form.headerValue === SECRET_MASK ? (
                <span className="muted small-text">saved; leave as is to keep it</span>
              ) : null}
            </label>
          </>
        ) : null}
      </div>
      {form.kind === 'mqtt' || form.kind === 'http' ? (
        <fieldset className="mapping">
          <legend>
            Where each value is (
            {form.kind === 'mqtt' ? 'a topic, and a JSON path in its message' : 'a JSON path'}, e.g.{' '}
            <code>$.data.pv</code>; leave a value empty when the source does not have it)
          </legend>
          <div className="scroll-x">
            <table>
              <thead>
                <tr>
                  <th>Value</th>
                  {form.kind === 'mqtt' ? <th>Topic</th> : null}
                  <th>JSON path</th>
                  <th>Multiply by</th>
                  <th>Invert sign</th>
                </tr>
              </thead>
              <tbody>
                {energyFields.map((k) => (
                  <tr key={k}>
                    <td>{fieldWords[k]}</td>
                    {form.kind === 'mqtt' ? (
                      <td>
                        <input
                          aria-label={`${fieldWords[k]} topic`}
                          value={form.fields[k].topic}
                          spellCheck={false}
                          onChange={(e) => setRow(k, { topic: e.target.value })}
                          placeholder="site/pv/power"
                        />
                      </td>
                    ) : null}
                    <td>
                      <input
                        aria-label={`${fieldWords[k]} path`}
                        value={form.fields[k].path}
                        spellCheck={false}
                        onChange={(e) => setRow(k, { path: e.target.value })}
                        placeholder={form.kind === 'mqtt' ? '(whole message)' : '$.site.pv'}
                      />
                    </td>
                    <td>
                      <input
                        aria-label={`${fieldWords[k]} scale`}
                        type="number"
                        step="any"
                        value={form.fields[k].scale}
                        onChange={(e) => setRow(k, { scale: e.target.value })}
                        placeholder="1"
                      />
                    </td>
                    <td>
                      <input
                        aria-label={`${fieldWords[k]} invert`}
                        type="checkbox"
                        checked={form.fields[k].invert}
                        onChange={(e) => setRow(k, { invert: e.target.checked })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </fieldset>
      ) : null}
      <div className="actions">
        <button type="button" disabled={busy !== null} onClick={() => void runTest()}>
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === 'save' ? 'Saving…' : source ? 'Save changes' : 'Save source'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <ErrorText error={testError} prefix="Could not test the connection" />
      {test ? <TestResult result={test} /> : null}
      <ErrorText error={error} prefix="Could not save the energy source" />
    </form>
  );
}
