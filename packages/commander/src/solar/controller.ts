/**
 * The solar controller: a pure, deterministic function of (state, inputs, now). No I/O, no clock:
 * the live loop (loop.ts) and the replay (replay.ts) run the very same code.
 *
 * Model. Every enrolled device or group is a *unit* with a ladder of power levels
 * (`levels[0]` = its off/asleep draw, the last = full power, optionally a reduced level between).
 *
 * Surplus. Each tick the controller computes what it could still allocate:
 *
 *   S = −gridW − residualW + batteryAdj + Σ over units still settling (measuredW − nominal(level))
 *
 * Settled units cancel out (their draw is already in the grid reading), so a running device never
 * sees its own consumption as a deficit (evcc's rule); a unit that was just started has its full
 * power reserved until it settles (a waking ASIC draws little at first), and a unit just stopped
 * is credited at once. `batteryAdj`: charging power counts as surplus once the battery is at or
 * above `prioritySoc`, discharge counts as deficit unless the battery is above `bufferSoc`.
 *
 * Decisions, in this order each tick:
 *  1. Schedules: a unit inside a schedule window is set as the window says at once and is not
 *     under solar control (schedules win over the controller).
 *  2. Following: a unit that is offline, refused its last command (after `settleS` the device
 *     reports the other state) or whose power is unknown is skipped and reported; what it really
 *     draws stays in the grid reading.
 *  3. Source: a missing, failing or stale reading is held for `fallbackHoldS`, then the fallback
 *     applies (keep, or stop every solar unit).
 *  4. Battery floor: at or below `socFloor` every solar unit stops at once and none starts until
 *     the SoC is 5 points above the floor.
 *  5. Shed: when S < −disableThresholdW has held for a unit's disable delay, units step down one
 *     level from the lowest priority (the most recently started first), skipping those inside
 *     their min on time unless `strictImport`, until S ≥ 0.
 *  6. Add: one step up at a time (none while a started unit is still settling): each candidate
 *     (not inside its min off time, under its switch cap) whose next step is covered
 *     (S ≥ its power + enableMarginW) starts its enable timer; the highest-priority candidate whose
 *     timer reached its enable delay steps up.
 *
 * Every change comes with one sentence that explains it with its numbers.
 */
import type { SolarSettings } from '@mrm/protocol';

export type DecisionKind =
  | 'start'
  | 'stop'
  | 'step-up'
  | 'step-down'
  | 'hold'
  | 'skip'
  | 'fallback'
  | 'schedule'
  | 'adopt';

export interface Decision {
  at: number;
  /** The unit (rule) id; null for site-wide decisions. */
  unitId: string | null;
  name: string;
  kind: DecisionKind;
  fromLevel: number | null;
  toLevel: number | null;
  reason: string;
  numbers: Record<string, number | null>;
}

export interface UnitTimers {
  enableDelayS?: number | null;
  disableDelayS?: number | null;
  minOnS?: number | null;
  minOffS?: number | null;
  settleS?: number | null;
  maxSwitchesPerHour?: number | null;
}

export interface UnitInput extends UnitTimers {
  id: string;
  name: string;
  /** Higher starts first and stops last. */
  priority: number;
  /** W per level: [off/asleep, (reduced,) full]; null when the power is unknown. */
  levels: readonly number[] | null;
  /** What it draws now, where reported. */
  measuredW: number | null;
  /** False when the device (or every device of a group) is offline or its sentry silent. */
  online: boolean;
  /** What the device reports: running (true), stopped (false), unknown (null). */
  actualOn: boolean | null;
  /** Set while a schedule window holds the unit: on (full) or off (level 0), with the schedule's name. */
  forced: { on: boolean; by: string } | null;
  /** The rule is disabled: the unit is left alone. */
  disabled?: boolean;
}

export interface ControllerInputs {
  settings: SolarSettings;
  reading: {
    at: number;
    pvW: number | null;
    gridW: number | null;
    batteryW: number | null;
    batterySoc: number | null;
    loadW: number | null;
  } | null;
  /** The source's last error, when its last read failed. */
  sourceError: string | null;
  /** Units, any order (sorted by priority inside; pass them sorted, highest first, to save the sort). */
  units: readonly UnitInput[];
}

export type UnitMode = 'auto' | 'schedule' | 'skipped' | 'disabled';

