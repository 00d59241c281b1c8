import { Flags, splitHostPort } from './args.js';
import { fill, localStamp, obj, objs, splitCount, splitRate, uptimeSeconds } from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = {};

/** GMiner takes the pool as --server host[:port] plus an optional --port. */
function pool(f: Flags): string {
  const server = f.value('-s', '--server') ?? '';
  const port = f.value('-n', '--port');
  return port && server && !/:\d+$/.test(server) ? `${server}:${port}` : server;
}

/**
 * GMiner: HTTP API off unless --api [IP:]PORT; GET /stat (older builds also answered
 * /api/v1/status with the same body). The answer carries server and user as given.
 */
export const gminer: SimulatedProgram = {
  name: 'gminer',
  displayName: 'GMiner',
  executable: 'miner',
  releaseFolder: (v) => `gminer_${v.replaceAll('.', '_')}_linux64`,
  defaultHashrate: 1.2e9,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const api = splitHostPort(f.value('--api'));
    return {
      pool: pool(f),
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
    routes: {
      '/stat': 'gminer/stat.v1.x-hiveos-comment.json',
      '/api/v1/status': 'gminer/stat.v1.x-hiveos-comment.json',
    },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const devices = objs(f.devices);
      const per = splitRate(state.hashrate, devices.length);
      const acc = splitCount(state.accepted, devices.length);
      const rej = splitCount(state.rejected, devices.length);
      fill(f, {
        uptime: uptimeSeconds(state),
        server: state.start.pool,
        user: state.flags.value('-u', '--user') ?? '',
        algorithm: state.start.algorithm,
        total_accepted_shares: state.accepted,
        total_rejected_shares: state.rejected,
        devices: devices.map((d, i) =>
          fill(d, { speed: per[i], accepted_shares: acc[i], rejected_shares: rej[i], stale_shares: 0 }),
        ),
      });
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      '+----------------------------------------------------------------+',
      `|                          GMiner v${(state.version ?? '3.44').padEnd(30)}|`,
      '+----------------------------------------------------------------+',
      `Algorithm:          ${s.algorithm ?? '?'}`,
      `Stratum server:     ${s.pool}`,
      `User:               ${s.wallet}${s.worker ? ` (worker ${s.worker})` : ''}`,
    ];
    if (s.apiPort !== null) lines.push(`API:                ${s.apiHost}:${s.apiPort}`);
    lines.push(`Watchdog:           ${state.flags.value('--watchdog') === '0' ? 'off' : 'on'}`);
    return lines;
  },
  speedLine(state) {
    return `${localStamp()} Total Speed: ${(state.hashrate / 1e6).toFixed(2)} MH/s Shares Accepted: ${state.accepted} Rejected: ${state.rejected} Uptime: ${uptimeSeconds(state)}s`;
  },
};
