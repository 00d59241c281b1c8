import { Flags, poolHostPort, poolUsesTls } from './args.js';
import { fill, type Json, obj, objs, round, splitRate, uptimeSeconds, versionOr } from './common.js';
import type { SimState, SimulatedProgram } from './types.js';

const flagOptions = { gluedShort: true }; // getopt_long
const summaryFile = 'xmrig/2-summary.v6.17.1-dev.json';
const backendsFile = 'xmrig/2-backends.v6.17.1-dev.json';

/** Backends that hash: CPU unless --no-cpu, the CUDA plugin only with --cuda (as in XMRig 6). */
function hashingBackends(f: Flags) {
  return { cpu: !f.has('--no-cpu'), cuda: f.has('--cuda') };
}

function rateTriple(rate: number, uptime: number): (number | null)[] {
  // [10 s, 60 s, 15 min]: XMRig answers null for the 15-min window until it has filled.
  return [rate, rate, uptime >= 900 ? rate : null];
}

/**
 * XMRig 6.x: HTTP API on --http-host/--http-port (GET /2/summary, /2/backends; /1/summary and
 * /api.json are the same summary). The pool shows as host:port; --http-access-token makes every
 * request need `Authorization: Bearer <token>`.
 */
export const xmrig: SimulatedProgram = {
  name: 'xmrig',
  displayName: 'XMRig',
  executable: 'xmrig',
  releaseFolder: (v) => `xmrig-${v}`,
  defaultHashrate: 1250,
  flagOptions,
  parseArgs(args) {
    const f = new Flags(args, flagOptions);
    const userpass = f.value('-O', '--userpass');
    const sep = userpass?.indexOf(':') ?? -1;
    const port = f.number('--http-port');
    const on = port !== null && port > 0;
    return {
      pool: f.value('-o', '--url') ?? '',
      wallet: f.value('-u', '--user') ?? (userpass && sep >= 0 ? userpass.slice(0, sep) : (userpass ?? '')),
      worker:
        f.value('--rig-id') ??
        f.value('-p', '--pass') ??
        (userpass && sep >= 0 ? userpass.slice(sep + 1) : ''),
      apiHost: on ? (f.value('--http-host') ?? '127.0.0.1') : null,
      apiPort: on ? port : null,
      algorithm: f.value('-a', '--algo'),
    };
  },
  api: {
    kind: 'http',
    contentType: 'application/json',
    routes: {
      '/2/summary': summaryFile,
      '/1/summary': summaryFile,
      '/api.json': summaryFile,
      '/2/backends': backendsFile,
    },
    refuse(headers, state) {
      const token = state.flags.value('--http-access-token');
      if (!token) return null;
      return headers.authorization === `Bearer ${token}` ? null : 401;
    },
    render(path, fixture, state) {
      return path === '/2/backends' ? backends(fixture.json, state) : summary(fixture.json, state);
    },
  },
  banner(state) {
    const s = state.start;
    const api = s.apiPort === null ? [] : [` * HTTP API     ${s.apiHost}:${s.apiPort}`];
    const donate = state.flags.value('--donate-level') ?? '1';
    return [
      ` * ABOUT        XMRig/${state.version ?? '6.22.2'} gcc/13.2.1 (built for Linux x86-64, 64 bit)`,
      ' * LIBS         libuv/1.48.0 OpenSSL/3.0.13 hwloc/2.11.1',
      ` * DONATE       ${donate}%`,
      ` * POOL #1      ${poolHostPort(s.pool) || '-'} algo ${s.algorithm ?? 'auto'}`,
      ' * COMMANDS     hashrate, pause, resume, results, connection',
      ...api,
      `[${stamp()}]  net      use pool ${poolHostPort(s.pool) || '-'}`,
      `[${stamp()}]  cpu      READY threads 3/3 (3) huge pages 100% 3/3 memory 6144 KB`,
    ];
  },
  speedLine(state) {
    const r = state.hashrate.toFixed(1);
    const long = uptimeSeconds(state) >= 900 ? r : 'n/a';
    return `[${stamp()}]  miner    speed 10s/60s/15m ${r} ${r} ${long} H/s max ${r} H/s`;
  },
};

/** "2026-11-24 10:22:56.123", XMRig's log stamp. */
function stamp(d = new Date()): string {
  const iso = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

function summary(fixture: unknown, state: SimState): Json {
  const f = structuredClone(obj(fixture));
  const uptime = uptimeSeconds(state);
  const rate = state.hashrate;
  const hashes = Math.round(rate * uptime);
  const algo = state.start.algorithm ?? f.algo;
  const version = versionOr(state, f.version);
  const tls = poolUsesTls(state.start.pool) || state.flags.has('--tls');
  fill(f, {
    worker_id: state.flags.value('--api-worker-id') ?? (state.start.worker || f.worker_id),
    uptime,
    restricted: !state.flags.has('--http-no-restricted'),
    algo,
    version,
    ua: typeof f.ua === 'string' ? f.ua.replace(/^XMRig\/\S+/, `XMRig/${version}`) : f.ua,
    donate_level: state.flags.number('--donate-level') ?? f.donate_level,
    paused: false,
  });
  const id = state.flags.value('--api-id');
  if (id) fill(f, { id });
  f.results = fill(structuredClone(obj(f.results)), {
    shares_good: state.accepted,
    shares_total: state.accepted + state.rejected,
    hashes_total: hashes,
  });
  const conn = obj(f.connection);
  f.connection = fill(structuredClone(conn), {
    pool: poolHostPort(state.start.pool),
    uptime,
    uptime_ms: Date.now() - state.startedAt,
    tls: tls ? (conn.tls ?? 'TLSv1.3') : null,
    'tls-fingerprint': null,
    algo,
    accepted: state.accepted,
    rejected: state.rejected,
    hashes_total: hashes,
  });
  f.hashrate = fill(structuredClone(obj(f.hashrate)), {
    total: rateTriple(round(rate), uptime),
    highest: round(rate),
  });
  return f;
}

/**
 * The fixture's CPU and CUDA backends. A backend the flags leave off is listed the way XMRig lists
 * a disabled one: type, enabled:false, algo and profile only.
 */
function backends(fixture: unknown, state: SimState): Json[] {
  const uptime = uptimeSeconds(state);
  const on = hashingBackends(state.flags);
  const list = objs(fixture);
  const hashing = list.filter((b) => on[b.type as keyof typeof on]).length;
  const each = hashing ? state.hashrate / hashing : 0;
  const algo = state.start.algorithm ?? obj(list.find((b) => b.type === 'cpu')).algo ?? null;
  return list.map((b) => {
    if (!on[b.type as keyof typeof on]) {
      return { type: b.type, enabled: false, algo: null, profile: null };
    }
    const out = structuredClone(b);
    const threads = objs(out.threads);
    const perThread = splitRate(each, threads.length);
    fill(out, {
      enabled: true,
      algo,
      profile: b.type === 'cpu' ? b.profile : algo,
      hashrate: rateTriple(round(each), uptime),
      threads: threads.map((t, i) => fill(t, { hashrate: rateTriple(round(perThread[i] ?? 0), uptime) })),
    });
    return out;
  });
}
