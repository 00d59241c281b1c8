import type { MinerDeviceStats, StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str, sumOrNull } from './util.js';

/** GMiner GET /stat: per device `speed` (H/s, or Sol/s on Equihash) with `bus_id`; totals are the sums. */
export const gminer: StatsAdapter = {
  name: 'gminer',
  transport: { kind: 'http', paths: ['/stat'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'gminer /stat'), 'gminer /stat');
    const devices: MinerDeviceStats[] = (
      Array.isArray(s.devices) ? (s.devices as Record<string, unknown>[]) : []
    ).map((d, i) => ({
      ...emptyDevice(num(d.gpu_id) ?? i),
      busId: normalizeBusId(d.bus_id),
      name: str(d.name),
      hashrate: num(d.speed),
      accepted: num(d.accepted_shares),
      rejected: num(d.rejected_shares),
      stale: num(d.stale_shares),
      temperature: num(d.temperature),
      fanPercent: num(d.fan),
      // 0 W is what GMiner shows when it cannot read power: not a reading.
      power: num(d.power_usage) || null,
    }));
    const server = str(s.server);
    return {
      program: 'gminer',
      version: str(s.miner)?.replace(/^GMiner\s*/i, '') ?? null,
      algorithm: str(s.algorithm),
      pool: server ? { url: server, user: str(s.user) } : null,
      hashrate: sumOrNull(devices.map((d) => d.hashrate)),
      accepted: num(s.total_accepted_shares) ?? sumOrNull(devices.map((d) => d.accepted)),
      rejected: num(s.total_rejected_shares) ?? sumOrNull(devices.map((d) => d.rejected)),
      stale: num(s.total_stale_shares),
      uptime: num(s.uptime),
      devices,
    };
  },
};
