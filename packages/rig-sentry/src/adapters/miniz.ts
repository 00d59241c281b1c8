import type { MinerDeviceStats, StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str, sumOrNull } from './util.js';

/** miniZ TCP JSON-RPC getstat: per GPU `speed_sps` (Sol/s or H/s by algorithm) with `busid`; no uptime in the API. */
export const miniz: StatsAdapter = {
  name: 'miniz',
  transport: { kind: 'tcp-json', request: '{"id":"0","method":"getstat"}\n' },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'miniz getstat'), 'miniz getstat');
    const devices: MinerDeviceStats[] = (
      Array.isArray(s.result) ? (s.result as Record<string, unknown>[]) : []
    ).map((g, i) => ({
      ...emptyDevice(num(g.gpuid) ?? i),
      busId: normalizeBusId(g.busid),
      name: str(g.name),
      hashrate: num(g.speed_sps) ?? num(g.sol_ps),
      accepted: num(g.accepted_shares),
      rejected: num(g.rejected_shares),
      temperature: num(g.temperature),
      fanPercent: num(g.gpu_fan_speed),
      power: num(g.gpu_power_usage),
    }));
    const pool = (s.pool ?? null) as Record<string, unknown> | null;
    return {
      program: 'miniz',
      version: str(s.version),
      algorithm: str(s.algorithm),
      pool: pool && str(pool.server) ? { url: str(pool.server)!, user: str(pool.user) } : null,
      hashrate: sumOrNull(devices.map((d) => d.hashrate)),
      accepted: sumOrNull(devices.map((d) => d.accepted)),
      rejected: sumOrNull(devices.map((d) => d.rejected)),
      stale: null,
      uptime: null,
      devices,
    };
  },
};
