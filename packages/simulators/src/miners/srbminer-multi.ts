import { Flags, poolHostPort, splitHostPort } from './args.js';
import {
  fill,
  type Json,
  localStamp,
  obj,
  objs,
  round,
  splitRate,
  uptimeSeconds,
  versionOr,
} from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = {};

/** SRBMiner takes several algorithms and pools separated by `;`; the first is the one mined here. */
const first = (v: string | null) => (v === null ? null : (v.split(';')[0] ?? ''));

/**
 * SRBMiner-MULTI: HTTP API with --api-enable on --api-port (default 21550). It has no flag for the
 * address (the real program listens on all interfaces); the simulator binds 127.0.0.1. GET /.
 * The hashrate goes to the GPUs the fixture lists, or to the CPU with --disable-gpu.
 */
export const srbminerMulti: SimulatedProgram = {
  name: 'srbminer-multi',
  displayName: 'SRBMiner-MULTI',
  executable: 'SRBMiner-MULTI',
  releaseFolder: (v) => `SRBMiner-Multi-${v.replaceAll('.', '-')}`,
  defaultHashrate: 12_000,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const api = f.has('--api-enable') ? splitHostPort(`127.0.0.1:${f.value('--api-port') ?? 21550}`) : null;
    return {
      pool: first(f.value('-o', '--pool')) ?? '',
      wallet: first(f.value('-w', '--wallet')) ?? '',
      worker: first(f.value('--worker')) ?? '',
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: first(f.value('-a', '--algorithm')),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: { '/': 'srbminer-multi/root.constructed-hiveos-ug-miner.json' },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const rate = state.hashrate;
      const onCpu = state.flags.has('--disable-gpu');
      fill(f, {
        rig_name: state.flags.value('--api-rig-name') ?? f.rig_name,
        miner_version: versionOr(state, f.miner_version),
        mining_time: uptimeSeconds(state),
      });
      const algos = objs(f.algorithms);
      const a = algos[0];
      if (a) {
        const hr = obj(a.hashrate);
        const split = (group: unknown, total: number): Json => {
          const g = structuredClone(obj(group));
          const units = Object.keys(g).filter((k) => k !== 'total');
          const parts = splitRate(total, units.length);
          units.forEach((k, i) => {
            g[k] = round(parts[i] ?? 0);
          });
          return fill(g, { total: round(total) });
        };
        fill(a, {
          name: state.start.algorithm ?? a.name,
          pool: fill(obj(a.pool), { pool: poolHostPort(state.start.pool) }),
          shares: fill(obj(a.shares), {
            total: state.accepted + state.rejected,
            accepted: state.accepted,
            rejected: state.rejected,
          }),
          hashrate: fill(hr, {
            now: round(rate),
            '1min': round(rate),
            gpu: split(hr.gpu, onCpu ? 0 : rate),
            cpu: split(hr.cpu, onCpu ? rate : 0),
          }),
        });
      }
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `SRBMiner-MULTI ${state.version ?? '2.9.8'}`,
      `[${localStamp()}] algorithm: ${s.algorithm ?? '?'}, pool: ${s.pool}, wallet: ${s.wallet}, worker: ${s.worker}`,
    ];
    if (s.apiPort !== null) lines.push(`[${localStamp()}] API bind on ${s.apiHost}:${s.apiPort}`);
    return lines;
  },
  speedLine(state) {
    return `[${localStamp()}] Total hashrate: ${state.hashrate.toFixed(2)} H/s, accepted ${state.accepted}, rejected ${state.rejected}`;
  },
};
