import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str } from './util.js';

/** The first known of a [10 s, 60 s, 15 min] hashrate triple. */
const firstRate = (v: unknown) => (Array.isArray(v) ? (v.map(num).find((x) => x !== null) ?? null) : null);

/**
 * XMRig 6.x HTTP API: GET /2/summary (totals, pool, shares) and GET /2/backends (per-backend and,
 * for CUDA/OpenCL, per-GPU rows with bus_id and health).
 */
export const xmrig: StatsAdapter = {
  name: 'xmrig',
  transport: { kind: 'http', paths: ['/2/summary', '/2/backends'] },
  parse(raw) {
    const summary = asObject(parseJson(raw[0], 'xmrig /2/summary'), 'xmrig /2/summary');
    const conn = (summary.connection ?? {}) as Record<string, unknown>;
    const results = (summary.results ?? {}) as Record<string, unknown>;
    const hashrate = (summary.hashrate ?? {}) as Record<string, unknown>;
    if (!('hashrate' in summary) && !('connection' in summary))
      throw new AdapterError('xmrig /2/summary: not an XMRig summary');
    const devices: MinerDeviceStats[] = [];
    if (raw[1] !== undefined) {
      const backends = parseJson(raw[1], 'xmrig /2/backends');
      if (!Array.isArray(backends)) throw new AdapterError('xmrig /2/backends: expected a list');
      for (const b of backends as Record<string, unknown>[]) {
        if (b.type === 'cpu' || !b.enabled || !Array.isArray(b.threads)) continue;
        for (const t of b.threads as Record<string, unknown>[]) {
          const health = (t.health ?? {}) as Record<string, unknown>;
          const fans = Array.isArray(health.fan_speed)
            ? health.fan_speed.map(num).filter((f): f is number => f !== null)
            : [];
          devices.push({
            ...emptyDevice(num(t.index) ?? devices.length),
            busId: normalizeBusId(t.bus_id),
            name: str(t.name),
            hashrate: firstRate(t.hashrate),
            temperature: num(health.temperature),
            power: num(health.power),
            fanPercent: fans.length ? fans[0]! : null,
          });
        }
      }
    }
    const pool = str(conn.pool);
    return {
      program: 'xmrig',
      version: str(summary.version),
      algorithm: str(summary.algo) ?? str(conn.algo),
      pool: pool ? { url: pool, user: null } : null,
      hashrate: firstRate(hashrate.total),
      accepted: num(conn.accepted) ?? num(results.shares_good),
      rejected: num(conn.rejected),
      stale: null,
      uptime: num(summary.uptime),
      devices,
    };
  },
};
