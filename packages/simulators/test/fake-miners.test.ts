import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSoftware } from '@mrm/protocol';
import { extract, list } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeMinerBin, makeMinerArchive, programs, simulatedPrograms } from '../src/index.js';
import { Flags, splitHostPort, splitUser } from '../src/miners/args.js';

const POOL = 'stratum+tcp://pool.example:3333';
const WALLET = 'WALLETabc123';
const WORKER = 'rig7';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function start(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      children.delete(child);
      r(code);
    }),
  );
  const started = new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /SIM-STARTED [^\n]*/.exec(out);
      if (m) {
        clearInterval(t);
        resolve(m[0]);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(t);
      reject(new Error(`exited ${code}: ${out}${err}`));
    });
  });
  started.catch(() => {}); // awaited (or deliberately not) by each test
  return { child, started, exited, output: () => out, errors: () => err };
}

const sim = (program: string, args: string[], env: Record<string, string> = {}) =>
  start(process.execPath, [fakeMinerBin, program, ...args], env);

/** The catalogue's default script for a program, with real values, split into arguments. */
function catalogueArgs(program: string, port: number): string[] {
  const entry = findSoftware(program);
  if (!entry) throw new Error(`${program} is not in the catalogue`);
  const script = entry.defaultScript
    .replaceAll('$CPU_POOL', POOL)
    .replaceAll('$GPU_POOL_1', POOL)
    .replaceAll('$CPU_WALLET', WALLET)
    .replaceAll('$GPU_WALLET_1', WALLET)
    .replaceAll('$WORKER_NAME', WORKER)
    .replaceAll('$API_PORT', String(port));
  return script.split(/\s+/).slice(1);
}

const fixtureBytes = (file: string) => readFileSync(new URL(`../fixtures/miners/${file}`, import.meta.url));

/** One request over a raw socket, read until the program closes it. */
function tcpAsk(port: number, payload: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(payload));
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

/** How each program's answer is fetched over its real transport, and what in it echoes the flags. */
interface Probe {
  /** Answer bytes as the wire carries them. */
  fetch(port: number): Promise<Buffer>;
  /** The fixture the answer is shaped after. */
  fixture: string;
  /** Turns wire bytes (or the fixture's) into a value to compare; default: JSON.parse. */
  read?(wire: Buffer): unknown;
  /** What MRM_SIM_EXACT=1 puts on the wire for the fixture: default the fixture bytes themselves. */
  exactWire?(fixture: Buffer): Buffer;
  /** Fields of the answer that carry what the program was started with (pool, user, algorithm). */
  carries(answer: any): Record<string, unknown>;
  expected: Record<string, unknown>;
  hashrate(answer: any): number;
  /** Keys named after the algorithm (Rigel's maps) differ from the fixture's by design. */
  renameKeys?: Record<string, string>;
}

const http = (path: string) => async (port: number) =>
  Buffer.from(await (await fetch(`http://127.0.0.1:${port}${path}`)).arrayBuffer());
const tcp = (payload: string) => (port: number) => tcpAsk(port, payload);
const nul = Buffer.from([0]);
const withNul = (b: Buffer) => Buffer.concat([b, nul]);
const stripNul = (b: Buffer) => b.toString('utf8').replace(/\0$/, '');
/** cpuminer-opt's `KEY=value;…|` summary as an object, keys in order. */
const kv = (b: Buffer) =>
  Object.fromEntries(
    stripNul(b)
      .replace(/\|$/, '')
      .split(';')
      .map((p) => p.split('=') as [string, string]),
  );

