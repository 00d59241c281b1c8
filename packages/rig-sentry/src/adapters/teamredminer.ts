import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import { asObject, emptyDevice, num, parseJson, str } from './util.js';

const UNIT: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** cgminer-style rows carry the unit in the key ("KHS 30s", "MHS av"): take the first present. */
function rate(row: Record<string, unknown>): number | null {
  for (const window of ['30s', '5s', 'av']) {
    for (const prefix of ['', 'K', 'M', 'G', 'T']) {
      const v = num(row[`${prefix}HS ${window}`]);
      if (v !== null) return v * UNIT[prefix]!;
    }
  }
  return null;
}

function section(obj: Record<string, unknown>, cmd: string, key: string): Record<string, unknown>[] {
  const wrapped = obj[cmd];
  const inner = Array.isArray(wrapped) ? (wrapped[0] as Record<string, unknown> | undefined) : undefined;
  const list = (inner ?? obj)[key];
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

/** TeamRedMiner: raw TCP, sgminer-style JSON for {"command":"summary+devs+pools"}. */
export const teamredminer: StatsAdapter = {
  name: 'teamredminer',
  transport: { kind: 'tcp-json', request: '{"command":"summary+devs+pools"}' },
  parse(raw) {
    const obj = asObject(parseJson(raw[0], 'teamredminer'), 'teamredminer');
    const summary = section(obj, 'summary', 'SUMMARY')[0];
    if (!summary) throw new AdapterError('teamredminer: no SUMMARY in the answer');
    const devices: MinerDeviceStats[] = section(obj, 'devs', 'DEVS').map((d, i) => ({
      ...emptyDevice(num(d.GPU) ?? i),
      hashrate: rate(d),
      accepted: num(d.Accepted),
      rejected: num(d.Rejected),
      temperature: num(d.Temperature),
      fanPercent: num(d['Fan Percent']),
    }));
    const pools = section(obj, 'pools', 'POOLS');
    const active = pools.find((p) => p['Stratum Active'] === true) ?? pools[0];
    return {
      program: 'teamredminer',
      version: null,
      algorithm: null,
      pool: active && str(active.URL) ? { url: str(active.URL)!, user: str(active.User) } : null,
      hashrate: rate(summary),
      accepted: num(summary.Accepted),
      rejected: num(summary.Rejected),
      stale: num(summary.Stale),
      uptime: num(summary.Elapsed),
      devices,
    };
  },
};
