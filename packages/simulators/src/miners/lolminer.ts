import { Flags, splitHostPort, splitUser } from './args.js';
import { fill, localStamp, nowSeconds, obj, objs, splitCount, splitRate, versionOr } from './common.js';
import type { SimulatedProgram } from './types.js';

const flagOptions = { gluedShort: true }; // boost::program_options takes -pVALUE too

/** How lolMiner names the algorithms our playbooks pass in capitals. */
const algoNames: Record<string, string> = {
  ETHASH: 'Ethash',
  ETCHASH: 'Etchash',
  AUTOLYKOS2: 'Autolykos V2',
  'BEAM-III': 'BeamHash III',
  EQUI144_5: 'Equihash 144/5',
  EQUI192_7: 'Equihash 192/7',
  FISHHASH: 'FishHash',
  KARLSEN: 'KarlsenHash',
  NEXA: 'Nexa',
};

const two = (n: number) => String(n).padStart(2, '0');
/** lolMiner's Startup_String: local "2022-08-06_00-08-48". */
function startupString(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}_${two(d.getHours())}-${two(d.getMinutes())}-${two(d.getSeconds())}`;
}

/**
 * lolMiner 1.4x and later: GET /summary on --apihost/--apiport (API off without --apiport). Speeds
 * are in the fixture's Performance_Unit, i.e. H/s divided by Performance_Factor.
 */
export const lolminer: SimulatedProgram = {
  name: 'lolminer',
  displayName: 'lolMiner',
  executable: 'lolMiner',
  // The Linux tarball unpacks into a folder named after the version alone ("1.92/lolMiner").
  releaseFolder: (v) => v,
  defaultHashrate: 120e6,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const user = f.value('-u', '--user') ?? '';
    const fromUser = splitUser(user);
    const port = f.number('--apiport');
    const api = port ? splitHostPort(`${f.value('--apihost') ?? '127.0.0.1'}:${port}`) : null;
    return {
      pool: f.value('-p', '--pool') ?? '',
      wallet: fromUser.wallet,
      worker: f.value('--worker') ?? fromUser.worker,
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: f.value('-a', '--algo'),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: { '/summary': 'lolminer/summary.v1.48.json' },
    render(_path, fixture, state) {
      const f = structuredClone(obj(fixture.json));
      const workers = objs(f.Workers);
      const algos = objs(f.Algorithms);
      const algo = algos[0] ?? {};
      const factor = Number(algo.Performance_Factor) || 1;
      const perWorker = splitRate(state.hashrate / factor, workers.length);
      const acc = splitCount(state.accepted, workers.length);
      const rej = splitCount(state.rejected, workers.length);
      const given = state.start.algorithm;
      fill(algo, {
        Algorithm: given ? (algoNames[given.toUpperCase()] ?? given) : algo.Algorithm,
        Pool: state.start.pool,
        User: state.flags.value('-u', '--user') ?? '',
        Worker: state.start.worker,
        Total_Performance: state.hashrate / factor,
        Total_Accepted: state.accepted,
        Total_Rejected: state.rejected,
        Total_Stales: 0,
        Total_Errors: 0,
        Worker_Performance: perWorker,
        Worker_Accepted: acc,
        Worker_Rejected: rej,
        Worker_Stales: workers.map(() => 0),
        Worker_Errors: workers.map(() => 0),
      });
      f.Algorithms = [algo];
      const startup = Math.floor(state.startedAt / 1000);
      const now = nowSeconds();
      f.Session = fill(obj(f.Session), {
        Startup: startup,
        Startup_String: startupString(state.startedAt),
        Uptime: now - startup,
        Last_Update: now,
      });
      // The recorded mock claims 2 workers while listing 4; a live lolMiner counts what it lists.
      fill(f, { Software: `lolMiner ${versionOr(state, String(f.Software).replace(/^lolMiner\s*/, ''))}` });
      fill(f, { Num_Workers: workers.length, Num_Algorithms: 1 });
      return f;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      '+---------------------------------------------------------+',
      `|   _       _ __  __ _                   ${(state.version ?? '1.92').padEnd(5)}            |`,
      '|  | | ___ | |  \\/  (_)_ __   ___ _ __                    |',
      '+---------------------------------------------------------+',
      'Setup Miner... ',
      `Algorithm: ${s.algorithm ?? 'ETHASH'}`,
      `Pool: ${s.pool}`,
      `User: ${state.flags.value('-u', '--user') ?? ''}${s.worker ? ` (worker ${s.worker})` : ''}`,
    ];
    if (s.apiPort !== null) lines.push(`Setup API on ${s.apiHost}:${s.apiPort}`);
    return lines;
  },
  speedLine(state) {
    return `${localStamp()} Average speed (15s): ${(state.hashrate / 1e6).toFixed(2)} Mh/s | accepted ${state.accepted}`;
  },
};
