import { useQuery } from '@tanstack/react-query';
import {
  type EnergyHistory,
  type EnergySource,
  get,
  type Schedule,
  type SolarDecision,
  type SolarRule,
  type SolarSettings,
  type SolarStatus,
} from './api';

/**
 * Energy sources, schedules and the solar controller. The event stream names devices only, so
 * what changes on its own (readings, the controller's state, its decisions) is polled while shown.
 */
export const LIVE_MS = 5_000;

export function useEnergySources() {
  return useQuery({
    queryKey: ['energy-sources'],
    queryFn: async () => (await get<{ items: EnergySource[] }>('/api/v1/energy-sources')).items,
    refetchInterval: LIVE_MS,
  });
}

export function useSchedules() {
  return useQuery({
    queryKey: ['schedules'],
    queryFn: async () => (await get<{ items: Schedule[] }>('/api/v1/schedules')).items,
    refetchInterval: 30_000,
  });
}

export function useSolarSettings() {
  return useQuery({
    queryKey: ['solar', 'settings'],
    queryFn: () => get<SolarSettings>('/api/v1/solar/settings'),
  });
}

export function useSolarRules() {
  return useQuery({
    queryKey: ['solar', 'rules'],
    queryFn: async () => (await get<{ items: SolarRule[] }>('/api/v1/solar/rules')).items,
    refetchInterval: LIVE_MS,
  });
}

export function useSolarStatus() {
  return useQuery({
    queryKey: ['solar', 'status'],
    queryFn: () => get<SolarStatus>('/api/v1/solar/status'),
    refetchInterval: LIVE_MS,
  });
}

export function useDecisions(from: number, to: number, live: boolean) {
  return useQuery({
    queryKey: ['solar', 'decisions', from, to],
    queryFn: async () =>
      (await get<{ items: SolarDecision[] }>(`/api/v1/solar/decisions?from=${from}&to=${to}&limit=1000`))
        .items,
    refetchInterval: live ? LIVE_MS : false,
  });
}

export function useEnergyHistory(sourceId: string | null, from: number, to: number, live: boolean) {
  const span = to - from;
  // About 1,440 points a day: minute averages (finer for short ranges).
  const stepMs = Math.max(10_000, Math.round(span / 1440 / 10_000) * 10_000);
  return useQuery({
    queryKey: ['energy-history', sourceId, from, to, stepMs],
    enabled: !!sourceId,
    queryFn: () =>
      get<EnergyHistory>(
        `/api/v1/energy-sources/${encodeURIComponent(sourceId!)}/history?from=${from}&to=${Math.min(to, Date.now())}&stepMs=${stepMs}`,
      ),
    refetchInterval: live ? 30_000 : false,
  });
}

/** Local midnight of the day holding `ms`, and of the next day. */
export function dayBounds(ms: number): [number, number] {
  const d = new Date(ms);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  return [start, end];
}

/** "2025-06-01" (an <input type=date> value) for the local day of `ms`. */
export function dateInputValue(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function parseDateInput(v: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
}

export function kwh(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} kWh`;
}

/** Grid power in words: import or export. */
export function gridText(w: number | null | undefined): string {
  if (w === null || w === undefined || !Number.isFinite(w)) return '–';
  const abs = Math.abs(w);
  const v = abs >= 10_000 ? `${(abs / 1000).toFixed(1)} kW` : `${Math.round(abs)} W`;
  return w > 0 ? `importing ${v}` : w < 0 ? `exporting ${v}` : '0 W';
}

/** Battery power in words: charging or discharging. */
export function batteryText(w: number | null | undefined): string {
  if (w === null || w === undefined || !Number.isFinite(w)) return '–';
  const abs = Math.abs(w);
  const v = abs >= 10_000 ? `${(abs / 1000).toFixed(1)} kW` : `${Math.round(abs)} W`;
  return w > 0 ? `discharging ${v}` : w < 0 ? `charging ${v}` : 'idle';
}

export interface DayTotals {
  pvKWh: number;
  loadKWh: number;
  importKWh: number;
  exportKWh: number;
  /** How many hours the readings cover. */
  hours: number;
}

/**
 * Energy from power readings: each reading's power held until the next one (gaps longer than
 * `maxGapMs` count as unknown, not as the last value).
 */
export function integrate(
  points: { at: number; pvW: number | null; loadW: number | null; gridW: number | null }[],
  maxGapMs = 15 * 60_000,
): DayTotals {
  const t: DayTotals = { pvKWh: 0, loadKWh: 0, importKWh: 0, exportKWh: 0, hours: 0 };
  for (let i = 0; i + 1 < points.length; i++) {
    const p = points[i]!;
    const dt = points[i + 1]!.at - p.at;
    if (dt <= 0 || dt > maxGapMs) continue;
    const h = dt / 3_600_000;
    t.hours += h;
    if (p.pvW !== null) t.pvKWh += (p.pvW * h) / 1000;
    if (p.loadW !== null) t.loadKWh += (p.loadW * h) / 1000;
    if (p.gridW !== null) {
      if (p.gridW > 0) t.importKWh += (p.gridW * h) / 1000;
      else t.exportKWh += (-p.gridW * h) / 1000;
    }
  }
  return t;
}

export interface DeviceBand {
  key: string;
  name: string;
  /** [start, end) epoch ms when it ran. */
  intervals: [number, number][];
}

/**
 * When each rule's devices ran between `from` and `to`, from the decision log (oldest first)
 * and, for a rule with no decision in range, from what the controller holds now.
 */
export function bandsFromDecisions(
  rules: SolarRule[],
  decisions: SolarDecision[],
  from: number,
  to: number,
): DeviceBand[] {
  const now = Math.min(to, Date.now());
  const asc = [...decisions].sort((a, b) => a.at - b.at || a.id - b.id);
  return rules.map((r) => {
    const mine = asc.filter((d) => d.ruleId === r.id && d.toLevel !== null);
    const intervals: [number, number][] = [];
    let onSince: number | null = null;
    if (mine.length === 0) {
      const st = r.state;
      if (st && st.level > 0) intervals.push([Math.max(from, st.since ?? from), now]);
      return { key: r.id, name: r.name, intervals };
    }
    const first = mine[0]!;
    if ((first.fromLevel ?? 0) > 0) onSince = from;
    for (const d of mine) {
      const on = (d.toLevel ?? 0) > 0;
      if (on && onSince === null) onSince = d.at;
      else if (!on && onSince !== null) {
        intervals.push([onSince, d.at]);
        onSince = null;
      }
    }
    if (onSince !== null) intervals.push([onSince, now]);
    return { key: r.id, name: r.name, intervals };
  });
}

export const actionWords: Record<'on' | 'sleep' | 'off', string> = {
  on: 'mine',
  sleep: 'sleep',
  off: 'stop (power off)',
};

export const dayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function levelWords(level: number, maxLevel: number): string {
  if (level <= 0) return 'off';
  if (level >= maxLevel) return 'full power';
  return 'reduced';
}
