import { Flags, splitHostPort } from './args.js';
import { fill, localStamp, obj, objs, round } from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = {};

/**
 * OneZeroMiner: HTTP API on by default at 127.0.0.1:3001, moved with --api-host/--api-port and
 * turned off with --api-disable. GET / answers with one entry per algorithm.
 */
export const onezerominer: SimulatedProgram = {
  name: 'onezerominer',
  displayName: 'OneZeroMiner',
  executable: 'onezerominer',
  releaseFolder: (v) => `onezerominer-linux-${v}`,
  defaultHashrate: 10_000,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const api = f.has('--api-disable')
      ? null
      : splitHostPort(`${f.value('--api-host') ?? '127.0.0.1'}:${f.value('--api-port') ?? 3001}`);
    return {
      pool: f.value('-o', '--pool') ?? '',
      wallet: f.value('-w', '--wallet') ?? '',
      worker: f.value('--worker') ?? '',
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: f.value('-a', '--algo'),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: { '/': 'onezerominer/root.constructed-ug-miner.json' },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const algos = objs(f.algos);
      if (algos[0]) {
        fill(algos[0], {
          name: state.start.algorithm ?? algos[0].name,
          total_hashrate: round(state.hashrate),
          total_accepted_shares: state.accepted,
          total_rejected_shares: state.rejected,
        });
      }
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `OneZeroMiner v${state.version ?? '1.4.7'}`,
      `[${localStamp()}] Algorithm: ${s.algorithm ?? '?'}`,
      `[${localStamp()}] Pool: ${s.pool}, wallet: ${s.wallet}, worker: ${s.worker}`,
    ];
    if (s.apiPort !== null) lines.push(`[${localStamp()}] API server listening on ${s.apiHost}:${s.apiPort}`);
    return lines;
  },
  speedLine(state) {
    return `[${localStamp()}] Total: ${(state.hashrate / 1000).toFixed(2)} kH/s, shares ${state.accepted}/${state.rejected}`;
  },
};
