import { Flags, splitHostPort } from './args.js';
import { arr, fill, localStamp, obj, objs, splitCount } from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = {};

/** Keeps a value's JSON type: the fixture sends one hashrate as a string, as some BzMiner builds do. */
const likeType = (sample: unknown, v: number): number | string =>
  typeof sample === 'string' ? String(v) : v;

/**
 * BzMiner: HTTP API with --http_enabled 1 (or a --http_port), on --http_address (default here
 * 127.0.0.1; the real program picks 0.0.0.0) and --http_port (default 4014). GET /status. Arrays
 * are per algorithm (index 0 = -a); devices the fixture shows idle (status 0) stay idle.
 */
export const bzminer: SimulatedProgram = {
  name: 'bzminer',
  displayName: 'BzMiner',
  executable: 'bzminer',
  releaseFolder: (v) => `bzminer_v${v}_linux`,
  defaultHashrate: 2e9,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const enabled = f.number('--http_enabled');
    const port = f.number('--http_port');
    const on = enabled === null ? port !== null : enabled !== 0;
    const api = on ? splitHostPort(`${f.value('--http_address') ?? '127.0.0.1'}:${port ?? 4014}`) : null;
    return {
      pool: f.value('-p', '--pool') ?? '',
      wallet: f.value('-w', '--wallet') ?? '',
      worker: f.value('-r', '--rig') ?? '',
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: f.value('-a', '--algo'),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: { '/status': 'bzminer/status.constructed-ug-miner.json' },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const devices = objs(f.devices);
      const mining = devices.filter((d) => arr(d.status)[0] === 3);
      const each = mining.length ? state.hashrate / mining.length : 0;
      const acc = splitCount(state.accepted, mining.length);
      const rej = splitCount(state.rejected, mining.length);
      const pools = objs(f.pools);
      if (pools[0] && state.start.algorithm) fill(pools[0], { algorithm: state.start.algorithm });
      mining.forEach((d, i) => {
        const first = <T>(v: unknown, x: T) => [x, ...arr(v).slice(1)];
        fill(d, {
          hashrate: first(d.hashrate, likeType(arr(d.hashrate)[0], each)),
          valid_solutions: first(d.valid_solutions, acc[i] ?? 0),
          rejected_solutions: first(d.rejected_solutions, rej[i] ?? 0),
          stale_solutions: first(d.stale_solutions, 0),
        });
      });
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `BzMiner v${state.version ?? '21.5.3'}`,
      `[${localStamp()}] algo: ${s.algorithm ?? '?'}, pool: ${s.pool}, wallet: ${s.wallet}, rig: ${s.worker}`,
    ];
    if (s.apiPort !== null) lines.push(`[${localStamp()}] http api listening on ${s.apiHost}:${s.apiPort}`);
    if (state.flags.has('--no_watchdog')) lines.push(`[${localStamp()}] watchdog disabled`);
    return lines;
  },
  speedLine(state) {
    return `[${localStamp()}] ${state.start.algorithm ?? '?'}: ${(state.hashrate / 1e6).toFixed(2)} MH/s, a/r/s: ${state.accepted}/${state.rejected}/0`;
  },
};
