import { AdapterError, type StatsAdapter } from './types.js';
import { asObject, num, objects, parseJson, str } from './util.js';

/**
 * OneZeroMiner GET /: totals per algorithm (`algos[]`, H/s). Its device rows are known to carry
 * power only: with no bus id or rate they cannot be matched to hardware, so none are reported.
 */
export const onezerominer: StatsAdapter = {
  name: 'onezerominer',
  transport: { kind: 'http', paths: ['/'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'onezerominer /'), 'onezerominer /');
    const algo = objects(s.algos)[0];
    if (!algo) throw new AdapterError('onezerominer /: no algos');
    return {
      program: 'onezerominer',
      version: str(s.version),
      algorithm: str(algo.name),
      pool: null,
      hashrate: num(algo.total_hashrate),
      accepted: num(algo.total_accepted_shares),
      rejected: num(algo.total_rejected_shares),
      stale: null,
      uptime: null,
      devices: [],
    };
  },
};