export interface UnitState {
  readonly level: number;
  /** When the level last changed (null: adopted, never commanded). */
  readonly since: number | null;
  /** Times of level changes within the last hour. */
  readonly switches: readonly number[];
  /** Since when the surplus has covered its next step (the enable timer). */
  readonly coveredSince: number | null;
  readonly mode: UnitMode;
  readonly reason: string | null;
  /** Whether the last change was a step up (its power stays reserved until settled). */
  readonly rising: boolean;
  /** The last 'hold' sentence, so that it is logged once and not every tick. */
  readonly note: string | null;
}

export interface SiteState {
  readonly deficitSince: number | null;
  readonly sourceBadSince: number | null;
  readonly fallbackActive: boolean;
  readonly floorActive: boolean;
  readonly lastTickAt: number | null;
  readonly surplusW: number | null;
  readonly controlledW: number | null;
}

/**
 * The controller's memory. Immutable: a tick returns a new one and leaves the old one as it was.
 * Unit states sit in an array aligned with the (priority-sorted) unit ids, so a tick over a
 * stable fleet copies one array instead of rebuilding a map; `units` gives the map view.
 */
export class ControllerState {
  private map: Map<string, UnitState> | undefined;
  constructor(
    readonly ids: readonly string[],
    readonly list: readonly UnitState[],
    readonly site: SiteState,
  ) {}
  get units(): ReadonlyMap<string, UnitState> {
    this.map ??= new Map(this.ids.map((id, k) => [id, this.list[k]!]));
    return this.map;
  }
}

export interface TickResult {
  state: ControllerState;
  decisions: Decision[];
  /** Units whose level changed this tick (the loop applies these). */
  changes: { unitId: string; level: number }[];
}

export const defaultSolarSettings: SolarSettings = {
  enabled: true,
  sourceId: null,
  tickMs: 10_000,
  enableMarginW: 100,
  disableThresholdW: 0,
  residualW: 100,
  enableDelayS: 120,
  disableDelayS: 180,
  minOnS: 600,
  minOffS: 300,
  settleS: 120,
  maxSwitchesPerHour: 6,
  strictImport: true,
  socFloor: 20,
  prioritySoc: 90,
  bufferSoc: null,
  staleAfterS: 60,
  fallbackHoldS: 120,
  fallback: 'stop',
  historyRetentionDays: 30,
};

/** SoC points above the floor before units may start again after the floor stopped them. */
export const SOC_FLOOR_HYSTERESIS = 5;

const initialSite: SiteState = {
  deficitSince: null,
  sourceBadSince: null,
  fallbackActive: false,
  floorActive: false,
  lastTickAt: null,
  surplusW: null,
  controlledW: null,
};

export function initialState(): ControllerState {
  return new ControllerState([], [], initialSite);
}

// ---------------------------------------------------------------- sentences

/** 3400 → "3.4 kW", 250 → "250 W", −1234 → "−1.23 kW". */
export function fmtW(w: number): string {
  const a = Math.abs(w);
  const sign = w < 0 ? '−' : '';
  if (a >= 1000) return `${sign}${Number((a / 1000).toFixed(2))} kW`;
  return `${sign}${Math.round(a)} W`;
}

/** 120 000 → "2 min", 90 000 → "90 s", 3 900 000 → "1 h 5 min". */
export function fmtDur(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120 && s % 60 !== 0) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

function levelWord(level: number, max: number): string {
  return level === 0 ? 'off' : level === max ? 'full power' : `level ${level} of ${max}`;
}

// ---------------------------------------------------------------- the tick

const HOUR = 3_600_000;

