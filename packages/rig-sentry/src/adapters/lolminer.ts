import { AdapterError, type MinerDeviceStats, type MinerStats, type StatsAdapter } from './types.js';
import {
  asObject,
  busFromDecimal,
  emptyDevice,
  num,
  objectOr,
  objects,
  parseJson,
  str,
  unitFactor,
  watts,
} from './util.js';

const version = (s: Record<string, unknown>) => str(s.Software)?.replace(/^lolMiner\s*/i, '') || null;

/**
 * Format of 1.4x and later: Workers carry the hardware (PCIE_Address "bus:dev", decimal),
 * Algorithms carry performance in Performance_Unit with its Performance_Factor. The Num_Workers
 * counter is not trusted; the arrays are.
 */
function current(s: Record<string, unknown>): MinerStats {
  const algo = objects(s.Algorithms)[0] ?? {};
  const factor = num(algo.Performance_Factor) ?? 1;
  const perf = Array.isArray(algo.Worker_Performance) ? algo.Worker_Performance : [];
  const at = (list: unknown, i: number) => (Array.isArray(list) ? num(list[i]) : null);
  const devices: MinerDeviceStats[] = objects(s.Workers).map((w, i) => {
    const index = num(w.Index) ?? i;
    const rate = num(perf[index]);
    return {
      ...emptyDevice(index),
      busId: busFromDecimal(w.PCIE_Address),
      name: str(w.Name),
      hashrate: rate === null ? null : rate * factor,
      accepted: at(algo.Worker_Accepted, index),
      rejected: at(algo.Worker_Rejected, index),
      stale: at(algo.Worker_Stales, index),
      temperature: num(w.Core_Temp),
      fanPercent: num(w.Fan_Speed),
      power: watts(w.Power),
    };
  });
  const total = num(algo.Total_Performance);
  const pool = str(algo.Pool);
  return {
    program: 'lolminer',
    version: version(s),
    algorithm: str(algo.Algorithm),
    pool: pool ? { url: pool, user: str(algo.User) } : null,
    hashrate: total === null ? null : total * factor,
    accepted: num(algo.Total_Accepted),
    rejected: num(algo.Total_Rejected),
    stale: num(algo.Total_Stales),
    uptime: num(objectOr(s.Session).Uptime),
    devices,
  };
}

/** a − b when both are known (lolMiner ≤1.3x reports submitted and accepted, not rejected). */
const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

/**
 * Legacy format (1.3x and older): Session totals in Session.Performance_Unit, one GPUs[] row per
 * card with unit-suffixed keys ("Temp (deg C)", "Consumption (W)").
 */
function legacy(s: Record<string, unknown>): MinerStats {
  const session = objectOr(s.Session);
  const stratum = objectOr(s.Stratum);
  const factor = unitFactor(session.Performance_Unit);
  const scaled = (v: unknown) => {
    const n = num(v);
    return n === null ? null : n * factor;
  };
  const devices: MinerDeviceStats[] = objects(s.GPUs).map((g, i) => ({
    ...emptyDevice(num(g.Index) ?? i),
    busId: busFromDecimal(g.PCIE_Address),
    name: str(g.Name),
    hashrate: scaled(g.Performance),
    accepted: num(g.Session_Accepted),
    rejected: minus(num(g.Session_Submitted), num(g.Session_Accepted)),
    temperature: num(g['Temp (deg C)']),
    fanPercent: num(g['Fan Speed (%)']),
    power: watts(g['Consumption (W)']),
  }));
  const pool = str(stratum.Current_Pool);
  return {
    program: 'lolminer',
    version: version(s),
    algorithm: str(objectOr(s.Mining).Algorithm),
    pool: pool ? { url: pool, user: str(stratum.Current_User) } : null,
    hashrate: scaled(session.Performance_Summary),
    accepted: num(session.Accepted),
    rejected: minus(num(session.Submitted), num(session.Accepted)),
    stale: null,
    uptime: num(session.Uptime),
    devices,
  };
}

/** lolMiner GET /summary, both the current and the legacy (≤1.3x) answer. */
export const lolminer: StatsAdapter = {
  name: 'lolminer',
  transport: { kind: 'http', paths: ['/summary'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'lolminer /summary'), 'lolminer /summary');
    if (Array.isArray(s.Algorithms) || Array.isArray(s.Workers)) return current(s);
    if (Array.isArray(s.GPUs) || (s.Session && typeof s.Session === 'object')) return legacy(s);
    throw new AdapterError('lolminer /summary: neither Workers/Algorithms nor Session/GPUs');
  },
};
