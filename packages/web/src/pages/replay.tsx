import { useMemo, useState } from 'react';
import { post, type ReplayRequest, type ReplayResult, type SolarRule, type SolarSettings } from '../api';
import { DayChart } from '../day-chart';
import {
  dateInputValue,
  dayBounds,
  kwh,
  parseDateInput,
  useEnergySources,
  useSolarRules,
  useSolarSettings,
} from '../energy';
import { duration, watts } from '../format';
import { Empty, ErrorText, Loading, PageHeader, Stat } from '../ui';
import { EnergyTabs } from './energy-nav';
import { DecisionLog, formToSettings, settingFields, settingsToForm } from './solar';

interface RuleRow {
  key: string;
  include: boolean;
  name: string;
  priority: string;
  powerW: string;
  standbyW: string;
  reducedW: string;
}

const rowFrom = (r: SolarRule): RuleRow => ({
  key: r.id,
  include: r.enabled,
  name: r.name,
  priority: String(r.priority),
  powerW: r.powerW === null ? '' : String(r.powerW),
  standbyW: String(r.standbyW),
  reducedW: r.reducedW === null ? '' : String(r.reducedW),
});

const sampleCsv = `time,pvW,houseW
06:00,0,400
08:00,1500,500
10:00,4200,450
12:00,6000,600
14:00,5200,500
16:00,2500,700
18:00,300,900
20:00,0,800`;

export function ReplayPage() {
  const settings = useSolarSettings();
  const rules = useSolarRules();
  return (
    <section>
      <PageHeader title="Solar & schedules" />
      <EnergyTabs />
      <p className="muted">
        Run the solar controller over a past day, or a day of your own in CSV, with changed settings, and see
        what it would have done: energy mined on solar, imported, and how often each device switched. Nothing
        is switched and nothing is saved.
      </p>
      <ErrorText error={settings.error} prefix="Could not load the settings" />
      <ErrorText error={rules.error} prefix="Could not load the solar rules" />
      {settings.data && rules.data ? (
        <ReplayForm settings={settings.data} rules={rules.data} />
      ) : settings.isPending || rules.isPending ? (
        <Loading what="the controller's settings" />
      ) : null}
    </section>
  );
}

