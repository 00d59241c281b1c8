import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { AntminerSim } from '@mrm/simulators/asics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { antminerDriver } from '../src/drivers/antminer.js';
import { Probes } from '../src/drivers/types.js';

const fixture = (f: string) =>
  JSON.parse(
    readFileSync(
      new URL(
        `../../simulators/fixtures/asic/antminer/stock-bmminer-s19pro-2022_asic-rs/${f}`,
        import.meta.url,
      ),
      'utf8',
    ),
  );
const target = (ip: string) => ({ ip, timeoutMs: 2000, maxBytes: 1024 * 1024 });

function rawExchange(host: string, port: number, req: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host, port }, () => s.write(req));
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

describe('Antminer stock driver against the simulator', () => {
  const sim = new AntminerSim({ host: '127.0.10.1' });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('serves the recording byte for byte, with the NUL terminator cgminer sends', async () => {
    const raw = await rawExchange('127.0.10.1', 4028, '{"command":"stats"}');
    const recorded = readFileSync(
      new URL(
        '../../simulators/fixtures/asic/antminer/stock-bmminer-s19pro-2022_asic-rs/stats.json',
        import.meta.url,
      ),
    );
    expect(raw.at(-1)).toBe(0);
    expect(raw.subarray(0, -1).equals(recorded)).toBe(true);
  });

  it('identifies make, model and firmware from the version reply', async () => {
    const id = await antminerDriver.detect(new Probes(target('127.0.10.1')));
    expect(id).toEqual({
      type: 'antminer',
      make: 'Antminer',
      model: 'Antminer S19 Pro',
      firmware: 'stock',
      firmwareVersion: fixture('version.json').VERSION[0].CompileTime,
    });
  });

  it('reads hashrate, boards, fans and pools in the common units', async () => {
    const r = await antminerDriver.read(target('127.0.10.1'));
    const st = fixture('stats.json').STATS[1];
    expect(r.state).toBe('mining');
    expect(r.hashrate).toBeCloseTo(st['GHS 5s'] * 1e9, 0);
    expect(r.hashrateAvg).toBeCloseTo(st['GHS av'] * 1e9, 0);
    expect(r.hashrateNominal).toBe(st.total_rateideal * 1e9);
    expect(r.boards).toHaveLength(3);
    expect(r.boards[0]).toMatchObject({
      index: 0,
      hashrate: Number(st.chain_rate1) * 1e9,
      chips: st.chain_acn1,
      boardTemp: Math.max(...st.temp_pcb1.split('-').map(Number)),
      chipTemp: Math.max(...st.temp_chip1.split('-').map(Number)),
      status: 'ok',
    });
    expect(r.fans.map((f) => f.rpm)).toEqual([st.fan1, st.fan2, st.fan3, st.fan4]);
    const pool = fixture('pools.json').POOLS[0];
    expect(r.pools[0]).toEqual({
      url: pool.URL,
      user: pool.User,
      status: pool.Status,
      accepted: pool.Accepted,
      rejected: pool.Rejected,
      stale: pool.Stale,
    });
    expect(r.uptimeS).toBe(st.Elapsed);
    expect(r.powerW).toBeUndefined(); // stock firmware does not report power
  });

  it('follows the live state: half the hashrate, warmer, a foreign pool user', async () => {
    Object.assign(sim.state, { hashrateScale: 0.5, tempOffset: 5, poolUser: 'thief.1' });
    try {
      const r = await antminerDriver.read(target('127.0.10.1'));
      const st = fixture('stats.json').STATS[1];
      expect(Math.abs(r.hashrate! / (st['GHS 5s'] * 0.5 * 1e9) - 1)).toBeLessThan(1e-6);
      expect(r.boards[0]!.boardTemp).toBe(Math.max(...st.temp_pcb1.split('-').map(Number)) + 5);
      expect(r.pools.every((p) => p.user === 'thief.1')).toBe(true);
    } finally {
      Object.assign(sim.state, { hashrateScale: 1, tempOffset: 0, poolUser: undefined });
    }
  });

  it('sleeps and wakes through the Digest-protected CGI', async () => {
    await antminerDriver.control.sleep!(target('127.0.10.1'));
    expect(sim.state.sleeping).toBe(true);
    const asleep = await antminerDriver.read(target('127.0.10.1'));
    expect(asleep.state).toBe('sleeping');
    expect(asleep.hashrate).toBe(0);
    await antminerDriver.control.wake!(target('127.0.10.1'));
    expect(sim.state.sleeping).toBe(false);
    expect(sim.controls.slice(-2)).toEqual(['sleep', 'wake']);
    expect(antminerDriver.capabilities(undefined)).toEqual(['sleep', 'wake', 'reboot']);
  });

  it('a wrong web password is an auth error and changes nothing', async () => {
    await expect(
      antminerDriver.control.sleep!({ ...target('127.0.10.1'), password: 'nope' }),
    ).rejects.toMatchObject({ reason: 'auth' });
    expect(sim.state.sleeping).toBe(false);
  });
});

describe('HTTP Digest to a miner', () => {
  it('answers a known challenge at once: one 401 for many calls, and a new challenge is taken up', async () => {
    const { createServer } = await import('node:http');
    const { DigestGate } = await import('../../simulators/src/asics/digest-auth.js');
    let gate = new DigestGate('antMiner Configuration', 'root', () => 'root');
    let challenged = 0;
    let served = 0;
    const server = createServer((req, res) => {
      const denied = gate.check(req);
      if (denied) {
        challenged++;
        res.writeHead(401, denied.headers).end(denied.body);
        return;
      }
      served++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.10.20', () => r()));
    const port = (server.address() as { port: number }).port;
    const { httpJson } = await import('../src/transport/http.js');
    const t = { ip: '127.0.10.20', port, timeoutMs: 2000, maxBytes: 1 << 20 };
    const digest = { user: 'root', password: 'root' };
    try {
      for (let i = 0; i < 3; i++)
        expect(await httpJson(t, { path: '/cgi-bin/x.cgi', digest })).toEqual({ ok: true });
      expect({ challenged, served }).toEqual({ challenged: 1, served: 3 });
      gate = new DigestGate('antMiner Configuration', 'root', () => 'root'); // the miner rebooted: new nonce
      expect(await httpJson(t, { path: '/cgi-bin/x.cgi', digest })).toEqual({ ok: true });
      expect({ challenged, served }).toEqual({ challenged: 2, served: 4 });
    } finally {
      server.close();
    }
  });
});
