/**
 * Replay: runs the controller (the same `tick` as the live loop) over a recorded or synthetic day
 * on a simulated site — PV and house load from the record, the controlled devices' draw from the
 * controller's own decisions, and optionally a home battery — and reports what it would have
 * done: energy mined on solar, battery and grid, import and export, switches per device.
 */
import type { ReplayResult, SolarSettings } from '@mrm/protocol';
import {
  type ControllerState,
  type Decision,
  initialState,
  tick,
  type UnitInput,
  type UnitTimers,
} from './controller.js';

export interface ReplaySample {
  at: number;
  pvW: number;
  /** Consumption without the controlled devices. */
  houseW: number;
}

export interface ReplayUnit extends UnitTimers {
  id: string;
  name: string;
  priority: number;
  powerW: number;
  standbyW?: number;
  reducedW?: number | null;
}

export interface ReplayBattery {
  capacityWh: number;
  maxChargeW: number;
  maxDischargeW: number;
  startSoc: number;
  minSoc?: number;
}

export interface ReplayOptions {
  settings: SolarSettings;
  units: ReplayUnit[];
  samples: ReplaySample[];
  stepS?: number;
  battery?: ReplayBattery;
  maxDecisions?: number;
  /** Called after every tick (tests check invariants step by step). */
  onStep?: (step: ReplayStep) => void;
}

export interface ReplayStep {
  at: number;
  pvW: number;
  houseW: number;
  gridW: number;
  batteryW: number;
  soc: number | null;
  /** Levels during [at, at + step), before this tick's decisions. */
  levels: readonly number[];
  controlledW: number;
  decisions: Decision[];
  state: ControllerState;
}

const MAX_SERIES = 1440;

export function replay(opts: ReplayOptions): ReplayResult {
  const { settings, samples } = opts;
  const stepMs = (opts.stepS ?? 10) * 1000;
  const maxDecisions = opts.maxDecisions ?? 500;
  if (samples.length < 2) throw new Error('a replay needs at least two samples');
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const from = sorted[0]!.at;
  const to = sorted[sorted.length - 1]!.at;
  const ticks = Math.floor((to - from) / stepMs) + 1;

  const units = [...opts.units].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1));
  const inputs: UnitInput[] = units.map((u) => ({
    id: u.id,
    name: u.name,
    priority: u.priority,
    levels: u.reducedW ? [u.standbyW ?? 0, u.reducedW, u.powerW] : [u.standbyW ?? 0, u.powerW],
    measuredW: u.standbyW ?? 0,
    online: true,
    actualOn: false,
    forced: null,
    enableDelayS: u.enableDelayS,
    disableDelayS: u.disableDelayS,
    minOnS: u.minOnS,
    minOffS: u.minOffS,
    settleS: u.settleS,
    maxSwitchesPerHour: u.maxSwitchesPerHour,
  }));
  const index = new Map(units.map((u, i) => [u.id, i]));
  const n = units.length;
  const levels = new Int32Array(n);
  const energyWh = new Float64Array(n);
  const solarWh = new Float64Array(n);
  const onMs = new Float64Array(n);
  const switches = new Int32Array(n);
  const maxPerHour = new Int32Array(n);
  const recent: number[][] = units.map(() => []);
  const onStart = new Float64Array(n).fill(-1);
  const intervals: [number, number][][] = units.map(() => []);

  const bat = opts.battery;
  let soc = bat ? bat.startSoc : null;
  let pvWh = 0;
  let impWh = 0;
  let expWh = 0;
  let minedWh = 0;
  let minedSolarWh = 0;
  let minedBatteryWh = 0;
  let minedGridWh = 0;
  let totalSwitches = 0;
  let importRun = 0;
  let longestImport = 0;
  const series: ReplayResult['series'] = [];
  const every = Math.max(1, Math.ceil(ticks / MAX_SERIES));
  const decisions: ReplayResult['decisions'] = [];
  let decisionsTotal = 0;

  let state = initialState();
  let j = 0;
  const h = stepMs / 3_600_000;
  for (let k = 0; k < ticks; k++) {
    const at = from + k * stepMs;
    while (j < sorted.length - 2 && sorted[j + 1]!.at <= at) j++;
    const a = sorted[j]!;
    const b = sorted[j + 1]!;
    const f = b.at > a.at ? Math.min(1, Math.max(0, (at - a.at) / (b.at - a.at))) : 0;
    const pv = a.pvW + f * (b.pvW - a.pvW);
    const house = a.houseW + f * (b.houseW - a.houseW);

    let controlled = 0;
    let running = false;
    for (let i = 0; i < n; i++) {
      const u = inputs[i]!;
      const w = u.levels![levels[i]!]!;
      u.measuredW = w;
      u.actualOn = levels[i]! > 0;
      if (levels[i]! > 0) running = true;
      controlled += w;
    }
    const load = house + controlled;
    let charge = 0;
    let discharge = 0;
    if (bat && soc !== null) {
      const net = pv - load;
      if (net > 0 && soc < 100) charge = Math.min(net, bat.maxChargeW);
      else if (net < 0 && soc > (bat.minSoc ?? 10)) discharge = Math.min(-net, bat.maxDischargeW);
    }
    const grid = load + charge - pv - discharge;
    const batteryW = discharge - charge;
    const reading = {
      at,
      pvW: pv,
      gridW: grid,
      batteryW: bat ? batteryW : null,
      batterySoc: soc === null ? null : Math.round(soc * 10) / 10,
      loadW: load,
    };

    // Energy over [at, at + step) at the levels the reading shows.
    pvWh += pv * h;
    if (grid > 0) impWh += grid * h;
    else expWh += -grid * h;
    const devImport = Math.min(controlled, Math.max(0, grid));
    const devBattery = Math.min(controlled - devImport, discharge);
    const devSolar = controlled - devImport - devBattery;
    minedWh += controlled * h;
    minedGridWh += devImport * h;
    minedBatteryWh += devBattery * h;
    minedSolarWh += devSolar * h;
    if (controlled > 0) {
      const share = devSolar / controlled;
      for (let i = 0; i < n; i++) {
        const w = inputs[i]!.measuredW!;
        energyWh[i]! += w * h;
        solarWh[i]! += w * share * h;
        if (levels[i]! > 0) onMs[i]! += stepMs;
      }
    }
    if (running && grid > settings.disableThresholdW) {
      importRun += stepMs;
      if (importRun > longestImport) longestImport = importRun;
    } else importRun = 0;
    if (bat && soc !== null) {
      soc += ((charge * 0.95 - discharge / 0.95) * h * 100) / bat.capacityWh;
      soc = Math.max(0, Math.min(100, soc));
    }
    if (k % every === 0)
      series.push({
        at,
        pvW: Math.round(pv),
        loadW: Math.round(load),
        gridW: Math.round(grid),
        batterySoc: reading.batterySoc,
        controlledW: Math.round(controlled),
      });

    const before = opts.onStep ? Array.from(levels) : [];
    const result = tick(state, { settings, reading, sourceError: null, units: inputs }, at);
    state = result.state;
    for (const c of result.changes) {
      const i = index.get(c.unitId)!;
      const wasOn = levels[i]! > 0;
      levels[i] = c.level;
      switches[i]!++;
      totalSwitches++;
      const r = recent[i]!;
      r.push(at);
      while (r.length && r[0]! <= at - 3_600_000) r.shift();
      if (r.length > maxPerHour[i]!) maxPerHour[i] = r.length;
      if (!wasOn && c.level > 0) onStart[i] = at;
      else if (wasOn && c.level === 0) {
        intervals[i]!.push([onStart[i]!, at]);
        onStart[i] = -1;
      }
    }
    decisionsTotal += result.decisions.length;
    for (const d of result.decisions) {
      if (decisions.length >= maxDecisions) break;
      decisions.push({ at: d.at, ruleId: d.unitId, kind: d.kind, reason: d.reason });
    }
    opts.onStep?.({
      at,
      pvW: pv,
      houseW: house,
      gridW: grid,
      batteryW,
      soc,
      levels: before,
      controlledW: controlled,
      decisions: result.decisions,
      state,
    });
  }
  const end = from + ticks * stepMs;
  for (let i = 0; i < n; i++) if (onStart[i]! >= 0) intervals[i]!.push([onStart[i]!, end]);

  const kwh = (wh: number) => Math.round(wh) / 1000;
  return {
    from,
    to: end,
    stepS: stepMs / 1000,
    ticks,
    totals: {
      pvKWh: kwh(pvWh),
      importedKWh: kwh(impWh),
      exportedKWh: kwh(expWh),
      minedKWh: kwh(minedWh),
      minedOnSolarKWh: kwh(minedSolarWh),
      minedOnBatteryKWh: kwh(minedBatteryWh),
      minedOnGridKWh: kwh(minedGridWh),
      switches: totalSwitches,
      longestImportS: longestImport / 1000,
    },
    devices: units.map((u, i) => ({
      ruleId: u.id,
      name: u.name,
      switches: switches[i]!,
      maxSwitchesInAnHour: maxPerHour[i]!,
      onHours: Math.round((onMs[i]! / 3_600_000) * 1000) / 1000,
      energyKWh: kwh(energyWh[i]!),
      solarKWh: kwh(solarWh[i]!),
      onIntervals: intervals[i]!,
    })),
    series,
    decisions,
    decisionsTotal,
  };
}

