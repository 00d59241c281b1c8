import { readFileSync } from 'node:fs';
import { AntminerSim, AvalonSim, InnosiliconSim } from '@mrm/simulators/asics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { antminerDriver } from '../src/drivers/antminer.js';
import { avalonDriver, parseMmString } from '../src/drivers/avalon.js';
import { innosiliconDriver } from '../src/drivers/innosilicon.js';
import { Probes } from '../src/drivers/types.js';

const fx = (rel: string) =>
  JSON.parse(readFileSync(new URL(`../../simulators/fixtures/asic/${rel}`, import.meta.url), 'utf8'));
const target = (ip: string) => ({ ip, timeoutMs: 2000, maxBytes: 1024 * 1024 });

describe('Avalon driver', () => {
  const sim = new AvalonSim({ host: '127.0.10.2' });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const mm = parseMmString(fx('avalon/a1566-fw24102401_pyasic/rpc_estats.json').STATS[0]['MM ID0']);

  it('identifies the Avalon from its version reply, and the stock Antminer driver does not claim it', async () => {
    const p = new Probes(target('127.0.10.2'));
    expect(await avalonDriver.detect(p)).toMatchObject({
      type: 'avalon',
      make: 'Avalon',
      model: 'Avalon 15-194',
    });
    expect(await antminerDriver.detect(p)).toBeNull();
    expect(await innosiliconDriver.detect(p)).toBeNull();
  });

  it('reads the MM string: rates per board, chip counts, temperatures, fans, wall power', async () => {
    const r = await avalonDriver.read(target('127.0.10.2'));
    expect(r.state).toBe('mining');
    expect(r.hashrate).toBe(Number(mm.get('GHSmm')![0]) * 1e9);
    expect(r.boards.map((b) => b.hashrate)).toEqual(mm.get('MGHS')!.map((v) => Number(v) * 1e9));
    expect(r.boards[0]!.chips).toBe(mm.get('PVT_T0')!.length);
    expect(r.boards.map((b) => b.chipTemp)).toEqual(mm.get('MTmax')!.map(Number));
    expect(r.fans).toEqual([
      { name: 'fan1', rpm: Number(mm.get('Fan1')![0]) },
      { name: 'fan2', rpm: Number(mm.get('Fan2')![0]) },
    ]);
    expect(r.powerW).toBe(Number(mm.get('WALLPOWER')![0]));
    expect(r.efficiencyJTH).toBeCloseTo(r.powerW! / (r.hashrate! / 1e12), 1);
    expect(r.pools[0]!.user).toBe(fx('avalon/a1566-fw24102401_pyasic/rpc_pools.json').POOLS[0].User);
  });

  it('sleeps with softoff and wakes with softon, scheduled a few seconds ahead', async () => {
    await avalonDriver.control.sleep!(target('127.0.10.2'));
    expect((await avalonDriver.read(target('127.0.10.2'))).state).toBe('sleeping');
    await avalonDriver.control.wake!(target('127.0.10.2'));
    expect((await avalonDriver.read(target('127.0.10.2'))).state).toBe('mining');
    expect(sim.controls).toEqual(['sleep', 'wake']);
  });
});

describe('Innosilicon driver', () => {
  const sim = new InnosiliconSim({ host: '127.0.10.3' });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('identifies model and firmware from the innominer banner', async () => {
    const p = new Probes(target('127.0.10.3'));
    expect(await innosiliconDriver.detect(p)).toEqual({
      type: 'innosilicon',
      make: 'Innosilicon',
      model: 'A9',
      firmware: 'stock',
      firmwareVersion: '1.1.0',
    });
    expect(await antminerDriver.detect(p)).toBeNull();
    expect(await avalonDriver.detect(p)).toBeNull();
  });

  it('reads summary and per-chain chips and temperatures; A9 counts sol/s in its MHS fields', async () => {
    const r = await innosiliconDriver.read(target('127.0.10.3'));
    const s = fx('innosilicon/a9-new-fw_foreman/summary.json').SUMMARY[0];
    const chains = fx('innosilicon/a9-new-fw_foreman/stats.json').STATS.filter(
      (c: any) => c['Chain ID'] !== undefined,
    );
    expect(r.hashrate).toBe(s['MHS 5s']);
    expect(r.algorithm).toBe('Equihash');
    expect(r.boards).toHaveLength(chains.length);
    expect(r.boards[0]).toMatchObject({ chips: chains[0]['Num active chips'], boardTemp: chains[0].Temp });
    expect(r.uptimeS).toBe(s.Elapsed);
    expect(innosiliconDriver.capabilities(undefined)).toEqual([]);
  });
});

describe('one host, many drivers', () => {
  const sim = new AntminerSim({ host: '127.0.10.4' });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('asks each probe once however many drivers look at it', async () => {
    const p = new Probes(target('127.0.10.4'));
    const a = p.rpc('version');
    expect(p.rpc('version')).toBe(a);
    expect(await avalonDriver.detect(p)).toBeNull();
    expect((await antminerDriver.detect(p))?.model).toBe('Antminer S19 Pro');
  });
});
