import type { MinerDeviceStats, StatsAdapter } from './types.js';
import { asObject, emptyDevice, num, parseJson, str, sumOrNull } from './util.js';

const first = (v: unknown) => (Array.isArray(v) ? num(v[0]) : num(v));

/** BzMiner GET /status: per device arrays indexed by algorithm (the first is the main one). */
export const bzminer: StatsAdapter = {
  name: 'bzminer',
  transport: { kind: 'http', paths: ['/status'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'bzminer /status'), 'bzminer /status');
    const devices: MinerDeviceStats[] = (
      Array.isArray(s.devices) ? (s.devices as Record<string, unknown>[]) : []
    ).map((d, i) => ({
      ...emptyDevice(num(d.id) ?? i),
      name: str(d.name),
      hashrate: first(d.hashrate),
      accepted: first(d.valid_solutions),
      rejected: first(d.rejected_solutions),
      stale: first(d.stale_solutions),
      power: num(d.power),
    }));
    const pool = (Array.isArray(s.pools) ? (s.pools[0] as Record<string, unknown>) : undefined) ?? {};
    return {
      program: 'bzminer',
      version: str(s.version),
      algorithm: str(pool.algorithm),
      pool: str(pool.url) ? { url: str(pool.url)!, user: str(pool.wallet) } : null,
      hashrate: sumOrNull(devices.map((d) => d.hashrate)),
      accepted: sumOrNull(devices.map((d) => d.accepted)),
      rejected: sumOrNull(devices.map((d) => d.rejected)),
      stale: sumOrNull(devices.map((d) => d.stale)),
      uptime: num(s.uptime_s),
      devices,
    };
  },
};
