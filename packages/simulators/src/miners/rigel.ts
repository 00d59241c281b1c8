import { Flags, poolHostPort, poolUsesTls, splitHostPort } from './args.js';
import {
  fill,
  type Json,
  localStamp,
  obj,
  objs,
  round,
  splitCount,
  splitRate,
  uptimeSeconds,
} from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = {};

/** Rigel numbers the pool flags of dual mining: `-o [1]stratum+tcp://…`, `-u [2]wallet`. */
const unindexed = (v: string | null) => (v === null ? null : v.replace(/^\[\d+\]/, ''));

/** Maps keyed by algorithm name ({"kawpow": …}) re-keyed to the algorithm the miner was started with. */
function rekey(map: unknown, algo: string, value: (old: unknown) => unknown): Json {
  const entries = Object.entries(obj(map));
  const out: Json = {};
  entries.forEach(([k, v], i) => {
    out[i === 0 ? algo : k] = i === 0 ? value(v) : v;
  });
  return out;
}

function stat(accepted: number, rejected: number) {
  return (old: unknown) => fill(structuredClone(obj(old)), { accepted, rejected, invalid: 0 });
}

/**
 * Rigel: HTTP API off unless --api-bind IP:PORT; GET /stat. Per-algorithm maps are keyed by the
 * algorithm name, so they carry the -a given; the pool's connection_details carry host, port,
 * username, worker and ssl from the flags.
 */
export const rigel: SimulatedProgram = {
  name: 'rigel',
  displayName: 'Rigel',
  executable: 'rigel',
  releaseFolder: (v) => `rigel-${v}-linux`,
  defaultHashrate: 1.5e9,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const api = splitHostPort(f.value('--api-bind'));
    return {
      pool: unindexed(f.value('-o', '--url')) ?? '',
      wallet: unindexed(f.value('-u', '--username')) ?? '',
      worker: unindexed(f.value('-w', '--worker')) ?? '',
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: f.value('-a', '--algorithm'),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: { '/stat': 'rigel/stat.constructed-ug-miner-rainbowminer.json' },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const given = state.start.algorithm ?? String(f.algorithm);
      const algo = given.split('+')[0]!;
      const rate = state.hashrate;
      const hostPort = poolHostPort(state.start.pool);
      const colon = hostPort.lastIndexOf(':');
      const devices = objs(f.devices);
      const per = splitRate(rate, devices.length);
      const acc = splitCount(state.accepted, devices.length);
      const rej = splitCount(state.rejected, devices.length);
      fill(f, {
        algorithm: given,
        uptime: uptimeSeconds(state),
        hashrate: rekey(f.hashrate, algo, () => round(rate)),
        pool_hashrate: rekey(f.pool_hashrate, algo, () => round(rate)),
        solution_stat: rekey(f.solution_stat, algo, stat(state.accepted, state.rejected)),
        pools: rekey(f.pools, algo, (list) =>
          objs(list).map((p, i) =>
            i > 0
              ? p
              : fill(p, {
                  connection_details: fill(obj(p.connection_details), {
                    hostname: colon < 0 ? hostPort : hostPort.slice(0, colon),
                    port: colon < 0 ? null : Number(hostPort.slice(colon + 1)),
                    username: state.start.wallet,
                    worker: state.start.worker,
                    ssl: poolUsesTls(state.start.pool),
                  }),
                }),
          ),
        ),
        devices: devices.map((d, i) =>
          fill(d, {
            hashrate: rekey(d.hashrate, algo, () => round(per[i] ?? 0)),
            solution_stat: rekey(d.solution_stat, algo, stat(acc[i] ?? 0, rej[i] ?? 0)),
          }),
        ),
      });
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `Rigel v${state.version ?? '1.22.3'} - [Linux]`,
      `[${localStamp()}] algorithm: ${s.algorithm ?? '?'}`,
      `[${localStamp()}] pool: ${s.pool}, user: ${s.wallet}, worker: ${s.worker}`,
    ];
    if (s.apiPort !== null) lines.push(`[${localStamp()}] API server started on ${s.apiHost}:${s.apiPort}`);
    lines.push(`[${localStamp()}] watchdog: ${state.flags.has('--no-watchdog') ? 'off' : 'on'}`);
    return lines;
  },
  speedLine(state) {
    return `[${localStamp()}] Total: ${(state.hashrate / 1e6).toFixed(2)} MH/s, A/R/I: ${state.accepted}/${state.rejected}/0`;
  },
};
