import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import { asObject, emptyDevice, num, objectOr, objects, parseJson, str } from './util.js';

const PREFIX: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/**
 * sgminer puts the unit in the key ("KHS 30s", "MHS av"): the first window found of 30 s, 5 s,
 * average, converted to H/s.
 */
export function sgminerRate(o: Record<string, unknown>): number | null {
  for (const window of ['30s', '5s', 'av']) {
    for (const [prefix, factor] of Object.entries(PREFIX)) {
      const v = num(o[`${prefix}HS ${window}`]);
      if (v !== null) return v * factor;
    }
  }
  return null;
}

/**
 * One sub-answer of a multi-command request: TeamRedMiner gives an object per command (as
 * HiveOS reads it); sgminer wraps each in a one-element array. Both are accepted.
 */
function section(answer: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = answer[name];
  return objectOr(Array.isArray(v) ? v[0] : v);
}

/** The pool being mined: the active stratum, else the first alive one, else the first listed. */
function activePool(pools: Record<string, unknown>[]): Record<string, unknown> | undefined {
  return (
    pools.find((p) => p['Stratum Active'] === true) ?? pools.find((p) => p.Status === 'Alive') ?? pools[0]
  );
}

/**
 * TeamRedMiner: sgminer-compatible JSON over raw TCP, `summary+devs+pools` in one request. The API
 * has no PCI bus ids (HiveOS reads them from the log), no power and no algorithm name.
 */
export const teamredminer: StatsAdapter = {
  name: 'teamredminer',
  transport: { kind: 'tcp-json', request: '{"command":"summary+devs+pools"}' },
  parse(raw) {
    const answer = asObject(parseJson(raw[0], 'teamredminer summary+devs+pools'), 'teamredminer');
    const summary = section(answer, 'summary');
    const totals = objects(summary.SUMMARY)[0];
    if (!totals) {
      const status = objects(summary.STATUS)[0];
      throw new AdapterError(`teamredminer: no SUMMARY${status ? ` (${String(status.Msg)})` : ''}`);
    }
    const devices: MinerDeviceStats[] = objects(section(answer, 'devs').DEVS).map((d, i) => ({
      ...emptyDevice(num(d.GPU) ?? i),
      hashrate: sgminerRate(d),
      accepted: num(d.Accepted),
      rejected: num(d.Rejected),
      temperature: num(d.Temperature),
      fanPercent: num(d['Fan Percent']),
    }));
    const pool = activePool(objects(section(answer, 'pools').POOLS));
    const url = str(pool?.URL);
    const description = str(objects(summary.STATUS)[0]?.Description);
    return {
      program: 'teamredminer',
      version: description?.replace(/^TeamRedMiner\s*/i, '') || null,
      algorithm: null,
      pool: url ? { url, user: str(pool?.User) } : null,
      hashrate: sgminerRate(totals),
      accepted: num(totals.Accepted),
      rejected: num(totals.Rejected),
      stale: num(totals.Stale),
      uptime: num(totals.Elapsed),
      devices,
    };
  },
};
