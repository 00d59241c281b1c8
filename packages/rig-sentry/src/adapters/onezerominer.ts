import type { StatsAdapter } from './types.js';
import { asObject, num, parseJson, str } from './util.js';

/**
 * OneZeroMiner GET /: totals per algorithm. Its per-device rows are not documented in our sources,
 * so devices are left out rather than guessed.
 */
export const onezerominer: StatsAdapter = {
  name: 'onezerominer',
  transport: { kind: 'http', paths: ['/'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'onezerominer /'), 'onezerominer /');
    const algo = (Array.isArray(s.algos) ? (s.algos[0] as Record<string, unknown>) : undefined) ?? {};
    return {
      program: 'onezerominer',
      version: str(s.version),
      algorithm: str(algo.name),
      pool: null,
      hashrate: num(algo.total_hashrate),
      accepted: num(algo.total_accepted_shares),
      rejected: num(algo.total_rejected_shares),
      stale: null,
      uptime: num(s.uptime),
      devices: [],
    };
  },
};