function ReplayForm({ settings, rules }: { settings: SolarSettings; rules: SolarRule[] }) {
  const sources = useEnergySources();
  const [mode, setMode] = useState<'history' | 'csv'>('history');
  const [sourceId, setSourceId] = useState(settings.sourceId ?? '');
  const [day, setDay] = useState(() => dayBounds(Date.now())[0]);
  const [csv, setCsv] = useState('');
  const [values, setValues] = useState(() => settingsToForm(settings));
  const [rows, setRows] = useState<RuleRow[]>(() => rules.map(rowFrom));
  const [battery, setBattery] = useState({
    on: false,
    capacityWh: '10000',
    maxChargeW: '5000',
    maxDischargeW: '5000',
    startSoc: '50',
    minSoc: '10',
  });
  const [result, setResult] = useState<ReplayResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const setRow = (i: number, p: Partial<RuleRow>) =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...p } : r)));

  const run = async () => {
    setError(null);
    const included = rows.filter((r) => r.include);
    const missing = included.find((r) => !r.powerW.trim());
    if (missing) {
      setError(
        new Error(`give ${missing.name || 'each device'} its power draw (W): a replay cannot learn it`),
      );
      return;
    }
    let input: ReplayRequest['input'];
    if (mode === 'csv') {
      if (!csv.trim()) {
        setError(new Error('paste a CSV or choose a file first (time,pvW,houseW per line)'));
        return;
      }
      input = { from: 'csv', csv };
    } else {
      const [start, end] = dayBounds(day);
      input = { from: 'history', start, end: Math.min(end, Date.now()), ...(sourceId ? { sourceId } : {}) };
    }
    const body = {
      input,
      settings: formToSettings(values),
      rules: included.map((r, i) => ({
        id: r.key,
        name: r.name.trim() || `device ${i + 1}`,
        priority: Math.round(Number(r.priority || 0)),
        powerW: Number(r.powerW),
        standbyW: Number(r.standbyW || 0),
        reducedW: r.reducedW.trim() ? Number(r.reducedW) : null,
      })),
      ...(battery.on
        ? {
            battery: {
              capacityWh: Number(battery.capacityWh),
              maxChargeW: Number(battery.maxChargeW),
              maxDischargeW: Number(battery.maxDischargeW),
              startSoc: Number(battery.startSoc),
              minSoc: Number(battery.minSoc),
            },
          }
        : {}),
      maxDecisions: 500,
    };
    setBusy(true);
    try {
      setResult(await post<ReplayResult>('/api/v1/solar/replay', body));
    } catch (err) {
      setResult(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form
        className="card"
        aria-label="Replay"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <h2>The day</h2>
        <fieldset className="segmented">
          <legend className="visually-hidden">Replay input</legend>
          <button
            type="button"
            aria-pressed={mode === 'history'}
            className={mode === 'history' ? 'active' : ''}
            onClick={() => setMode('history')}
          >
            A recorded day
          </button>
          <button
            type="button"
            aria-pressed={mode === 'csv'}
            className={mode === 'csv' ? 'active' : ''}
            onClick={() => setMode('csv')}
          >
            A CSV
          </button>
        </fieldset>
        {mode === 'history' ? (
          sources.data?.length === 0 ? (
            <p className="muted">No energy source has recorded a day yet: use a CSV instead.</p>
          ) : (
            <div className="form-grid">
              <label>
                Energy source
                <select name="replay-source" value={sourceId} onChange={(e) => setSourceId(e.target.value)}>
                  <option value="">the controller's source</option>
                  {(sources.data ?? []).map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Day
                <input
                  name="replay-day"
                  type="date"
                  value={dateInputValue(day)}
                  max={dateInputValue(Date.now())}
                  onChange={(e) => {
                    const v = parseDateInput(e.target.value);
                    if (v !== null) setDay(v);
                  }}
                />
              </label>
            </div>
          )
        ) : (
          <div>
            <label>
              CSV: <code>time,pvW,houseW[,gridW,soc]</code> (time as HH:MM, ISO or epoch ms; houseW without
              the miners)
              <textarea
                name="replay-csv"
                rows={8}
                spellCheck={false}
                value={csv}
                placeholder={sampleCsv}
                onChange={(e) => setCsv(e.target.value)}
              />
            </label>
            <div className="actions">
              <label>
                Or a file
                <input
                  type="file"
                  name="replay-file"
                  accept=".csv,text/csv,text/plain"
                  onChange={async (e) => {
                    const f = e.target.files?.[0];
                    if (!f) return;
                    if (f.size > 5_000_000) {
                      setError(new Error(`${f.name} is larger than 5 MB, the most a replay takes`));
                      return;
                    }
                    setCsv(await f.text());
                  }}
                />
              </label>
              <button type="button" className="small" onClick={() => setCsv(sampleCsv)}>
                Use the sample day
              </button>
            </div>
          </div>
        )}
        <h2>Devices</h2>
        {rows.length === 0 ? (
          <p className="muted">
            No device is under solar control yet: add one here to see what it would have done.
          </p>
        ) : null}
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th>Include</th>
                <th>Name</th>
                <th>Priority</th>
                <th>Draws (W)</th>
                <th>Standby (W)</th>
                <th>Reduced (W)</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={r.key}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Include ${r.name}`}
                      checked={r.include}
                      onChange={(e) => setRow(i, { include: e.target.checked })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label="Device name"
                      value={r.name}
                      onChange={(e) => setRow(i, { name: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Priority of ${r.name}`}
                      type="number"
                      step={1}
                      value={r.priority}
                      onChange={(e) => setRow(i, { priority: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Power of ${r.name}`}
                      type="number"
                      min={1}
                      step="any"
                      value={r.powerW}
                      placeholder="required"
                      onChange={(e) => setRow(i, { powerW: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Standby of ${r.name}`}
                      type="number"
                      min={0}
                      step="any"
                      value={r.standbyW}
                      onChange={(e) => setRow(i, { standbyW: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Reduced power of ${r.name}`}
                      type="number"
                      min={1}
                      step="any"
                      value={r.reducedW}
                      placeholder="none"
                      onChange={(e) => setRow(i, { reducedW: e.target.value })}
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="small"
                      onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <button
          type="button"
          className="small"
          onClick={() =>
            setRows((rs) => [
              ...rs,
              {
                key: `extra-${Date.now()}`,
                include: true,
                name: `device ${rs.length + 1}`,
                priority: '0',
                powerW: '',
                standbyW: '0',
                reducedW: '',
              },
            ])
          }
        >
          Add a device to the replay
        </button>
        <details>
          <summary>Settings for this replay (start from the saved ones)</summary>
          <div className="form-grid">
            {settingFields.map((f) => (
              <label key={f.key}>
                {f.label}
                <input
                  name={`replay-${f.key}`}
                  type="number"
                  step="any"
                  min={0}
                  value={values[f.key]}
                  placeholder={f.nullable ? 'none' : undefined}
                  onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
                />
              </label>
            ))}
          </div>
        </details>
        <details>
          <summary>A simulated home battery</summary>
          <label className="check">
            <input
              type="checkbox"
              checked={battery.on}
              onChange={(e) => setBattery((b) => ({ ...b, on: e.target.checked }))}
            />
            Simulate a battery
          </label>
          {battery.on ? (
            <div className="form-grid">
              {(
                [
                  ['capacityWh', 'Capacity (Wh)'],
                  ['maxChargeW', 'Max charge (W)'],
                  ['maxDischargeW', 'Max discharge (W)'],
                  ['startSoc', 'Charge at the start (%)'],
                  ['minSoc', 'Lowest charge (%)'],
                ] as const
              ).map(([k, label]) => (
                <label key={k}>
                  {label}
                  <input
                    type="number"
                    min={0}
                    step="any"
                    value={battery[k]}
                    onChange={(e) => setBattery((b) => ({ ...b, [k]: e.target.value }))}
                  />
                </label>
              ))}
            </div>
          ) : null}
        </details>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Replaying…' : 'Run the replay'}
          </button>
        </div>
        <ErrorText error={error} prefix="Could not replay" />
      </form>
      {result ? <ReplayResultView result={result} /> : null}
      {!result && !error ? (
        <Empty title="No replay yet">
          Pick a day or paste a CSV, check the devices and their power, then run it.
        </Empty>
      ) : null}
    </>
  );
}

function ReplayResultView({ result: r }: { result: ReplayResult }) {
  const t = r.totals;
  const points = useMemo(
    () => r.series.map((p) => ({ at: p.at, pvW: p.pvW, loadW: p.loadW, gridW: p.gridW })),
    [r.series],
  );
  const bands = useMemo(
    () => r.devices.map((d) => ({ key: d.ruleId, name: d.name, intervals: d.onIntervals })),
    [r.devices],
  );
  return (
    <section className="panel" aria-labelledby="replay-result" data-testid="replay-result">
      <h2 id="replay-result">
        What the controller would have done, {new Date(r.from).toLocaleString()} –{' '}
        {new Date(r.to).toLocaleTimeString()}
      </h2>
      <div className="stats">
        <Stat
          label="Mined on solar"
          value={<span data-testid="replay-solar">{kwh(t.minedOnSolarKWh)}</span>}
          hint={`of ${kwh(t.minedKWh)} mined`}
        />
        <Stat label="Mined on battery" value={kwh(t.minedOnBatteryKWh)} />
        <Stat label="Mined on grid" value={kwh(t.minedOnGridKWh)} />
        <Stat label="Imported" value={kwh(t.importedKWh)} />
        <Stat label="Exported" value={kwh(t.exportedKWh)} />
        <Stat label="PV" value={kwh(t.pvKWh)} />
        <Stat label="Switches" value={t.switches} />
        <Stat
          label="Longest import while mining"
          value={t.longestImportS ? duration(t.longestImportS) : 'none'}
        />
      </div>
      <DayChart points={points} bands={bands} from={r.from} to={r.to} testId="replay-chart" />
      <h3>Devices</h3>
      {r.devices.length === 0 ? (
        <p className="muted">No device was replayed.</p>
      ) : (
        <div className="scroll-x">
          <table>
            <thead>
              <tr>
                <th>Device</th>
                <th className="num">Switches</th>
                <th className="num">Most in an hour</th>
                <th className="num">Hours on</th>
                <th className="num">Energy</th>
                <th className="num">On solar</th>
              </tr>
            </thead>
            <tbody>
              {r.devices.map((d) => (
                <tr key={d.ruleId} data-replay-device={d.name}>
                  <td>{d.name}</td>
                  <td className="num">{d.switches}</td>
                  <td className="num">{d.maxSwitchesInAnHour}</td>
                  <td className="num">{d.onHours.toFixed(1)}</td>
                  <td className="num">{kwh(d.energyKWh)}</td>
                  <td className="num">{kwh(d.solarKWh)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>
        Decisions{' '}
        {r.decisionsTotal > r.decisions.length ? (
          <span className="muted small-text">
            (the first {r.decisions.length} of {r.decisionsTotal})
          </span>
        ) : null}
      </h3>
      <DecisionLog items={r.decisions} />
      <p className="muted small-text">
        {r.ticks} rounds of {r.stepS} s; peak PV {watts(Math.max(0, ...r.series.map((p) => p.pvW)))}.
      </p>
    </section>
  );
}
