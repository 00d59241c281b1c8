import type { MinerDeviceStats, StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str } from './util.js';

/**
 * NBMiner GET /api/v1/status: `*_raw` fields are H/s (the others are display strings like
 * "61.50 M"); `pci_bus_id` is the decimal bus; uptime is now − start_time.
 */
export function nbminerAt(now: () => number) {
  const adapter: StatsAdapter = {
    name: 'nbminer',
    transport: { kind: 'http', paths: ['/api/v1/status'] },
    parse(raw) {
      const s = asObject(parseJson(raw[0], 'nbminer /api/v1/status'), 'nbminer /api/v1/status');
      const miner = asObject(s.miner, 'nbminer miner');
      const stratum = (s.stratum ?? {}) as Record<string, unknown>;
      const devices: MinerDeviceStats[] = (
        Array.isArray(miner.devices) ? (miner.devices as Record<string, unknown>[]) : []
      ).map((d, i) => ({
        ...emptyDevice(num(d.id) ?? i),
        busId: normalizeBusId(num(d.pci_bus_id)),
        name: str(d.info),
        hashrate: num(d.hashrate_raw),
        accepted: num(d.accepted_shares),
        rejected: num(d.rejected_shares),
        temperature: num(d.temperature),
        fanPercent: num(d.fan),
        power: num(d.power),
      }));
      const start = num(s.start_time);
      const url = str(stratum.url);
      return {
        program: 'nbminer',
        version: str(s.version),
        algorithm: str(stratum.algorithm),
        pool: url ? { url, user: str(stratum.user) } : null,
        hashrate: num(miner.total_hashrate_raw),
        accepted: num(stratum.accepted_shares),
        rejected: num(stratum.rejected_shares),
        stale: null,
        uptime: start === null ? null : Math.max(0, Math.round(now() / 1000 - start)),
        devices,
      };
    },
  };
  return adapter;
}

export const nbminer = nbminerAt(Date.now);
