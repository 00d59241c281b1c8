import { AdapterError, type StatsAdapter } from './types.js';
import { num } from './util.js';

/** cpuminer-opt raw TCP API: `summary` answers `KEY=value;KEY=value;…|` (no JSON). */
export const cpuminerOpt: StatsAdapter = {
  name: 'cpuminer-opt',
  transport: { kind: 'tcp-text', request: 'summary' },
  parse(raw) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the answer may end with a NUL byte
    const text = (raw[0] ?? '').replace(/\u0000+$/, '').trim();
    if (!/^NAME=/.test(text) || !text.includes('|'))
      throw new AdapterError('cpuminer-opt summary: not a KEY=value;…| answer');
    const f: Record<string, string> = {};
    for (const part of text.slice(0, text.indexOf('|')).split(';')) {
      const i = part.indexOf('=');
      if (i > 0) f[part.slice(0, i)] = part.slice(i + 1);
    }
    const hs = num(f.HS) ?? (num(f.KHS) === null ? null : num(f.KHS)! * 1000);
    return {
      program: 'cpuminer-opt',
      version: f.VER ?? null,
      algorithm: f.ALGO ?? null,
      pool: f.URL ? { url: f.URL, user: null } : null,
      hashrate: hs,
      accepted: num(f.ACC),
      rejected: num(f.REJ),
      stale: null,
      uptime: num(f.UPTIME),
      devices: [],
    };
  },
};
