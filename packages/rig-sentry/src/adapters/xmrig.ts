import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import {
  asObject,
  emptyDevice,
  normalizeBusId,
  num,
  objectOr,
  objects,
  parseJson,
  str,
  watts,
} from './util.js';

/** The first known of a [10 s, 60 s, 15 min] hashrate triple (v6 sends null until a window fills). */
const firstRate = (v: unknown) => (Array.isArray(v) ? (v.map(num).find((x) => x !== null) ?? null) : null);

/** GPU rows of GET /2/backends: CUDA/OpenCL threads carry bus_id and health; CPU threads are no devices. */
function gpuDevices(raw: string): MinerDeviceStats[] {
  const backends = parseJson(raw, 'xmrig /2/backends');
  if (!Array.isArray(backends)) throw new AdapterError('xmrig /2/backends: expected a list');
  const devices: MinerDeviceStats[] = [];
  for (const b of objects(backends)) {
    if (b.type === 'cpu' || !b.enabled) continue;
    for (const t of objects(b.threads)) {
      const health = objectOr(t.health);
      const fans = Array.isArray(health.fan_speed) ? health.fan_speed.map(num).filter((f) => f !== null) : [];
      devices.push({
        ...emptyDevice(num(t.index) ?? devices.length),
        busId: normalizeBusId(t.bus_id),
        name: str(t.name),
        hashrate: firstRate(t.hashrate),
        temperature: num(health.temperature),
        power: watts(health.power),
        fanPercent: fans[0] ?? null,
      });
    }
  }
  return devices;
}

/**
 * XMRig HTTP API. v6 (and v3–v5): GET /2/summary (totals, pool, shares, uptime) and GET
 * /2/backends (per-GPU rows). v2.x only has /1/summary (= /api.json), whose answer is parsed too:
 * it has no miner uptime (connection.uptime is the pool connection's) and no accepted/rejected
 * pair, only shares_good/shares_total. An empty second answer (a build without /2/backends)
 * means no GPU rows.
 */
export const xmrig: StatsAdapter = {
  name: 'xmrig',
  transport: { kind: 'http', paths: ['/2/summary', '/2/backends'] },
  parse(raw) {
    const summary = asObject(parseJson(raw[0], 'xmrig /2/summary'), 'xmrig /2/summary');
    if (!('hashrate' in summary) && !('connection' in summary))
      throw new AdapterError('xmrig /2/summary: not an XMRig summary');
    const conn = objectOr(summary.connection);
    const results = objectOr(summary.results);
    const good = num(results.shares_good);
    const total = num(results.shares_total);
    const pool = str(conn.pool);
    return {
      program: 'xmrig',
      version: str(summary.version),
      algorithm: str(summary.algo) ?? str(conn.algo),
      pool: pool ? { url: pool, user: null } : null,
      hashrate: firstRate(objectOr(summary.hashrate).total),
      accepted: num(conn.accepted) ?? good,
      rejected: num(conn.rejected) ?? (good !== null && total !== null ? total - good : null),
      stale: null,
      uptime: num(summary.uptime),
      devices: raw[1] === undefined || raw[1].trim() === '' ? [] : gpuDevices(raw[1]),
    };
  },
};
