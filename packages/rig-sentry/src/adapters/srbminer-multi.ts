import type { MinerDeviceStats, StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str, sumOrNull } from './util.js';

/** SRBMiner-MULTI GET /: per algorithm, hashrates for gpu (gpu0…) and cpu, shares and pool. */
export const srbminerMulti: StatsAdapter = {
  name: 'srbminer-multi',
  transport: { kind: 'http', paths: ['/'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'srbminer /'), 'srbminer /');
    const algos = Array.isArray(s.algorithms) ? (s.algorithms as Record<string, unknown>[]) : [];
    const first = algos[0] ?? {};
    const hr = (first.hashrate ?? {}) as Record<string, Record<string, unknown>>;
    const shares = (first.shares ?? {}) as Record<string, unknown>;
    const pool = (first.pool ?? {}) as Record<string, unknown>;
    const gpuRates = hr.gpu ?? {};
    const devices: MinerDeviceStats[] = (
      Array.isArray(s.gpu_devices) ? (s.gpu_devices as Record<string, unknown>[]) : []
    ).map((g, i) => {
      const name = str(g.device) ?? `gpu${i}`;
      return {
        ...emptyDevice(num(g.id) ?? i),
        busId: normalizeBusId(num(g.bus_id)),
        name,
        hashrate: num(gpuRates[name]),
      };
    });
    const total = sumOrNull([num(hr.gpu?.total), num(hr.cpu?.total)]);
    return {
      program: 'srbminer-multi',
      version: str(s.miner_version),
      algorithm: str(first.name),
      pool: str(pool.pool) ? { url: str(pool.pool)!, user: null } : null,
      hashrate: total,
      accepted: num(shares.accepted),
      rejected: num(shares.rejected),
      stale: null,
      uptime: num(s.mining_time),
      devices,
    };
  },
};