/**
 * Reads `time,pvW,houseW[,gridW,soc]` (header required, any column order). Time is HH:MM[:SS]
 * (on `day`, UTC), an ISO date-time or epoch ms. Without houseW, house = gridW + pvW.
 */
export function parseReplayCsv(csv: string, day = Date.UTC(2025, 5, 21)): ReplaySample[] {
  const lines = csv
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines.length < 3) throw new Error('the CSV needs a header and at least two rows');
  const head = lines[0]!.split(',').map((c) => c.trim().toLowerCase());
  const col = (name: string) => head.indexOf(name.toLowerCase());
  const [ti, pi, hi, gi] = [col('time'), col('pvW'), col('houseW'), col('gridW')];
  if (ti < 0 || pi < 0 || (hi < 0 && gi < 0))
    throw new Error('the CSV header must name time, pvW and houseW (or gridW)');
  const out: ReplaySample[] = [];
  for (let k = 1; k < lines.length; k++) {
    const cells = lines[k]!.split(',').map((c) => c.trim());
    const t = cells[ti] ?? '';
    let at: number;
    const hm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
    if (hm) at = day + (Number(hm[1]) * 3600 + Number(hm[2]) * 60 + Number(hm[3] ?? 0)) * 1000;
    else if (/^\d{10,}$/.test(t)) at = Number(t);
    else at = Date.parse(t);
    const pv = Number(cells[pi]);
    const house = hi >= 0 && cells[hi] !== '' ? Number(cells[hi]) : Number(cells[gi]) + pv;
    if (!Number.isFinite(at) || !Number.isFinite(pv) || !Number.isFinite(house))
      throw new Error(`CSV line ${k + 1}: cannot read "${lines[k]}"`);
    out.push({ at, pvW: Math.max(0, pv), houseW: Math.max(0, house) });
  }
  return out;
}
