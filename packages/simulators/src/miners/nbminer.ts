import { Flags, poolHostPort, poolUsesTls, splitHostPort, splitUser } from './args.js';
import { fill, localStamp, obj, objs, siScale, splitCount, splitRate, versionOr } from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = {};

/** NBMiner's display strings: four significant digits and an SI prefix ("146.6 M", "0.000 "). */
export function nbRate(hs: number): string {
  const { value, prefix } = siScale(hs);
  return `${value.toPrecision(4)} ${prefix}`;
}

/**
 * NBMiner: HTTP API off unless --api HOST:PORT; GET /api/v1/status. The pool shows without its
 * scheme, with use_ssl telling whether it was stratum+ssl; the worker rides in -u wallet.worker.
 */
export const nbminer: SimulatedProgram = {
  name: 'nbminer',
  displayName: 'NBMiner',
  executable: 'nbminer',
  releaseFolder: () => 'NBMiner_Linux',
  defaultHashrate: 60e6,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const user = splitUser(f.value('-u', '--user') ?? '');
    const api = splitHostPort(f.value('--api'));
    return {
      pool: f.value('-o', '--url') ?? '',
      wallet: user.wallet,
      worker: user.worker,
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: f.value('-a', '--algo'),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: { '/api/v1/status': 'nbminer/api-v1-status.v40.0.json' },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const miner = obj(f.miner);
      const devices = objs(miner.devices);
      const per = splitRate(state.hashrate, devices.length);
      const acc = splitCount(state.accepted, devices.length);
      const rej = splitCount(state.rejected, devices.length);
      fill(miner, {
        devices: devices.map((d, i) =>
          fill(d, {
            accepted_shares: acc[i],
            rejected_shares: rej[i],
            invalid_shares: 0,
            hashrate: nbRate(per[i] ?? 0),
            hashrate_raw: per[i],
          }),
        ),
        total_hashrate: nbRate(state.hashrate),
        total_hashrate_raw: state.hashrate,
      });
      fill(f, {
        reboot_times: 0,
        start_time: Math.floor(state.startedAt / 1000),
        version: versionOr(state, f.version),
      });
      f.stratum = fill(obj(f.stratum), {
        accepted_shares: state.accepted,
        rejected_shares: state.rejected,
        invalid_shares: 0,
        algorithm: state.start.algorithm ?? obj(f.stratum).algorithm,
        url: poolHostPort(state.start.pool),
        use_ssl: poolUsesTls(state.start.pool),
        user: state.flags.value('-u', '--user') ?? '',
      });
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `[${localStamp()}] INFO - NBMiner by NBMiner Dev, version ${state.version ?? '42.3'}`,
      `[${localStamp()}] INFO - Algo: ${s.algorithm ?? '?'}, URL: ${s.pool}, User: ${state.flags.value('-u', '--user') ?? ''}`,
    ];
    if (s.apiPort !== null) lines.push(`[${localStamp()}] INFO - API: ${s.apiHost}:${s.apiPort}`);
    return lines;
  },
  speedLine(state) {
    return `[${localStamp()}] INFO - Total: ${nbRate(state.hashrate)}H/s, Accepted: ${state.accepted}, Rejected: ${state.rejected}`;
  },
};