const probes: Record<string, Probe> = {
  xmrig: {
    fetch: http('/2/summary'),
    fixture: 'xmrig/2-summary.v6.17.1-dev.json',
    carries: (a) => ({ pool: a.connection.pool, worker: a.worker_id }),
    expected: { pool: 'pool.example:3333', worker: WORKER },
    hashrate: (a) => a.hashrate.total[0],
  },
  lolminer: {
    fetch: http('/summary'),
    fixture: 'lolminer/summary.v1.48.json',
    carries: (a) => ({
      pool: a.Algorithms[0].Pool,
      user: a.Algorithms[0].User,
      worker: a.Algorithms[0].Worker,
    }),
    expected: { pool: POOL, user: WALLET, worker: WORKER },
    hashrate: (a) => a.Algorithms[0].Total_Performance * a.Algorithms[0].Performance_Factor,
  },
  bzminer: {
    fetch: http('/status'),
    fixture: 'bzminer/status.constructed-ug-miner.json',
    // The fixture has no pool or user keys (no source named them), so only the algorithm echoes.
    carries: (a) => ({ algorithm: a.pools[0].algorithm }),
    expected: { algorithm: 'kaspa' },
    hashrate: (a) =>
      a.devices.reduce((s: number, d: { hashrate: unknown[] }) => s + Number(d.hashrate[0]), 0),
  },
  't-rex': {
    fetch: http('/summary'),
    fixture: 't-rex/summary.v0.19.5-api3.3.json',
    carries: (a) => ({ pool: a.active_pool.url, user: a.active_pool.user, algorithm: a.algorithm }),
    expected: { pool: POOL, user: WALLET, algorithm: 'kawpow' },
    hashrate: (a) => a.hashrate,
  },
  gminer: {
    fetch: http('/stat'),
    fixture: 'gminer/stat.v1.x-hiveos-comment.json',
    carries: (a) => ({ pool: a.server, user: a.user }),
    expected: { pool: POOL, user: WALLET },
    hashrate: (a) => a.devices.reduce((s: number, d: { speed: number }) => s + d.speed, 0),
  },
  nbminer: {
    fetch: http('/api/v1/status'),
    fixture: 'nbminer/api-v1-status.v40.0.json',
    carries: (a) => ({
      pool: a.stratum.url,
      ssl: a.stratum.use_ssl,
      user: a.stratum.user,
      algorithm: a.stratum.algorithm,
    }),
    expected: { pool: 'pool.example:3333', ssl: false, user: `${WALLET}.${WORKER}`, algorithm: 'kawpow' },
    hashrate: (a) => a.miner.total_hashrate_raw,
  },
  teamredminer: {
    fetch: tcp('{"command":"summary+devs+pools"}'),
    fixture: 'teamredminer/summary-devs-pools.constructed-hiveos-sgminer.json',
    read: (b) => JSON.parse(stripNul(b)),
    exactWire: withNul,
    carries: (a) => ({ pool: a.pools.POOLS[0].URL, user: a.pools.POOLS[0].User }),
    expected: { pool: POOL, user: `${WALLET}.${WORKER}` },
    hashrate: (a) => a.summary.SUMMARY[0]['KHS 30s'] * 1000,
  },
  'srbminer-multi': {
    fetch: http('/'),
    fixture: 'srbminer-multi/root.constructed-hiveos-ug-miner.json',
    carries: (a) => ({ pool: a.algorithms[0].pool.pool, algorithm: a.algorithms[0].name }),
    expected: { pool: 'pool.example:3333', algorithm: 'randomx' },
    hashrate: (a) => a.algorithms[0].hashrate.now,
  },
  rigel: {
    fetch: http('/stat'),
    fixture: 'rigel/stat.constructed-ug-miner-rainbowminer.json',
    carries: (a) => ({ algorithm: a.algorithm, ...a.pools.kheavyhash[0].connection_details }),
    expected: {
      algorithm: 'kheavyhash',
      hostname: 'pool.example',
      port: 3333,
      username: WALLET,
      worker: WORKER,
      ssl: false,
    },
    hashrate: (a) => a.hashrate.kheavyhash,
    renameKeys: { kheavyhash: 'kawpow' },
  },
  onezerominer: {
    fetch: http('/'),
    fixture: 'onezerominer/root.constructed-ug-miner.json',
    carries: (a) => ({ algorithm: a.algos[0].name }),
    expected: { algorithm: 'dynex' },
    hashrate: (a) => a.algos[0].total_hashrate,
  },
  miniz: {
    fetch: tcp('{"id":"0","method":"getstat"}\n'),
    fixture: 'miniz/getstat.constructed-hiveos-ug-miner.json',
    carries: (a) => ({ algorithm: a.algorithm }),
    expected: { algorithm: 'Equihash 144,5' },
    hashrate: (a) => a.result.reduce((s: number, g: { speed_sps: number }) => s + g.speed_sps, 0),
  },
  'cpuminer-opt': {
    fetch: tcp('summary'),
    fixture: 'cpuminer-opt/summary.constructed-api-c.txt',
    read: kv,
    exactWire: withNul,
    carries: (a) => ({ pool: a.URL, algorithm: a.ALGO }),
    expected: { pool: 'pool.example:3333', algorithm: 'yespower' },
    hashrate: (a) => Number(a.HS),
  },
};

