import { flagValue } from './args.js';
import type { SimulatedProgram } from './types.js';

type Json = Record<string, unknown>;

/** lolMiner 1.4x+: GET /summary on --apihost/--apiport; performance in the unit the fixture names. */
export const lolminer: SimulatedProgram = {
  name: 'lolminer',
  fixtures: { '/summary': 'lolminer/summary.v1.48.json' },
  parseArgs(args) {
    const port = flagValue(args, '--apiport');
    return {
      pool: flagValue(args, '--pool', '-p') ?? '',
      wallet: flagValue(args, '--user', '-u') ?? '',
      worker: flagValue(args, '--worker') ?? 'eth1.0',
      algorithm: flagValue(args, '--algo', '-a'),
      api: port ? { host: flagValue(args, '--apihost') ?? '0.0.0.0', port: Number(port) } : null,
    };
  },
  render(_path, fixture, state) {
    const f = structuredClone(fixture) as Json;
    const workers = f.Workers as Json[];
    const algo = { ...((f.Algorithms as Json[])[0] as Json) };
    const factor = Number(algo.Performance_Factor) || 1;
    const total = state.hashrate / factor;
    const each = total / workers.length;
    algo.Algorithm = state.start.algorithm ?? algo.Algorithm;
    algo.Pool = state.start.pool;
    algo.User = state.start.wallet;
    algo.Worker = state.start.worker;
    algo.Total_Performance = total;
    algo.Total_Accepted = state.accepted;
    algo.Worker_Performance = workers.map(() => each);
    f.Algorithms = [algo];
    const now = Math.floor(Date.now() / 1000);
    f.Session = {
      ...(f.Session as Json),
      Startup: Math.floor(state.startedAt / 1000),
      Uptime: now - Math.floor(state.startedAt / 1000),
      Last_Update: now,
    };
    return f;
  },
};
