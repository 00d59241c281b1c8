import { Flags, poolHostPort, splitHostPort, splitUser } from './args.js';
import { localStamp, nowSeconds, siScale, uptimeSeconds, versionOr, withNul } from './common.js';
import type { Fixture, SimState, SimulatedProgram } from './types.js';

const flagOptions = { gluedShort: true }; // getopt_long
export const cpuminerFixtures = {
  summary: 'cpuminer-opt/summary.constructed-api-c.txt',
  threads: 'cpuminer-opt/threads.constructed-api-c.txt',
};

/** `-b [ip:]port`: a bare address keeps the conventional port 4048, a bare port binds loopback. */
function apiBind(v: string | null): { host: string; port: number } | null {
  if (!v) return null;
  if (/^\d+$/.test(v)) return splitHostPort(v);
  if (!v.includes(':')) return { host: v, port: 4048 };
  return splitHostPort(v);
}

/** One `KEY=value;KEY=value` record of the answer (records end with `|`); null: a part without `=`. */
type Record_ = [string, string | null][];

function parseRecords(text: string): Record_[] {
  return text
    .replace(/[\0\s]+$/, '')
    .split('|')
    .filter((r) => r.length > 0)
    .map((r) =>
      r.split(';').map((kv): [string, string | null] => {
        const eq = kv.indexOf('=');
        return eq < 0 ? [kv, null] : [kv.slice(0, eq), kv.slice(eq + 1)];
      }),
    );
}

const writeRecords = (records: Record_[]) =>
  records.map((r) => `${r.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(';')}|`).join('');

/** The summary record with the simulated values, keys in the fixture's order (api.c's sprintf order). */
function summary(fixture: Fixture, state: SimState): string {
  const records = parseRecords(fixture.text);
  const first = records[0] ?? [];
  const uptime = uptimeSeconds(state);
  const rate = state.hashrate;
  const values: Record<string, string> = {
    VER: versionOr(state, first.find(([k]) => k === 'VER')?.[1]),
    ALGO: state.start.algorithm ?? '',
    URL: poolHostPort(state.start.pool),
    HS: rate.toFixed(2),
    KHS: (rate / 1000).toFixed(2),
    ACC: String(state.accepted),
    REJ: String(state.rejected),
    SOL: String(state.accepted + state.rejected),
    ACCMN: ((60 * state.accepted) / (uptime || 1)).toFixed(3),
    UPTIME: String(uptime),
    TS: String(nowSeconds()),
  };
  const threads = Number(state.flags.value('-t', '--threads'));
  if (Number.isInteger(threads) && threads > 0) values.CPUS = String(threads);
  records[0] = first.map(([k, v]) => [k, v === null ? v : (values[k] ?? v)]);
  return writeRecords(records.slice(0, 1));
}

/**
 * One `CPU=i;<prefix>H/s=x.xx` record per miner thread (-t, else as many as the fixture lists),
 * sharing the total rate; api.c scales each with an SI prefix.
 */
function threads(fixture: Fixture, state: SimState): string {
  const template = parseRecords(fixture.text);
  const t = Number(state.flags.value('-t', '--threads'));
  const count = Number.isInteger(t) && t > 0 ? t : template.length;
  const { value, prefix } = siScale(count ? state.hashrate / count : 0);
  const records = Array.from({ length: count }, (_, i) =>
    (template[i] ?? template[0] ?? []).map(([k, v]): [string, string | null] =>
      k === 'CPU' ? [k, String(i)] : /H\/s$/.test(k) ? [`${prefix}H/s`, value.toFixed(2)] : [k, v],
    ),
  );
  return writeRecords(records);
}

/**
 * cpuminer-opt (JayDDee): raw TCP API on -b/--api-bind [ip:]port. A connection carries one
 * command (`summary`, `threads`; `GET /summary` from a browser is read the same way) and gets
 * `KEY=value;…|` text followed by a NUL byte, then the miner closes it. Unknown commands, and
 * `seturl`/`quit` without --api-remote, are closed without an answer.
 */
export const cpuminerOpt: SimulatedProgram = {
  name: 'cpuminer-opt',
  displayName: 'cpuminer-opt',
  executable: 'cpuminer',
  releaseFolder: (v) => `cpuminer-opt-${v}`,
  defaultHashrate: 5000,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const userpass = f.value('-O', '--userpass');
    const user = splitUser(f.value('-u', '--user') ?? (userpass ? userpass.split(':')[0]! : ''));
    const api = apiBind(f.value('-b', '--api-bind'));
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
    kind: 'tcp',
    fixtures: Object.values(cpuminerFixtures),
    answer(request, state, fixture) {
      let command = request.replace(/[\0\r\n]+$/, '');
      // A browser's "GET /summary HTTP/1.1" names the command in the path.
      const get = /^GET \/(\S*)/.exec(command);
      if (get) command = get[1]!.replace('/', '|');
      const [name, param] = command.split('|');
      const file =
        name === 'summary' ? cpuminerFixtures.summary : name === 'threads' ? cpuminerFixtures.threads : null;
      const remote = state.flags.has('--api-remote');
      let text: string | null;
      if (file && state.exact) return withNul(fixture(file).bytes);
      if (name === 'summary') text = summary(fixture(cpuminerFixtures.summary), state);
      else if (name === 'threads') text = threads(fixture(cpuminerFixtures.threads), state);
      else if (name === 'help') text = 'summary\nthreads\nseturl\nquit\n|';
      else if (name === 'quit') {
        if (!remote) return '\0';
        setTimeout(() => process.exit(1), 50); // api.c: "bye" ends the miner through proper_exit(1)
        text = 'bye|';
      } else if (name === 'seturl') text = remote && param ? 'ok|' : '';
      else return null;
      return `${text}\0`;
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `         **********  cpuminer-opt ${state.version ?? '25.6'}  ***********`,
      '     A CPU miner with multi algo support and optimized for CPUs',
      '     with AVX512, SHA, AES and NEON extensions by JayDDee.',
      `[${localStamp()}] ${Number(state.flags.value('-t', '--threads')) || 8} of 8 miner threads started using '${s.algorithm ?? '?'}' algorithm`,
      `[${localStamp()}] Stratum connection ${s.pool}`,
    ];
    if (s.apiPort !== null) lines.push(`[${localStamp()}] API listening to ${s.apiHost}:${s.apiPort}`);
    return lines;
  },
  speedLine(state) {
    const { value, prefix } = siScale(state.hashrate);
    return `[${localStamp()}] Accepted ${state.accepted}/${state.accepted + state.rejected} (100.0%), diff 0.01, ${value.toFixed(2)} ${prefix}h/s`;
  },
};
