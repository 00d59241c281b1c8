import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str, sumOrNull, watts } from './util.js';

/**
 * miniZ `getstat` over TCP JSON-RPC (EWBF-style): one `result[]` row per GPU with `busid`
 * "0000:01:00.0" and `speed_sps` (Sol/s on Equihash, counted as H/s; older builds: `sol_ps`).
 * No totals, no uptime: totals are the sums.
 */
export const miniz: StatsAdapter = {
  name: 'miniz',
  transport: { kind: 'tcp-json', request: '{"id":"0","method":"getstat"}' },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'miniz getstat'), 'miniz getstat');
    if (s.error !== null && s.error !== undefined)
      throw new AdapterError(`miniz getstat: error ${JSON.stringify(s.error)}`);
    if (!Array.isArray(s.result)) throw new AdapterError('miniz getstat: no result list');
    const devices: MinerDeviceStats[] = (s.result as unknown[]).map((row, i) => {
      const d = asObject(row, 'miniz getstat result');
      return {
        ...emptyDevice(num(d.gpuid) ?? i),
        busId: normalizeBusId(d.busid),
        name: str(d.name),
        hashrate: num(d.speed_sps) ?? num(d.sol_ps),
        accepted: num(d.accepted_shares),
        rejected: num(d.rejected_shares),
        temperature: num(d.temperature),
        fanPercent: num(d.gpu_fan_speed),
        power: watts(d.gpu_power_usage),
      };
    });
    return {
      program: 'miniz',
      version: str(s.version),
      algorithm: str(s.algorithm),
      pool: null,
      hashrate: sumOrNull(devices.map((d) => d.hashrate)),
      accepted: sumOrNull(devices.map((d) => d.accepted)),
      rejected: sumOrNull(devices.map((d) => d.rejected)),
      stale: null,
      uptime: null,
      devices,
    };
  },
};
