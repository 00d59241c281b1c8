import { flagValue } from './args.js';
import type { SimulatedProgram } from './types.js';

type Json = Record<string, unknown>;

/** XMRig 6.x: pool as host:port in the API, HTTP API on --http-host/--http-port. */
export const xmrig: SimulatedProgram = {
  name: 'xmrig',
  fixtures: {
    '/2/summary': 'xmrig/2-summary.v6.17.1-dev.json',
    '/2/backends': 'xmrig/2-backends.v6.17.1-dev.json',
  },
  parseArgs(args) {
    const port = flagValue(args, '--http-port');
    return {
      pool: flagValue(args, '--url', '-o') ?? '',
      wallet: flagValue(args, '--user', '-u') ?? '',
      worker: flagValue(args, '--pass', '-p', '--rig-id') ?? 'x',
      algorithm: flagValue(args, '--algo', '-a'),
      api: port ? { host: flagValue(args, '--http-host') ?? '127.0.0.1', port: Number(port) } : null,
    };
  },
  render(path, fixture, state) {
    const uptime = Math.floor((Date.now() - state.startedAt) / 1000);
    const rate = state.hashrate;
    if (path === '/2/summary') {
      const f = structuredClone(fixture) as Json;
      const hostPort = state.start.pool.replace(/^[a-z0-9+]+:\/\//i, '');
      f.uptime = uptime;
      f.worker_id = state.start.worker;
      f.results = { ...(f.results as Json), shares_good: state.accepted, shares_total: state.accepted };
      f.connection = {
        ...(f.connection as Json),
        pool: hostPort,
        uptime,
        accepted: state.accepted,
        rejected: 0,
      };
      f.hashrate = { ...(f.hashrate as Json), total: [rate, rate, null], highest: rate };
      return f;
    }
    // Backends: the CPU backend carries the whole (simulated) rate; GPU backends are left out.
    const backends = structuredClone(fixture) as Json[];
    return backends.filter((b) => b.type === 'cpu').map((b) => ({ ...b, hashrate: [rate, rate, null] }));
  },
};
