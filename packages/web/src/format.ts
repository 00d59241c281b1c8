import type { Device } from './api';

const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];

/** 1.23e14 → "123 TH/s". */
export function hashrate(h: number | null | undefined): string {
  if (h === null || h === undefined || !Number.isFinite(h)) return '–';
  let v = h;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

export function watts(w: number | null | undefined): string {
  if (w === null || w === undefined || !Number.isFinite(w)) return '–';
  return w >= 10_000 ? `${(w / 1000).toFixed(1)} kW` : `${Math.round(w)} W`;
}

/** Energy per hash: J/TH for ASIC-class hashrates, W per MH/s otherwise. */
export function efficiency(powerW: number | null | undefined, h: number | null | undefined): string {
  if (!powerW || !h) return '–';
  if (h >= 1e11) return `${(powerW / (h / 1e12)).toFixed(1)} J/TH`;
  return `${(powerW / (h / 1e6)).toFixed(2)} W per MH/s`;
}

export function temp(c: number | null | undefined): string {
  return c === null || c === undefined || !Number.isFinite(c) ? '–' : `${Math.round(c)} °C`;
}

export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function dateTime(ms: number | null | undefined): string {
  return ms ? new Date(ms).toLocaleString() : '–';
}

export function duration(seconds: number | null | undefined): string {
  if (!seconds) return '–';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
}

export type StatusBucket = 'online' | 'warning' | 'offline' | 'sleeping' | 'pending';

/** The four buckets of the overview: the device's own state, or "unreachable" when its sentry is silent. */
export function bucket(status: Device['status']): StatusBucket {
  switch (status) {
    case 'mining':
      return 'online';
    case 'sleeping':
      return 'sleeping';
    case 'offline':
    case 'unreachable':
      return 'offline';
    case 'pending':
      return 'pending';
    default:
      return 'warning';
  }
}

export function maxTemp(d: Pick<Device, 'temperatures'>): number | null {
  let m: number | null = null;
  for (const t of d.temperatures) if (m === null || t.value > m) m = t.value;
  return m;
}
