import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import { asObject, busFromDecimal, emptyDevice, num, parseJson, str } from './util.js';

/**
 * lolMiner GET /summary (format of 1.4x and later): Workers carry the hardware (PCIE_Address
 * "bus:dev"), Algorithms carry performance in Performance_Unit with its Performance_Factor.
 * The Num_Workers counter is not trusted; the arrays are.
 */
export const lolminer: StatsAdapter = {
  name: 'lolminer',
  transport: { kind: 'http', paths: ['/summary'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'lolminer /summary'), 'lolminer /summary');
    if (!Array.isArray(s.Algorithms) || !Array.isArray(s.Workers)) {
      throw new AdapterError(
        'lolminer /summary: no Workers/Algorithms (a lolMiner older than 1.4x is not supported)',
      );
    }
    const algo = (s.Algorithms[0] ?? {}) as Record<string, unknown>;
    const factor = num(algo.Performance_Factor) ?? 1;
    const perf = Array.isArray(algo.Worker_Performance) ? algo.Worker_Performance : [];
    const at = (list: unknown, i: number) => (Array.isArray(list) ? num(list[i]) : null);
    const devices: MinerDeviceStats[] = (s.Workers as Record<string, unknown>[]).map((w, i) => {
      const index = num(w.Index) ?? i;
      const rate = num(perf[index]);
      return {
        ...emptyDevice(index),
        // lolMiner's PCIE_Address is bus:device in decimal.
        busId: busFromDecimal(w.PCIE_Address),
        name: str(w.Name),
        hashrate: rate === null ? null : rate * factor,
        accepted: at(algo.Worker_Accepted, index),
        rejected: at(algo.Worker_Rejected, index),
        stale: at(algo.Worker_Stales, index),
        temperature: num(w.Core_Temp),
        fanPercent: num(w.Fan_Speed),
        power: num(w.Power),
      };
    });
    const total = num(algo.Total_Performance);
    const session = (s.Session ?? {}) as Record<string, unknown>;
    const version = str(s.Software)?.replace(/^lolMiner\s*/i, '') ?? null;
    const pool = str(algo.Pool);
    return {
      program: 'lolminer',
      version,
      algorithm: str(algo.Algorithm),
      pool: pool ? { url: pool, user: str(algo.User) } : null,
      hashrate: total === null ? null : total * factor,
      accepted: num(algo.Total_Accepted),
      rejected: num(algo.Total_Rejected),
      stale: num(algo.Total_Stales),
      uptime: num(session.Uptime),
      devices,
    };
  },
};
