import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { describe, expect, it } from 'vitest';
import { fakeMinerBin, makeMinerArchive } from '../src/index.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function start(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d.toString();
  });
  const started = new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /SIM-STARTED [^\n]*/.exec(out);
      if (m) {
        clearInterval(t);
        resolve(m[0]);
      }
    }, 20);
    child.on('exit', (code) => {
      clearInterval(t);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, started, exited };
}

const fixture = (p: string) => readFileSync(new URL(`../fixtures/miners/${p}`, import.meta.url), 'utf8');

describe('simulated mining programs', () => {
  it('xmrig takes the real flags, echoes them, serves the fixture byte for byte, and stops on SIGTERM', async () => {
    const port = await freePort();
    const sim = start(
      process.execPath,
      [
        fakeMinerBin,
        'xmrig',
        '--url',
        'stratum+tcp://pool.example:3333',
        '--user',
        'WALLET',
        '--pass',
        'rig7',
        '--http-host',
        '127.0.0.1',
        '--http-port',
        String(port),
      ],
      { MRM_SIM_EXACT: '1' },
    );
    expect(await sim.started).toMatch(
      new RegExp(
        `program=xmrig pool=stratum\\+tcp://pool.example:3333 wallet=WALLET worker=rig7 api=127.0.0.1:${port} pid=\\d+`,
      ),
    );
    const summary = await (await fetch(`http://127.0.0.1:${port}/2/summary`)).text();
    expect(summary).toBe(fixture('xmrig/2-summary.v6.17.1-dev.json'));
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('lolminer serves live figures in the fixture shape with the pool and wallet it was given', async () => {
    const port = await freePort();
    const sim = start(
      process.execPath,
      [
        fakeMinerBin,
        'lolminer',
        '--algo',
        'ETCHASH',
        '--pool',
        'stratum+tcp://etc.example:1010',
        '--user',
        '0xabc',
        '--worker',
        'rig7',
        '--apihost',
        '127.0.0.1',
        '--apiport',
        String(port),
      ],
      { MRM_SIM_HASHRATE: '50000000' },
    );
    await sim.started;
    const live = (await (await fetch(`http://127.0.0.1:${port}/summary`)).json()) as Record<string, any>;
    const recorded = JSON.parse(fixture('lolminer/summary.v1.48.json'));
    expect(Object.keys(live)).toEqual(Object.keys(recorded));
    expect(live.Algorithms[0]).toMatchObject({
      Pool: 'stratum+tcp://etc.example:1010',
      User: '0xabc',
      Worker: 'rig7',
      Total_Performance: 50,
    });
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('packs a program like its release, runnable after unpacking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mrm-sim-'));
    const a = await makeMinerArchive('xmrig', '6.22.2', dir, { topLevelFolder: true, format: 'tar.gz' });
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    const out = mkdtempSync(join(tmpdir(), 'mrm-sim-x-'));
    await extract({ file: a.path, cwd: out });
    const port = await freePort();
    const sim = start(join(out, 'xmrig-6.22.2', 'xmrig'), [
      '-o',
      'stratum+tcp://p:1',
      '-u',
      'W',
      '--http-port',
      String(port),
    ]);
    expect(await sim.started).toContain('wallet=W');
    sim.child.kill('SIGTERM');
    await sim.exited;
  });

  it('refuses an unknown program and a port that is taken', async () => {
    const unknown = start(process.execPath, [fakeMinerBin, 'nosuchminer']);
    await expect(unknown.started).rejects.toThrow(/exited 2/);
    const port = await freePort();
    const first = start(process.execPath, [fakeMinerBin, 'xmrig', '--http-port', String(port)]);
    await first.started;
    await new Promise((r) => setTimeout(r, 300));
    const second = start(process.execPath, [fakeMinerBin, 'xmrig', '--http-port', String(port)]);
    second.started.catch(() => {}); // it prints SIM-STARTED, then fails to listen
    expect(await second.exited).toBe(3);
    first.child.kill('SIGTERM');
    await first.exited;
  });
});
