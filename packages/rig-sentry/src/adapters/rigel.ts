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

/**
 * Rigel GET /stat: everything is keyed by algorithm (`hashrate{kawpow: H/s}`), dual mining names
 * "a+b" and the first is reported. `pci_address` is "bus:dev" in hex.
 */
export const rigel: StatsAdapter = {
  name: 'rigel',
  transport: { kind: 'http', paths: ['/stat'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'rigel /stat'), 'rigel /stat');
    const algorithm = str(s.algorithm);
    if (!algorithm || !s.hashrate || typeof s.hashrate !== 'object')
      throw new AdapterError('rigel /stat: no algorithm/hashrate');
    const first = algorithm.split('+')[0] ?? algorithm;
    const byAlgo = (v: unknown) => objectOr(v)[first];
    const devices: MinerDeviceStats[] = objects(s.devices).map((d, i) => {
      const stat = objectOr(byAlgo(d.solution_stat));
      const health = objectOr(d.monitoring_info);
      return {
        ...emptyDevice(num(d.id) ?? i),
        busId: normalizeBusId(d.pci_address),
        name: str(d.name),
        hashrate: num(byAlgo(d.hashrate)),
        accepted: num(stat.accepted),
        rejected: num(stat.rejected),
        temperature: num(health.core_temperature),
        fanPercent: num(health.fan_speed),
        power: watts(health.power_usage),
      };
    });
    const stat = objectOr(byAlgo(s.solution_stat));
    const conn = objectOr(objects(byAlgo(s.pools))[0]?.connection_details);
    const host = str(conn.hostname);
    const port = num(conn.port);
    return {
      program: 'rigel',
      version: str(s.version),
      algorithm,
      pool: host ? { url: port === null ? host : `${host}:${port}`, user: str(conn.username) } : null,
      hashrate: num(byAlgo(s.hashrate)),
      accepted: num(stat.accepted),
      rejected: num(stat.rejected),
      stale: null,
      uptime: num(s.uptime),
      devices,
    };
  },
};
