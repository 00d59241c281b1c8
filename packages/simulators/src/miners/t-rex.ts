import { Flags, splitHostPort } from './args.js';
import {
  fill,
  localStamp,
  nowSeconds,
  obj,
  objs,
  splitCount,
  splitRate,
  uptimeSeconds,
  versionOr,
} from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = {};

/**
 * T-Rex: HTTP API on by default at 127.0.0.1:4067, moved with --api-bind-http IP:PORT and turned
 * off with --api-bind-http 0. GET /summary answers with the pool URL and user as given.
 */
export const trex: SimulatedProgram = {
  name: 't-rex',
  displayName: 'T-Rex',
  executable: 't-rex',
  releaseFolder: (v) => `t-rex-${v}`,
  defaultHashrate: 30e6,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const bind = f.value('--api-bind-http') ?? '127.0.0.1:4067';
    const api = bind === '0' ? null : splitHostPort(bind);
    return {
      pool: f.value('-o', '--url') ?? '',
      wallet: f.value('-u', '--user') ?? '',
      worker: f.value('-w', '--worker') ?? '',
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: f.value('-a', '--algo'),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: { '/summary': 't-rex/summary.v0.19.5-api3.3.json' },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const uptime = uptimeSeconds(state);
      const rate = Math.round(state.hashrate);
      // T-Rex reports 0 for an average whose window has not passed yet.
      const hour = uptime >= 3600 ? rate : 0;
      const day = uptime >= 86_400 ? rate : 0;
      const gpus = objs(f.gpus);
      const per = splitRate(state.hashrate, gpus.length).map(Math.round);
      const acc = splitCount(state.accepted, gpus.length);
      const rej = splitCount(state.rejected, gpus.length);
      const version = versionOr(state, f.version);
      fill(f, {
        accepted_count: state.accepted,
        active_pool: fill(obj(f.active_pool), {
          url: state.start.pool,
          user: state.start.wallet,
          worker: state.start.worker,
          retries: 0,
        }),
        algorithm: state.start.algorithm ?? f.algorithm,
        coin: state.flags.value('--coin') ?? '',
        gpus: gpus.map((g, i) =>
          fill(g, {
            hashrate: per[i],
            hashrate_instant: per[i],
            hashrate_minute: per[i],
            hashrate_hour: uptime >= 3600 ? per[i] : 0,
            hashrate_day: uptime >= 86_400 ? per[i] : 0,
            shares: fill(obj(g.shares), { accepted_count: acc[i], rejected_count: rej[i] }),
          }),
        ),
        hashrate: rate,
        hashrate_minute: rate,
        hashrate_hour: hour,
        hashrate_day: day,
        rejected_count: state.rejected,
        solved_count: 0,
        stat_by_gpu: objs(f.stat_by_gpu).map((s, i) =>
          fill(s, { accepted_count: acc[i] ?? 0, rejected_count: rej[i] ?? 0, solved_count: 0 }),
        ),
        ts: nowSeconds(),
        uptime,
        version,
        watchdog_stat: fill(obj(f.watchdog_stat), {
          startup_ts: state.startedAt * 1000,
          total_restarts: 0,
          uptime,
          wd_version: version,
        }),
      });
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `T-Rex NVIDIA GPU miner v${state.version ?? '0.26.8'}  -  [CUDA v11.8 | Linux]`,
      `${localStamp()} Pool: ${s.pool}`,
      `${localStamp()} User: ${s.wallet}${s.worker ? `, worker: ${s.worker}` : ''}`,
      `${localStamp()} Algorithm: ${s.algorithm ?? 'kawpow'}`,
    ];
    if (s.apiPort !== null)
      lines.push(`${localStamp()} ApiServer: HTTP server started on ${s.apiHost}:${s.apiPort}`);
    if (state.flags.has('--no-watchdog')) lines.push(`${localStamp()} WARN: watchdog is disabled`);
    return lines;
  },
  speedLine(state) {
    return `${localStamp()} GPU #0: RTX 3080 - ${(state.hashrate / 1e6).toFixed(2)} MH/s | Shares: ${state.accepted}/${state.accepted + state.rejected}`;
  },
};
