/**
 * A minimal JSON path: `$.a.b[0]['c d'].e`, `a.b.0.c` or `value`. Paths are parsed into keys and
 * looked up; nothing is ever evaluated (JSONPath engines that eval are RCE risks), and filters,
 * wildcards and recursion are refused.
 */
export function parseJsonPath(path: string): (string | number)[] {
  let p = path.trim();
  if (p.startsWith('$')) p = p.slice(1);
  const keys: (string | number)[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      const close = p.indexOf(']', i);
      if (close < 0) throw new Error(`bad JSON path "${path}": missing ]`);
      const inner = p.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) keys.push(Number(inner));
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) keys.push(inner.slice(1, -1));
      else throw new Error(`bad JSON path "${path}": only [index] and ['key'] are allowed`);
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < p.length && p[j] !== '.' && p[j] !== '[') j++;
    const key = p.slice(i, j);
    if (key === '*' || key === '') throw new Error(`bad JSON path "${path}": wildcards are not supported`);
    keys.push(/^\d+$/.test(key) ? Number(key) : key);
    i = j;
  }
  return keys;
}

/** The value at `path` in `doc`, or undefined. Own properties only (no prototype walking). */
export function getJsonPath(doc: unknown, path: string | (string | number)[]): unknown {
  const keys = typeof path === 'string' ? parseJsonPath(path) : path;
  let cur: unknown = doc;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (typeof k !== 'number') return undefined;
      cur = cur[k];
    } else {
      const key = String(k);
      if (!Object.hasOwn(cur, key)) return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cur;
}

/**
 * A number from a JSON value: numbers, numeric strings ("1234.5", as Home Assistant sends) and
 * {value: n} wrappers (Victron). "unknown", "unavailable", null, "" and NaN are absent (null).
 */
export function toNumber(v: unknown): number | null {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, 'value'))
    return toNumber((v as { value: unknown }).value);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** Applies a field mapping's scale and invert to a raw value. */
export function mapValue(raw: unknown, m: { scale?: number; invert?: boolean }): number | null {
  const n = toNumber(raw);
  if (n === null) return null;
  const v = n * (m.scale ?? 1) * (m.invert ? -1 : 1);
  return Object.is(v, -0) ? 0 : v;
}
