import type { MinerDeviceStats, StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str } from './util.js';

/** Rigel GET /stat: hashrates keyed by algorithm; devices carry `pci_address` ("0b:0", hex) and monitoring_info. */
export const rigel: StatsAdapter = {
  name: 'rigel',
  transport: { kind: 'http', paths: ['/stat'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'rigel /stat'), 'rigel /stat');
    const algorithm = str(s.algorithm);
    const main = algorithm?.split('+')[0] ?? null;
    const pick = (m: unknown) =>
      main && m && typeof m === 'object' ? num((m as Record<string, unknown>)[main]) : null;
    const devices: MinerDeviceStats[] = (
      Array.isArray(s.devices) ? (s.devices as Record<string, unknown>[]) : []
    ).map((d, i) => {
      const mon = (d.monitoring_info ?? {}) as Record<string, unknown>;
      return {
        ...emptyDevice(num(d.id) ?? i),
        busId: normalizeBusId(d.pci_address),
        name: str(d.name),
        hashrate: pick(d.hashrate),
        temperature: num(mon.core_temperature),
        fanPercent: num(mon.fan_speed),
        power: num(mon.power_usage),
      };
    });
    const stat = main
      ? ((s.solution_stat as Record<string, Record<string, unknown>> | undefined)?.[main] ?? {})
      : {};
    const pools = main
      ? ((s.pools as Record<string, Record<string, unknown>[]> | undefined)?.[main] ?? [])
      : [];
    const conn = (pools[0]?.connection_details ?? {}) as Record<string, unknown>;
    const host = str(conn.hostname);
    return {
      program: 'rigel',
      version: str(s.version),
      algorithm,
      pool: host ? { url: `${host}:${num(conn.port) ?? ''}`, user: str(conn.username) } : null,
      hashrate: pick(s.hashrate),
      accepted: num(stat.accepted),
      rejected: num(stat.rejected),
      stale: null,
      uptime: num(s.uptime),
      devices,
    };
  },
};
