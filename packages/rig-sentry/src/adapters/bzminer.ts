import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import {
  asObject,
  emptyDevice,
  normalizeBusId,
  num,
  numAt,
  objects,
  parseJson,
  str,
  sumOrNull,
  watts,
} from './util.js';

/** A device BzMiner lists but does not mine on has an empty first status message (UG-Miner skips those). */
const idle = (d: Record<string, unknown>) => Array.isArray(d.message) && d.message[0] === '';

/**
 * BzMiner GET /status: per device arrays with one entry per algorithm (index 0 = the first
 * algorithm), H/s; `pci_bus_id` is the decimal bus number. There are no totals: they are the sums.
 */
export const bzminer: StatsAdapter = {
  name: 'bzminer',
  transport: { kind: 'http', paths: ['/status'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'bzminer /status'), 'bzminer /status');
    if (!Array.isArray(s.devices)) throw new AdapterError('bzminer /status: no devices list');
    const devices: MinerDeviceStats[] = [];
    objects(s.devices).forEach((d, i) => {
      if (idle(d)) return;
      devices.push({
        ...emptyDevice(i),
        busId: normalizeBusId(num(d.pci_bus_id)),
        hashrate: numAt(d.hashrate, 0),
        accepted: numAt(d.valid_solutions, 0),
        rejected: numAt(d.rejected_solutions, 0),
        stale: numAt(d.stale_solutions, 0),
        power: watts(d.power),
      });
    });
    const pool = objects(s.pools)[0] ?? {};
    return {
      program: 'bzminer',
      version: null,
      algorithm: str(pool.algorithm),
      // Only `algorithm` is confirmed in pools[]; `url`/`wallet` are read when present, never made up.
      pool: str(pool.url) ? { url: str(pool.url)!, user: str(pool.wallet) } : null,
      hashrate: sumOrNull(devices.map((d) => d.hashrate)),
      accepted: sumOrNull(devices.map((d) => d.accepted)),
      rejected: sumOrNull(devices.map((d) => d.rejected)),
      stale: sumOrNull(devices.map((d) => d.stale)),
      uptime: null,
      devices,
    };
  },
};
