import { withoutTerminator } from '../fixtures.js';
import { detectStyle, formatJson } from '../json-format.js';
import { Flags, splitHostPort, splitUser } from './args.js';
import { fill, localStamp, obj, objs, round, splitCount, splitRate, versionOr } from './common.js';
import type { SimState, SimulatedProgram } from './types.js';

const flagOptions = {};
const fixtureFile = 'miniz/getstat.constructed-hiveos-ug-miner.json';

/**
 * miniZ's --url=[scheme://]user[.worker]@host:port. Our catalogue script writes the pool URL after
 * the `@` (`user.worker@stratum+tcp://host:port`), which names the same thing; both are read.
 */
export function parseMinizUrl(url: string): { pool: string; user: string } {
  const at = url.lastIndexOf('@');
  if (at < 0) return { pool: url, user: '' };
  let user = url.slice(0, at);
  let host = url.slice(at + 1);
  const scheme = /^([a-z0-9+.-]+:\/\/)/i.exec(user)?.[1];
  if (scheme) {
    user = user.slice(scheme.length);
    if (!/^[a-z0-9+.-]+:\/\//i.test(host)) host = `${scheme}${host}`;
  }
  return { pool: host, user };
}

/** "144,5" is how miniZ names Equihash 144,5 on the command line (--par). */
function algorithmName(f: Flags): string | null {
  const par = f.value('--par', '--algo');
  if (!par) return null;
  return /^\d+,\d+$/.test(par) ? `Equihash ${par}` : par;
}

function getstat(fixture: unknown, state: SimState): unknown {
  const f = structuredClone(obj(fixture));
  const gpus = objs(f.result);
  const per = splitRate(state.hashrate, gpus.length);
  const acc = splitCount(state.accepted, gpus.length);
  const rej = splitCount(state.rejected, gpus.length);
  fill(f, {
    algorithm: algorithmName(state.flags) ?? f.algorithm,
    version: versionOr(state, f.version),
    result: gpus.map((g, i) =>
      fill(g, {
        speed_sps: round(per[i] ?? 0),
        sol_ps: round(per[i] ?? 0),
        accepted_shares: acc[i],
        rejected_shares: rej[i],
      }),
    ),
  });
  return f;
}

/**
 * miniZ: telemetry on raw TCP at --telemetry [ip:]port (off without it). The request is JSON-RPC
 * `{"id":"0","method":"getstat"}` (a browser's HTTP GET is answered too); the answer carries HTTP
 * headers unless --nohttpheaders, as miniZ does, and the connection is closed after it.
 */
export const miniz: SimulatedProgram = {
  name: 'miniz',
  displayName: 'miniZ',
  executable: 'miniZ',
  releaseFolder: (v) => `miniZ_v${v}_linux-x64`,
  defaultHashrate: 160,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const url = parseMinizUrl(f.value('--url') ?? '');
    const user = splitUser(url.user || (f.value('--user', '-u') ?? ''));
    const api = splitHostPort(f.value('--telemetry'));
    return {
      pool: url.pool || (f.value('--server') ?? ''),
      wallet: user.wallet,
      worker: f.value('--worker') ?? user.worker,
      apiHost: api?.host ?? null,
      apiPort: api?.port ?? null,
      algorithm: algorithmName(f),
    };
  },
  api: {
    kind: 'tcp',
    fixtures: [fixtureFile],
    answer(request, state, load) {
      const fixture = load(fixtureFile);
      const text = withoutTerminator(request).trim();
      let method = '';
      let body: Buffer;
      if (text.startsWith('{')) {
        try {
          method = String(obj(JSON.parse(text)).method ?? '');
        } catch {
          return null;
        }
      } else if (/^(GET|POST) /.test(text)) {
        method = 'getstat';
      }
      if (method !== 'getstat') return null;
      if (state.exact) body = fixture.bytes;
      else body = Buffer.from(formatJson(getstat(fixture.json, state), detectStyle(fixture.text)));
      if (state.flags.has('--nohttpheaders')) return body;
      const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
      return Buffer.concat([Buffer.from(head), body]);
    },
  },
  banner(state) {
    const s = state.start;
    const lines = [
      `************ miniZ v${state.version ?? '2.4e'} ************`,
      `Algo:       ${s.algorithm ?? '?'}`,
      `Server:     ${s.pool}`,
      `User:       ${s.wallet}${s.worker ? `.${s.worker}` : ''}`,
    ];
    if (s.apiPort !== null) lines.push(`Telemetry:  ${s.apiHost}:${s.apiPort}`);
    return lines;
  },
  speedLine(state) {
    return `[${localStamp()}] S: ${state.accepted}/${state.rejected} > ${state.hashrate.toFixed(2)} Sol/s`;
  },
};
