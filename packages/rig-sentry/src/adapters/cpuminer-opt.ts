import { AdapterError, type StatsAdapter } from './types.js';
import { num, str } from './util.js';

/** The first `KEY=value;…|` record of a cpuminer-style text answer, as a map. */
export function parseKeyValues(raw: string | undefined, what: string): Map<string, string> {
  if (raw === undefined) throw new AdapterError(`${what}: no answer`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the API sends strlen+1 bytes, ending in NUL
  const text = raw.replace(/[\u0000\s]+$/, '');
  const record = text.split('|')[0] ?? '';
  const fields = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1));
  }
  if (!fields.has('ALGO') && !fields.has('KHS') && !fields.has('HS'))
    throw new AdapterError(`${what}: not a KEY=value;… summary`);
  return fields;
}

/**
 * cpuminer-opt (JayDDee): raw TCP text command `summary`. Recent builds give `HS` (H/s) and
 * `URL`; older ones only `KHS`. CPU threads have no bus id, so no devices are reported.
 */
export const cpuminerOpt: StatsAdapter = {
  name: 'cpuminer-opt',
  transport: { kind: 'tcp-text', request: 'summary' },
  parse(raw) {
    const f = parseKeyValues(raw[0], 'cpuminer-opt summary');
    const khs = num(f.get('KHS'));
    const url = str(f.get('URL'));
    return {
      program: 'cpuminer-opt',
      version: str(f.get('VER')),
      algorithm: str(f.get('ALGO')),
      pool: url ? { url, user: null } : null,
      hashrate: num(f.get('HS')) ?? (khs === null ? null : khs * 1000),
      accepted: num(f.get('ACC')),
      rejected: num(f.get('REJ')),
      stale: null,
      uptime: num(f.get('UPTIME')),
      devices: [],
    };
  },
};
