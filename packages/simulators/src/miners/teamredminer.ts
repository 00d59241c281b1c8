import { withoutTerminator } from '../fixtures.js';
import { compactStyle, formatJson } from '../json-format.js';
import { Flags, poolHostPort, splitHostPort, splitUser } from './args.js';
import {
  fill,
  type Json,
  localStamp,
  nowSeconds,
  obj,
  objs,
  round,
  splitCount,
  uptimeSeconds,
  versionOr,
  withNul,
} from './common.js';
import type { SimState, SimulatedProgram } from './types.js';

const flagOptions = {};
const fixtureFile = 'teamredminer/summary-devs-pools.constructed-hiveos-sgminer.json';
const combined = 'summary+devs+pools';

/** sgminer encodes the unit in the key: "KHS 30s" is kH/s over 30 s, "MHS av" MH/s since start. */
const rateKey = /^([KMGT]?)HS (?:av|\d+[sm])$/;
const unitOf: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

function rates(row: Json, hs: number): Json {
  const out: Json = {};
  for (const k of Object.keys(row)) {
    const m = rateKey.exec(k);
    if (m) out[k] = round(hs / (unitOf[m[1]!] ?? 1), 3);
  }
  return out;
}

/** The sub-answer for one command, from the fixture's part for it. */
function section(command: string, part: Json, state: SimState): Json {
  const s = structuredClone(part);
  const now = nowSeconds();
  const uptime = uptimeSeconds(state);
  const rate = state.hashrate;
  const first = obj(objs(s.STATUS)[0]);
  const description = String(first.Description ?? 'TeamRedMiner');
  const version = versionOr(state, description.split(' ')[1]);
  for (const st of objs(s.STATUS)) fill(st, { When: now, Description: `TeamRedMiner ${version}` });
  if (command === 'summary') {
    for (const row of objs(s.SUMMARY)) {
      fill(row, {
        Elapsed: uptime,
        ...rates(row, rate),
        Getworks: state.accepted,
        Accepted: state.accepted,
        Rejected: state.rejected,
        'Hardware Errors': 0,
        Stale: 0,
        Utility: round((60 * state.accepted) / (uptime || 1), 3),
        'Total MH': round((rate * uptime) / 1e6, 3),
        'Difficulty Accepted': state.accepted,
        'Difficulty Rejected': state.rejected,
        'Difficulty Stale': 0,
        'Device Rejected%': 0,
        'Pool Rejected%': 0,
        'Pool Stale%': 0,
        'Last getwork': now,
      });
    }
  } else if (command === 'devs') {
    const devs = objs(s.DEVS);
    const acc = splitCount(state.accepted, devs.length);
    const rej = splitCount(state.rejected, devs.length);
    devs.forEach((row, i) => {
      const each = devs.length ? rate / devs.length : 0;
      fill(row, {
        ...rates(row, each),
        Accepted: acc[i],
        Rejected: rej[i],
        'Hardware Errors': 0,
        Utility: round((60 * (acc[i] ?? 0)) / (uptime || 1), 3),
        'Last Share Time': now,
        'Total MH': round((each * uptime) / 1e6, 3),
        'Difficulty Accepted': acc[i],
        'Difficulty Rejected': rej[i],
        'Last Valid Work': now,
        'Device Rejected%': 0,
        'Device Elapsed': uptime,
      });
    });
  } else if (command === 'pools') {
    objs(s.POOLS).forEach((row, i) => {
      if (i > 0) return; // failover pools keep their recorded figures
      fill(row, {
        URL: state.start.pool,
        Getworks: state.accepted,
        Accepted: state.accepted,
        Rejected: state.rejected,
        Stale: 0,
        User: state.flags.value('-u', '--user') ?? '',
        'Last Share Time': now,
        'Difficulty Accepted': state.accepted,
        'Difficulty Rejected': state.rejected,
        'Difficulty Stale': 0,
        'Stratum URL': poolHostPort(state.start.pool).replace(/:\d+$/, ''),
        'Pool Rejected%': 0,
        'Pool Stale%': 0,
      });
    });
  }
  return s;
}

/** sgminer's answer to a command it does not know. */
function invalid(state: SimState, command: string, description: string): Json {
  return {
    STATUS: [
      {
        STATUS: 'E',
        When: nowSeconds(),
        Code: 14,
        Msg: `Invalid command '${command}'`,
        Description: state.version ? `TeamRedMiner ${state.version}` : description,
      },
    ],
    id: 1,
  };
}

/**
 * TeamRedMiner: sgminer-style API on raw TCP, off unless --api_listen (bare: 127.0.0.1:4028;
 * `--api_listen=ip:port`, the value only after `=`). A connection carries one request, JSON
 * `{"command":"summary+devs+pools"}` (or the bare command text), and gets compact JSON followed by
 * a NUL byte, then the miner closes it. Several commands joined with `+` answer as an object keyed
 * by command, each part shaped like the fixture's.
 */
export const teamredminer: SimulatedProgram = {
  name: 'teamredminer',
  displayName: 'TeamRedMiner',
  executable: 'teamredminer',
  releaseFolder: (v) => `teamredminer-v${v}-linux`,
  defaultHashrate: 50e6,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const user = splitUser(f.value('-u', '--user') ?? '');
    const listen = f.optional('--api_listen');
    const api = listen.present ? splitHostPort(listen.value ?? '127.0.0.1:4028') : null;
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
    fixtures: [fixtureFile],
    answer(request, state, load) {
      const fixture = load(fixtureFile);
      const text = withoutTerminator(request).trim();
      let command = text;
      if (text.startsWith('{')) {
        try {
          command = String(obj(JSON.parse(text)).command ?? '');
        } catch {
          return null;
        }
      }
      command = command.split('|')[0]!.trim();
      if (!command) return null;
      if (state.exact && command === combined) return withNul(fixture.bytes);
      const parts = obj(fixture.json);
      const description = String(obj(objs(obj(parts.summary).STATUS)[0]).Description ?? 'TeamRedMiner');
      const names = command.split('+');
      const answer = (name: string) => {
        const part = parts[name];
        return part === undefined ? invalid(state, name, description) : section(name, obj(part), state);
      };
      const body: Json =
        names.length === 1 ? answer(command) : Object.fromEntries(names.map((n) => [n, answer(n)]));
      // sgminer writes compact JSON; the fixture is pretty-printed for reading.
      return withNul(Buffer.from(formatJson(body, compactStyle)));
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `Team Red Miner version ${state.version ?? '0.10.21'}`,
      `[${localStamp()}] Auto-detected AMD OpenCL platform 0`,
      `[${localStamp()}] Pool ${s.pool} login as ${state.flags.value('-u', '--user') ?? ''}`,
      `[${localStamp()}] Algorithm ${s.algorithm ?? '?'}`,
    ];
    if (s.apiPort !== null) lines.push(`[${localStamp()}] API listening on ${s.apiHost}:${s.apiPort}`);
    return lines;
  },
  speedLine(state) {
    return `[${localStamp()}] Stats Uptime: ${uptimeSeconds(state)}s, Total ${(state.hashrate / 1e6).toFixed(3)}Mh/s, a:${state.accepted} r:${state.rejected} hw:0`;
  },
};