/** Object keys down the tree (arrays: their first element), to compare an answer's shape with its fixture's. */
function shape(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.length ? shape(v[0], `${path}[]`) : [];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [`${path}.${k}`, ...shape(x, `${path}.${k}`)]);
}

const tested = simulatedPrograms.filter((p) => probes[p]);

describe('simulated mining programs', () => {
  it('every simulated program has a probe here and a catalogue entry', () => {
    expect([...simulatedPrograms].sort()).toEqual(Object.keys(probes).sort());
    for (const p of simulatedPrograms) expect(findSoftware(p)?.executable).toBe(programs[p]!.executable);
  });

  it('parses the catalogue default scripts into pool, wallet, worker, API address and algorithm', () => {
    for (const p of simulatedPrograms) {
      const s = programs[p]!.parseArgs(catalogueArgs(p, 4321));
      expect(s, p).toMatchObject({
        pool: POOL,
        wallet: WALLET,
        worker: WORKER,
        apiHost: '127.0.0.1',
        apiPort: 4321,
      });
      // XMRig's default script names no algorithm: the real one takes it from the pool's job.
      if (p !== 'xmrig') expect(s.algorithm, p).toBeTruthy();
    }
  });

  it('reads --flag value, --flag=value, glued short flags, and keeps the API off or on as the real program does', () => {
    const x = programs.xmrig!;
    expect(x.parseArgs(['--url=stratum+ssl://a:1', '-uW', '-p', 'w1', '--http-port=5000'])).toMatchObject({
      pool: 'stratum+ssl://a:1',
      wallet: 'W',
      worker: 'w1',
      apiHost: '127.0.0.1',
      apiPort: 5000,
    });
    expect(x.parseArgs(['-o', 'p:1', '-u', 'W'])).toMatchObject({ apiHost: null, apiPort: null });
    expect(x.parseArgs(['-O', 'W:w2', '--rig-id', 'r'])).toMatchObject({ wallet: 'W', worker: 'r' });
    // T-Rex listens on 127.0.0.1:4067 unless told otherwise; 0 turns it off.
    expect(programs['t-rex']!.parseArgs(['-o', 'p:1'])).toMatchObject({
      apiHost: '127.0.0.1',
      apiPort: 4067,
    });
    expect(programs['t-rex']!.parseArgs(['--api-bind-http', '0'])).toMatchObject({ apiPort: null });
    // lolMiner with only a port: loopback, not the real program's 0.0.0.0.
    expect(programs.lolminer!.parseArgs(['--apiport', '4444', '--user', 'W.w3'])).toMatchObject({
      apiHost: '127.0.0.1',
      apiPort: 4444,
      wallet: 'W',
      worker: 'w3',
    });
    expect(programs.gminer!.parseArgs(['-s', 'pool.example', '-n', '3333', '--api', '4000'])).toMatchObject({
      pool: 'pool.example:3333',
      apiHost: '127.0.0.1',
      apiPort: 4000,
    });
    expect(splitHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(splitHostPort('99999')).toBeNull();
    expect(splitUser('W')).toEqual({ wallet: 'W', worker: '' });
    expect(new Flags(['--a', 'x', '--a=y']).values('--a')).toEqual(['x', 'y']);
    expect(new Flags(['--api_listen', 'x']).optional('--api_listen')).toEqual({ present: true, value: null });
  });

  it.concurrent.each(tested)(
    '%s: catalogue flags, SIM-STARTED, live answer in the fixture shape, exact bytes, SIGTERM exits 0',
    async (program) => {
      const probe = probes[program]!;
      const read = probe.read ?? ((b: Buffer) => JSON.parse(b.toString('utf8')));
      const [livePort, exactPort] = await Promise.all([freePort(), freePort()]);
      const live = sim(program, catalogueArgs(program, livePort), { MRM_SIM_HASHRATE: '5000000' });
      const exact = sim(program, catalogueArgs(program, exactPort), { MRM_SIM_EXACT: '1' });
      const [line] = await Promise.all([live.started, exact.started]);
      expect(line).toMatch(
        new RegExp(
          `^SIM-STARTED program=${program} pool=${POOL.replace(/[+.]/g, '\\$&')} wallet=${WALLET} worker=${WORKER} api=127\\.0\\.0\\.1:${livePort} pid=\\d+$`,
        ),
      );
      const fixture = fixtureBytes(probe.fixture);
      const answer = read(await probe.fetch(livePort));
      const renamed = shape(answer).map((p) =>
        Object.entries(probe.renameKeys ?? {}).reduce(
          (q, [from, to]) => q.replaceAll(`.${from}`, `.${to}`),
          p,
        ),
      );
      expect(renamed).toEqual(shape(read(fixture)));
      expect(probe.carries(answer)).toEqual(probe.expected);
      expect(probe.hashrate(answer)).toBeCloseTo(5_000_000, -1);
      const exactWire = await probe.fetch(exactPort);
      expect(exactWire.equals(probe.exactWire ? probe.exactWire(fixture) : fixture)).toBe(true);
      live.child.kill('SIGTERM');
      exact.child.kill('SIGINT');
      expect(await Promise.all([live.exited, exact.exited])).toEqual([0, 0]);
    },
  );

  it('counts uptime and accepted shares up, serves the hashrate knob, and 0 means running but not hashing', async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    const args = (port: number) => ['-o', POOL, '-u', WALLET, '--http-port', String(port)];
    const hashing = sim('xmrig', args(a), { MRM_SIM_HASHRATE: '777' });
    const idle = sim('xmrig', args(b), { MRM_SIM_HASHRATE: '0' });
    await Promise.all([hashing.started, idle.started]);
    const get = async (port: number) =>
      (await (await fetch(`http://127.0.0.1:${port}/2/summary`)).json()) as any;
    const first = await get(a);
    await new Promise((r) => setTimeout(r, 2200));
    const [second, still] = await Promise.all([get(a), get(b)]);
    expect(first.hashrate.total[0]).toBe(777);
    expect(second.uptime).toBeGreaterThan(first.uptime);
    expect(second.connection.accepted).toBeGreaterThan(first.connection.accepted);
    expect(still.hashrate.total[0]).toBe(0);
    expect(still.connection.accepted).toBe(0);
    expect(hashing.output()).toMatch(/speed 10s\/60s\/15m 777\.0/);
    hashing.child.kill('SIGTERM');
    idle.child.kill('SIGTERM');
    await Promise.all([hashing.exited, idle.exited]);
  });

  it('MRM_SIM_NO_API keeps the port closed, MRM_SIM_CRASH_AFTER_MS exits 1, a taken port exits non-zero, an unknown program exits 2', async () => {
    const [quietPort, takenPort] = await Promise.all([freePort(), freePort()]);
    const quiet = sim('lolminer', ['--apiport', String(quietPort)], { MRM_SIM_NO_API: '1' });
    const crash = sim('t-rex', ['--api-bind-http', '0'], { MRM_SIM_CRASH_AFTER_MS: '300' });
    const holder = createServer().listen(takenPort, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const blocked = sim('gminer', ['--api', `127.0.0.1:${takenPort}`]);
    const unknown = sim('nosuchminer', []);
    expect(await quiet.started).toContain(`api=127.0.0.1:${quietPort}`);
    await expect(fetch(`http://127.0.0.1:${quietPort}/summary`)).rejects.toThrow();
    expect(await crash.exited).toBe(1);
    expect(await blocked.exited).toBe(3);
    expect(blocked.errors()).toMatch(/cannot listen on 127\.0\.0\.1:\d+: the port is already in use/);
    expect(await unknown.exited).toBe(2);
    holder.close();
    quiet.child.kill('SIGTERM');
    expect(await quiet.exited).toBe(0);
  });

  it('xmrig refuses requests without its access token and answers 404 off its routes', async () => {
    const port = await freePort();
    const x = sim('xmrig', ['--http-port', String(port), '--http-access-token', 'secret']);
    await x.started;
    expect((await fetch(`http://127.0.0.1:${port}/2/summary`)).status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${port}/2/backends`, {
      headers: { authorization: 'Bearer secret' },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { type: string }[]).map((b) => b.type)).toEqual(['cpu', 'cuda']);
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    x.child.kill('SIGTERM');
    await x.exited;
  });

  it('frames raw TCP answers like the real programs: sgminer JSON + NUL, cpuminer-opt text + NUL, miniZ with or without HTTP headers', async () => {
    const [trm, cpu, mz] = await Promise.all([freePort(), freePort(), freePort()]);
    const t = sim('teamredminer', ['-o', POOL, '-u', 'W.r', `--api_listen=127.0.0.1:${trm}`]);
    const c = sim('cpuminer-opt', ['-a', 'yespower', '-o', POOL, '-u', 'W.r', `-b${cpu}`, '-t', '3']);
    const m = sim('miniz', ['--url=ssl://W.r@pool.example:443', '--par=144,5', '--telemetry', String(mz)]);
    await Promise.all([t.started, c.started, m.started]);
    const single = await tcpAsk(trm, '{"command":"summary","parameter":""}');
    expect(single.at(-1)).toBe(0);
    expect(Object.keys(JSON.parse(stripNul(single)))).toEqual(['STATUS', 'SUMMARY', 'id']);
    const bad = JSON.parse(stripNul(await tcpAsk(trm, '{"command":"nosuch"}')));
    expect(bad.STATUS[0]).toMatchObject({ STATUS: 'E', Code: 14 });
    const threads = stripNul(await tcpAsk(cpu, 'threads\n'));
    expect(threads).toMatch(/^CPU=0;kH\/s=[\d.]+\|CPU=1;kH\/s=[\d.]+\|CPU=2;kH\/s=[\d.]+\|$/);
    expect(stripNul(await tcpAsk(cpu, 'GET /summary HTTP/1.1\r\n\r\n'))).toMatch(
      /^NAME=cpuminer-opt;.*;CPUS=3;URL=pool\.example:3333;/,
    );
    // quit needs --api-remote: without it the answer is the bare NUL and the miner keeps running.
    expect([...(await tcpAsk(cpu, 'quit'))]).toEqual([0]);
    expect((await tcpAsk(cpu, 'nosuch')).length).toBe(0);
    const withHeaders = (await tcpAsk(mz, '{"id":"0","method":"getstat"}\n')).toString('utf8');
    expect(withHeaders).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{/);
    expect(m.output()).toContain('pool=ssl://pool.example:443 wallet=W worker=r');
    for (const x of [t, c, m]) x.child.kill('SIGTERM');
    expect(await Promise.all([t.exited, c.exited, m.exited])).toEqual([0, 0, 0]);
  });

  it('lays every program out like its release archive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mrm-sim-layout-'));
    for (const p of simulatedPrograms) {
      const version = findSoftware(p)!.versions[0]!;
      const a = await makeMinerArchive(p, version, dir, { topLevelFolder: true, format: 'tar.gz' });
      const entries: string[] = [];
      await list({ file: a.path, onReadEntry: (e) => entries.push(e.path) });
      expect(entries, p).toEqual([
        `${programs[p]!.releaseFolder(version)}/`,
        `${programs[p]!.releaseFolder(version)}/${programs[p]!.executable}`,
      ]);
    }
    await expect(
      makeMinerArchive('nosuch', '1', dir, { topLevelFolder: false, format: 'zip' }),
    ).rejects.toThrow(/no simulated program/);
  });

  it('packs programs like their releases (tar.gz with a folder, zip without), runnable after unpacking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mrm-sim-'));
    const tgz = await makeMinerArchive('xmrig', '6.22.2', dir, { topLevelFolder: true, format: 'tar.gz' });
    expect(tgz.sha256).toMatch(/^[0-9a-f]{64}$/);
    const out = mkdtempSync(join(tmpdir(), 'mrm-sim-x-'));
    await extract({ file: tgz.path, cwd: out });
    const exe = join(out, 'xmrig-6.22.2', 'xmrig');
    expect(statSync(exe).mode & 0o777).toBe(0o755);

    const zip = await makeMinerArchive('lolminer', '1.92', dir, { topLevelFolder: false, format: 'zip' });
    const zout = mkdtempSync(join(tmpdir(), 'mrm-sim-z-'));
    execFileSync('unzip', ['-q', zip.path, '-d', zout]);
    const zexe = join(zout, 'lolMiner');
    expect(statSync(zexe).mode & 0o777).toBe(0o755);

    const [p1, p2] = await Promise.all([freePort(), freePort()]);
    const a = start(exe, ['-o', POOL, '-u', 'W', '--http-port', String(p1)]);
    const b = start(zexe, ['--pool', POOL, '--user', 'W2', '--apiport', String(p2)]);
    expect(await a.started).toContain('wallet=W ');
    expect(await b.started).toContain('wallet=W2 ');
    // The archive's version is what the API reports.
    const summary = (await (await fetch(`http://127.0.0.1:${p1}/2/summary`)).json()) as { version: string };
    expect(summary.version).toBe('6.22.2');
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
  });
});
