import { AdapterError, type MinerDeviceStats } from './types.js';

/**
 * PCI bus ids come as "00000000:01:00.0" (nvidia-smi), "0000:01:00.0" (sysfs), "01:00.0",
 * "1:0" or a bare bus number (1). All become "01:00.0": bus:device.function, lower case, no domain.
 */
export function normalizeBusId(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 256)
    return `${v.toString(16).padStart(2, '0')}:00.0`;
  if (typeof v !== 'string') return null;
  const s = v.trim().toLowerCase();
  const full = /^(?:[0-9a-f]{1,8}:)?([0-9a-f]{1,2}):([0-9a-f]{1,2})(?:\.([0-7]))?$/.exec(s);
  if (full) return `${full[1]!.padStart(2, '0')}:${full[2]!.padStart(2, '0')}.${full[3] ?? '0'}`;
  if (/^\d+$/.test(s)) return normalizeBusId(Number(s));
  return null;
}

/** Parses a miner's JSON answer, tolerating the trailing NUL some programs send. */
export function parseJson(raw: string | undefined, what: string): unknown {
  if (raw === undefined) throw new AdapterError(`${what}: no answer`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: some miners end their answer with a NUL byte
  const text = raw.replace(/\u0000+$/, '').trim();
  try {
    return JSON.parse(text);
  } catch {
    throw new AdapterError(`${what}: answer is not JSON`);
  }
}

/** A finite number, or null. Accepts numeric strings (some miners quote numbers). */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Multiplier to H/s for a unit such as "kH/s", "MH/s", "Sol/s", "G". */
export function unitFactor(unit: unknown): number {
  const u = String(unit ?? '')
    .trim()
    .toLowerCase()
    .replace(/(h|sol|sols|g)\/s$/i, '')
    .replace(/h$/, '');
  const map: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
  return map[u] ?? 1;
}

export function sumOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

export function emptyDevice(index: number): MinerDeviceStats {
  return {
    index,
    busId: null,
    name: null,
    hashrate: null,
    accepted: null,
    rejected: null,
    stale: null,
    temperature: null,
    fanPercent: null,
    power: null,
  };
}

export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new AdapterError(`${what}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** A bus (and device) given as decimal numbers, e.g. lolMiner's "10:0", as a normalised bus id. */
export function busFromDecimal(v: unknown): string | null {
  const m = typeof v === 'string' ? /^(\d{1,3}):(\d{1,2})$/.exec(v.trim()) : null;
  if (m) {
    const bus = Number(m[1]);
    const dev = Number(m[2]);
    if (bus > 255 || dev > 31) return null;
    return `${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.0`;
  }
  return typeof v === 'number' ? normalizeBusId(v) : null;
}

/** The plain objects of a JSON array (anything else in it is skipped); [] when v is not an array. */
export function objects(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v)
    ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x))
    : [];
}

/** A JSON object, or an empty one: for optional sub-objects whose absence is not an error. */
export function objectOr(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** num() of element i of an array (miners that report one value per algorithm). */
export function numAt(v: unknown, i: number): number | null {
  return Array.isArray(v) ? num(v[i]) : null;
}

/** A power reading in W: several miners print 0 when they cannot read the sensor, which is no reading. */
export function watts(v: unknown): number | null {
  const w = num(v);
  return w !== null && w > 0 ? w : null;
}
