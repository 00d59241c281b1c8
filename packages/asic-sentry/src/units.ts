/** Unit handling: firmwares report hashrate in H/s, MH/s, GH/s or TH/s, as numbers or strings. */

const scale: Record<string, number> = {
  h: 1,
  k: 1e3,
  kh: 1e3,
  m: 1e6,
  mh: 1e6,
  g: 1e9,
  gh: 1e9,
  t: 1e12,
  th: 1e12,
  p: 1e15,
  ph: 1e15,
};

/**
 * A number from a firmware value that may be a number, a numeric string, a string with a unit or
 * `°C` suffix, `nan`/`inf`, or missing. Returns undefined for anything not a finite number.
 */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : undefined;
}

/** Like num, but negative readings (a sensor fault) are dropped. */
export function nonNeg(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && n >= 0 ? n : undefined;
}

/** Integer counter (shares, chips); negatives and fractions are dropped or truncated. */
export function count(v: unknown): number | undefined {
  const n = nonNeg(v);
  return n === undefined ? undefined : Math.trunc(n);
}

/** Converts a value in `unit` (`MH/s`, `GH`, `th`, …) to H/s. */
export function toHs(v: unknown, unit: string): number | undefined {
  const n = nonNeg(v);
  if (n === undefined) return undefined;
  const key = unit
    .trim()
    .toLowerCase()
    .replace(/\/s$|s$/, '')
    .replace(/h$/, 'h');
  const f = scale[key] ?? scale[key.replace(/h$/, '')];
  if (f === undefined) throw new Error(`unknown hashrate unit "${unit}"`);
  return n * f;
}

/** A string with its own unit suffix, such as IceRiver's `"15011G"` or `"2.5 TH/s"`, in H/s. */
export function suffixedToHs(v: unknown, defaultUnit = 'H'): number | undefined {
  if (typeof v === 'number') return toHs(v, defaultUnit);
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:h(?:\/s)?)?\s*$/i.exec(v);
  if (!m) return undefined;
  return toHs(m[1], m[2] ? m[2] : defaultUnit);
}

/** `"dd:hh:mm:ss"` or `"1d 2h 3m 4s"` uptime strings in seconds. */
export function durationS(v: unknown): number | undefined {
  if (typeof v === 'number') return nonNeg(v);
  if (typeof v !== 'string') return undefined;
  const colon = /^(\d+):(\d+):(\d+):(\d+)$/.exec(v.trim());
  if (colon) return ((+colon[1]! * 24 + +colon[2]!) * 60 + +colon[3]!) * 60 + +colon[4]!;
  let total = 0;
  let any = false;
  for (const m of v.matchAll(/(\d+)\s*([dhms])/gi)) {
    any = true;
    total += +m[1]! * { d: 86400, h: 3600, m: 60, s: 1 }[m[2]!.toLowerCase() as 'd' | 'h' | 'm' | 's'];
  }
  return any ? total : num(v);
}