function byPriority(a: UnitInput, b: UnitInput) {
  return b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function sortedUnits(units: readonly UnitInput[]): readonly UnitInput[] {
  for (let i = 1; i < units.length; i++) {
    if (byPriority(units[i - 1]!, units[i]!) > 0) return [...units].sort(byPriority);
  }
  return units;
}

export function tick(prev: ControllerState, inputs: ControllerInputs, now: number): TickResult {
  const s = inputs.settings;
  const decisions: Decision[] = [];
  const changes: { unitId: string; level: number }[] = [];
  let site: SiteState = prev.site;
  const list = sortedUnits(inputs.units);
  const n = list.length;
  let sameOrder = prev.ids.length === n;
  for (let k = 0; sameOrder && k < n; k++) if (prev.ids[k] !== list[k]!.id) sameOrder = false;
  /** Each unit's state, aligned with `list`; units that are gone are forgotten. */
  const sts: (UnitState | undefined)[] = sameOrder
    ? prev.list.slice()
    : list.map((u) => prev.units.get(u.id));
  const put = (k: number, st: UnitState) => {
    sts[k] = st;
    return st;
  };

  const decide = (
    u: UnitInput | null,
    kind: DecisionKind,
    from: number | null,
    to: number | null,
    reason: string,
    numbers: Record<string, number | null> = {},
  ) => {
    decisions.push({
      at: now,
      unitId: u ? u.id : null,
      name: u ? u.name : 'site',
      kind,
      fromLevel: from,
      toLevel: to,
      reason,
      numbers,
    });
  };
  const setLevel = (k: number, level: number, extra: Partial<UnitState> = {}) => {
    const u = list[k]!;
    const st = sts[k]!;
    const switches = st.switches.filter((t) => t > now - HOUR);
    switches.push(now);
    const next: UnitState = {
      ...st,
      level,
      since: now,
      switches,
      coveredSince: null,
      rising: level > st.level,
      note: null,
      ...extra,
    };
    put(k, next);
    changes.push({ unitId: u.id, level });
    return next;
  };
  const settleMs = (u: UnitInput) => (u.settleS ?? s.settleS) * 1000;
  const maxLevel = (u: UnitInput) => (u.levels ? u.levels.length - 1 : 1);
  const nominal = (u: UnitInput, level: number) => u.levels?.[level] ?? 0;

  // 1–2. Schedules and following.
  for (let k = 0; k < n; k++) {
    const u = list[k]!;
    let st = sts[k];
    const max = maxLevel(u);
    if (!st) {
      // A new unit (or a restart): adopt what the device does, never command on sight.
      const level = u.actualOn ? max : 0;
      st = {
        level,
        since: null,
        switches: [],
        coveredSince: null,
        mode: 'auto',
        reason: null,
        rising: false,
        note: null,
      };
      decide(u, 'adopt', null, level, `adopted ${u.name} as ${levelWord(level, max)}: what it reports now`);
    }
    sts[k] = st;
    if (st.level > max) st = setLevel(k, max);
    if (u.disabled) {
      if (st.mode !== 'disabled') put(k, { ...st, mode: 'disabled', reason: 'rule disabled' });
      continue;
    }
    if (u.forced) {
      const target = u.forced.on ? max : 0;
      if (st.level !== target) {
        const from = st.level;
        st = setLevel(k, target, { mode: 'schedule', reason: `schedule "${u.forced.by}"` });
        decide(
          u,
          'schedule',
          from,
          target,
          `${target > 0 ? 'started' : 'stopped'} ${u.name}: schedule "${u.forced.by}" is in its window (schedules win over solar)`,
        );
      } else if (st.mode !== 'schedule') {
        put(k, { ...st, mode: 'schedule', reason: `schedule "${u.forced.by}"`, coveredSince: null });
      }
      continue;
    }
    let skip: string | null = null;
    if (!u.online) skip = 'offline';
    else if (!u.levels) skip = 'power unknown: set its power or let it report while on';
    else if (st.since !== null && now - st.since >= settleMs(u) && u.actualOn !== null) {
      if (st.level > 0 && !u.actualOn)
        skip = `refused to start (still off ${fmtDur(settleMs(u))} after the command)`;
      else if (st.level === 0 && u.actualOn)
        skip = `refused to stop (still running ${fmtDur(settleMs(u))} after the command)`;
    }
    if (skip) {
      if (st.mode !== 'skipped' || st.reason !== skip) {
        put(k, { ...st, mode: 'skipped', reason: skip, coveredSince: null });
        decide(
          u,
          'skip',
          st.level,
          null,
          `skipped ${u.name}: ${skip}; counting what it really draws (${fmtW(u.measuredW ?? 0)})`,
          { measuredW: u.measuredW },
        );
      }
      continue;
    }
    if (st.mode !== 'auto') {
      // Back under solar control: adopt what it does now (a refused unit is taken as it is).
      const level = u.actualOn === null ? st.level : u.actualOn ? (st.level > 0 ? st.level : max) : 0;
      put(k, { ...st, level, mode: 'auto', reason: null, coveredSince: null, note: null });
      decide(
        u,
        'adopt',
        st.level,
        level,
        `${u.name} is back under solar control as ${levelWord(level, max)}${st.mode === 'schedule' ? ' (schedule window ended)' : ''}`,
      );
    }
  }
  // Rules that went away are forgotten.
  const auto = (k: number) => sts[k]!.mode === 'auto';

  // 3. The source.
  const r = inputs.reading;
  let gridW = r?.gridW ?? null;
  let estimated = false;
  if (r && gridW === null && r.pvW !== null && r.loadW !== null) {
    gridW = r.loadW - r.pvW - (r.batteryW ?? 0);
    estimated = true;
  }
  const staleMs = s.staleAfterS * 1000;
  const problem =
    inputs.sourceError !== null
      ? inputs.sourceError
      : !r
        ? 'no reading yet'
        : now - r.at > staleMs
          ? `last reading ${fmtDur(now - r.at)} old`
          : gridW === null
            ? 'no grid value (and no PV and load to estimate it)'
            : null;
  if (problem !== null || !r || gridW === null) {
    const badSince = site.sourceBadSince ?? now;
    site = { ...site, sourceBadSince: badSince, lastTickAt: now, surplusW: null };
    if (now - badSince >= s.fallbackHoldS * 1000 && !site.fallbackActive) {
      site = { ...site, fallbackActive: true, deficitSince: null };
      decide(
        null,
        'fallback',
        null,
        null,
        `energy source failing for ${fmtDur(now - badSince)} (${problem}): fallback "${s.fallback}"${s.fallback === 'keep' ? ', devices left as they are' : ', stopping every solar device'}`,
      );
    }
    if (site.fallbackActive && s.fallback === 'stop') {
      for (let i = n - 1; i >= 0; i--) {
        const u = list[i]!;
        const st = sts[i]!;
        if (!auto(i) || st.level === 0) continue;
        const from = st.level;
        setLevel(i, 0);
        decide(u, 'stop', from, 0, `stopped ${u.name}: energy source failing (${problem}), fallback "stop"`);
      }
    }
    for (let i = 0; i < n; i++) {
      const st = sts[i]!;
      if (st.coveredSince !== null) put(i, { ...st, coveredSince: null });
    }
    return {
      state: new ControllerState(sameOrder ? prev.ids : list.map((u) => u.id), sts as UnitState[], site),
      decisions,
      changes,
    };
  }
  if (site.fallbackActive)
    decide(null, 'fallback', null, null, 'energy source answers again: solar control resumes');
  site = { ...site, sourceBadSince: null, fallbackActive: false };

  // Surplus (see the header).
  let unsettledDelta = 0;
  let controlledW = 0;
  let rising = false;
  for (let k = 0; k < n; k++) {
    if (!auto(k)) continue;
    const u = list[k]!;
    const st = sts[k]!;
    const nom = nominal(u, st.level);
    const measured = u.measuredW ?? nom;
    controlledW += measured;
    if (st.since !== null && now - st.since < settleMs(u)) {
      unsettledDelta += measured - nom;
      if (st.rising) rising = true;
    }
  }
  const soc = r.batterySoc;
  const bw = r.batteryW ?? 0;
  let batteryAdj = 0;
  if (bw < 0 && (soc === null || soc >= s.prioritySoc)) batteryAdj = -bw;
  else if (bw > 0 && !(s.bufferSoc !== null && soc !== null && soc > s.bufferSoc)) batteryAdj = -bw;
  let S = -gridW - s.residualW + batteryAdj + unsettledDelta;
  const importW = Math.max(0, gridW);
  const est = estimated ? ' (grid estimated from PV and load)' : '';

  // 4. Battery floor.
  let floor = site.floorActive;
  if (s.socFloor !== null && soc !== null) {
    if (soc <= s.socFloor) floor = true;
    else if (soc >= s.socFloor + SOC_FLOOR_HYSTERESIS) floor = false;
  } else floor = false;
  if (floor) {
    for (let i = n - 1; i >= 0; i--) {
      const u = list[i]!;
      const st = sts[i]!;
      if (!auto(i) || st.level === 0) continue;
      const from = st.level;
      setLevel(i, 0);
      S += (u.measuredW ?? nominal(u, from)) - nominal(u, 0);
      decide(u, 'stop', from, 0, `stopped ${u.name}: battery at ${soc}% ≤ floor ${s.socFloor}%`, {
        soc,
        socFloor: s.socFloor,
      });
    }
    if (!site.floorActive)
      decide(
        null,
        'hold',
        null,
        null,
        `battery at ${soc}% ≤ floor ${s.socFloor}%: no solar device starts until ${(s.socFloor ?? 0) + SOC_FLOOR_HYSTERESIS}%`,
      );
  }

  // 5. Shed.
  let deficitSince = site.deficitSince;
  if (S < -s.disableThresholdW) deficitSince ??= now;
  else deficitSince = null;
  let shed = false;
  if (!floor && deficitSince !== null) {
    const held = now - deficitSince;
    for (let i = n - 1; i >= 0 && S < 0; i--) {
      const u = list[i]!;
      const st = sts[i]!;
      if (!auto(i) || st.level === 0) continue;
      const delay = (u.disableDelayS ?? s.disableDelayS) * 1000;
      if (held < delay) continue;
      const minOn = (u.minOnS ?? s.minOnS) * 1000;
      const onFor = st.since === null ? Number.POSITIVE_INFINITY : now - st.since;
      const locked = onFor < minOn;
      const numbers = { importW, surplusW: S, heldS: held / 1000, thresholdW: s.disableThresholdW };
      if (locked && !s.strictImport) {
        const note = `held ${u.name}: min on time ${fmtDur(minOn)} not reached (${fmtDur(minOn - onFor)} left); import ${fmtW(importW)}`;
        if (st.note !== 'min-on') {
          put(i, { ...st, note: 'min-on' });
          decide(u, 'hold', st.level, st.level, note, numbers);
        }
        continue;
      }
      const from = st.level;
      const to = from - 1;
      const freed = (u.measuredW ?? nominal(u, from)) - nominal(u, to);
      setLevel(i, to);
      S += freed;
      shed = true;
      const what = to === 0 ? `stopped ${u.name}` : `lowered ${u.name} to ${levelWord(to, maxLevel(u))}`;
      const why = `deficit ${fmtW(-(S - freed))} (import ${fmtW(importW)}) for ${fmtDur(held)} > ${fmtW(s.disableThresholdW)} threshold${est}`;
      decide(
        u,
        to === 0 ? 'stop' : 'step-down',
        from,
        to,
        locked
          ? `${what} inside its min on time (${fmtDur(onFor)} of ${fmtDur(minOn)}): ${why}`
          : `${what}: ${why}`,
        { ...numbers, freedW: freed },
      );
    }
  }

  // 6. Add, one step at a time.
  if (!floor && !shed) {
    let chosen: UnitInput | null = null;
    let chosenIndex = -1;
    let chosenNeed = 0;
    let chosenHeld = 0;
    let chosenPreempt = false;
    let waiting: UnitInput | null = null;
    let waitingPreempts = false;
    for (let k = 0; k < n; k++) {
      if (!auto(k)) continue;
      const u = list[k]!;
      let st = sts[k]!;
      const max = maxLevel(u);
      if (st.level >= max) {
        if (st.coveredSince !== null) put(k, { ...st, coveredSince: null });
        continue;
      }
      // Why it may not step up now: 0 = it may, 1 = settling, 2 = min off, 3 = switch cap.
      let blocked = 0;
      const minOff = (u.minOffS ?? s.minOffS) * 1000;
      const cap = u.maxSwitchesPerHour ?? s.maxSwitchesPerHour;
      let recent = 0;
      if (st.level === 0 && st.since !== null && now - st.since < minOff) blocked = 2;
      else if (st.level > 0 && st.since !== null && now - st.since < settleMs(u)) blocked = 1;
      else {
        for (const t of st.switches) if (t > now - HOUR) recent++;
        // A step up needs room for itself and the step down that may follow, so sheds never pass the cap.
        if (recent + 2 > cap) blocked = 3;
      }
      const next = st.level + 1;
      const need = nominal(u, next) - (u.measuredW ?? nominal(u, st.level)) + s.enableMarginW;
      const covered = !blocked && S >= need;
      // The highest-priority unit the surplus does not cover may take the power of lower-priority
      // units past their min on time (they stop for it); lower candidates then wait for it.
      let preempt = false;
      if (!blocked && !covered && !waiting) {
        waiting = u;
        let reclaim = 0;
        for (let i = n - 1; i > k; i--) {
          const v = list[i]!;
          const vs = sts[i]!;
          if (!auto(i) || vs.level === 0) continue;
          if (vs.since !== null && now - vs.since < (v.minOnS ?? s.minOnS) * 1000) continue;
          reclaim += (v.measuredW ?? nominal(v, vs.level)) - nominal(v, 0);
        }
        preempt = reclaim > 0 && S + reclaim >= need;
        waitingPreempts = preempt;
      }
      if (covered || preempt) {
        if (st.coveredSince === null) {
          st = put(k, { ...st, coveredSince: now });
        }
        const delay = (u.enableDelayS ?? s.enableDelayS) * 1000;
        const mayStart = preempt || !waitingPreempts;
        if (!chosen && !rising && mayStart && now - st.coveredSince! >= delay) {
          chosen = u;
          chosenIndex = k;
          chosenNeed = need;
          chosenHeld = now - st.coveredSince!;
          chosenPreempt = preempt;
        }
      } else {
        if (st.coveredSince !== null) {
          st = put(k, { ...st, coveredSince: null });
        }
        // Say once why a unit the surplus would cover does not start.
        if (blocked >= 2 && S >= need) {
          const key = blocked === 2 ? 'min-off' : 'switch-cap';
          if (st.note !== key) {
            put(k, { ...st, note: key });
            const why =
              blocked === 2
                ? `min off time ${fmtDur(minOff)} not reached (${fmtDur(minOff - (now - st.since!))} left)`
                : `${recent} switches in the last hour (limit ${cap}, a start keeps room for its stop)`;
            decide(u, 'hold', st.level, st.level, `not starting ${u.name}: ${why}; surplus ${fmtW(S)}`, {
              surplusW: S,
            });
          }
        }
      }
    }
    if (chosen) {
      const u = chosen;
      if (chosenPreempt) {
        for (let i = n - 1; i > chosenIndex && S < chosenNeed; i--) {
          const v = list[i]!;
          const vs = sts[i]!;
          if (!auto(i) || vs.level === 0) continue;
          if (vs.since !== null && now - vs.since < (v.minOnS ?? s.minOnS) * 1000) continue;
          const from = vs.level;
          const freed = (v.measuredW ?? nominal(v, from)) - nominal(v, 0);
          setLevel(i, 0);
          decide(
            v,
            'stop',
            from,
            0,
            `stopped ${v.name} (priority ${v.priority}) to make room for ${u.name} (priority ${u.priority}): surplus ${fmtW(S)} + ${fmtW(freed)} freed, ${fmtW(chosenNeed)} needed`,
            { surplusW: S, freedW: freed, needW: chosenNeed },
          );
          S += freed;
        }
      }
      const from = sts[chosenIndex]!.level;
      const to = from + 1;
      setLevel(chosenIndex, to);
      const max = maxLevel(u);
      const what =
        from === 0 && to === max
          ? `started ${u.name}`
          : from === 0
            ? `started ${u.name} at ${levelWord(to, max)}`
            : `raised ${u.name} to ${levelWord(to, max)}`;
      decide(
        u,
        from === 0 ? 'start' : 'step-up',
        from,
        to,
        `${what}: surplus ${fmtW(S)} for ${fmtDur(chosenHeld)} ≥ ${fmtW(chosenNeed)} needed (${fmtW(chosenNeed - s.enableMarginW)} + ${fmtW(s.enableMarginW)} margin)${est}`,
        { surplusW: S, needW: chosenNeed, heldS: chosenHeld / 1000, priority: u.priority },
      );
      S -= chosenNeed - s.enableMarginW;
      // Other candidates' timers restart: the surplus they saw is now taken.
      for (let i = 0; i < n; i++) {
        const vs = sts[i]!;
        if (i !== chosenIndex && vs.coveredSince !== null) put(i, { ...vs, coveredSince: null });
      }
    }
  }

  site = {
    ...site,
    deficitSince,
    floorActive: floor,
    lastTickAt: now,
    surplusW: S,
    controlledW,
  };
  return {
    state: new ControllerState(sameOrder ? prev.ids : list.map((u) => u.id), sts as UnitState[], site),
    decisions,
    changes,
  };
}

// ---------------------------------------------------------------- persistence

/** The state as JSON (the loop stores it so that a restart keeps its timers). */
export function serializeState(state: ControllerState): string {
  return JSON.stringify({ units: state.ids.map((id, k) => [id, state.list[k]]), site: state.site });
}

export function deserializeState(json: string | null | undefined): ControllerState {
  if (!json) return initialState();
  try {
    const o = JSON.parse(json) as { units: [string, UnitState][]; site: SiteState };
    return new ControllerState(
      o.units.map(([id]) => id),
      o.units.map(([, st]) => st),
      { ...initialSite, ...o.site },
    );
  } catch {
    return initialState();
  }
}
