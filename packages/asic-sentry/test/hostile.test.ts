import { readFileSync } from 'node:fs';
import { AntminerSim, AvalonSim } from '@mrm/simulators/asics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { antminerDriver } from '../src/drivers/antminer.js';
import { avalonDriver } from '../src/drivers/avalon.js';
import { parseLooseJson } from '../src/loose-json.js';
import { count, durationS, nonNeg, num, suffixedToHs, toHs } from '../src/units.js';

const raw = (rel: string) =>
  readFileSync(new URL(`../../simulators/fixtures/asic/${rel}`, import.meta.url), 'utf8');

describe('repairing what firmwares send', () => {
  it.each([
    'antminer/stock-cgminer-d3-blissz-2018_foreman/stats.txt',
    'antminer/stock-cgminer-l3plus-2018_foreman/stats.txt',
    'antminer/stock-z11_foreman/stats.txt',
    'hiveon/s9-hiveon_foreman/stats.txt',
    'mskminer/s9-mskminer_foreman/stats.txt',
    'vnish/s9-vnish-3.8.6-nicehash_foreman/stats.txt',
  ])('two STATS objects joined with }{ in %s', (file) => {
    const text = raw(file);
    expect(() => JSON.parse(text)).toThrow();
    const v = parseLooseJson(`${text}\0`) as any;
    expect(v.STATS.length).toBeGreaterThanOrEqual(2);
    expect(v.STATS[0]).toHaveProperty('Type');
  });

  it('bare nan in an Avalon reply', () => {
    const v = parseLooseJson(raw('avalon/a10xx-2020_foreman/pools+summary+stats-2.txt')) as any;
    expect(typeof v).toBe('object');
  });

  it("\\' escapes in a Whatsminer summary", () => {
    const v = parseLooseJson(raw('whatsminer/m20s-fw20200917_foreman/summary.txt')) as any;
    expect(v.SUMMARY[0]['Firmware Version']).toMatch(/^'.*'$/);
  });

  it('a stray tail after the object (S9k version)', () => {
    const v = parseLooseJson(raw('antminer/stock-s9k_foreman/version.txt')) as any;
    expect(v.VERSION[0].Type).toBe('Antminer S9k');
  });

  it('duplicate keys: the last one wins, as the firmware means', () => {
    expect(parseLooseJson('{"a":1,"a":2}\0')).toEqual({ a: 2 });
  });

  it('a reply cut short by a full send buffer is closed up', () => {
    const v = parseLooseJson('{"STATUS":[{"STATUS":"S"}],"SUMMARY":[{"Elapsed":5,"GHS 5s":1') as any;
    expect(v.SUMMARY[0].Elapsed).toBe(5);
  });

  it('garbage is a clear error, not a crash', () => {
    expect(() => parseLooseJson('\x8f\x01garbage')).toThrow(/not JSON/);
  });
});

describe('units', () => {
  it('converts every unit the firmwares use to H/s', () => {
    expect(toHs(2, 'MH/s')).toBe(2e6);
    expect(toHs('37603.30', 'GH')).toBeCloseTo(37603.3e9);
    expect(toHs(1.5, 'TH/s')).toBe(1.5e12);
    expect(toHs(7, 'H')).toBe(7);
    expect(suffixedToHs('15011G')).toBe(15011e9);
    expect(suffixedToHs('2.5 TH/s')).toBe(2.5e12);
    expect(() => toHs(1, 'furlongs')).toThrow(/unknown hashrate unit/);
  });

  it('drops NaN, infinities and negative readings instead of passing them on', () => {
    expect(num('nan')).toBeUndefined();
    expect(num(Number.NaN)).toBeUndefined();
    expect(num(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(nonNeg(-273)).toBeUndefined();
    expect(count('-4')).toBeUndefined();
    expect(num('83.0 °C')).toBe(83);
    expect(durationS('01:02:03:04')).toBe(93784);
    expect(durationS('1d 2h 3m 4s')).toBe(93784);
  });
});

describe('hostile miners affect only themselves, with a clear reason', () => {
  const sim = new AntminerSim({ host: '127.0.10.10' });
  const av = new AvalonSim({ host: '127.0.10.11' });
  beforeAll(async () => {
    await sim.start();
    await av.start();
  });
  afterAll(async () => {
    await sim.stop();
    await av.stop();
  });
  const t = (ip: string, timeoutMs = 1500) => ({ ip, timeoutMs, maxBytes: 1024 * 1024 });

  it('a slow miner times out', async () => {
    sim.state.slowMs = 2000;
    try {
      await expect(antminerDriver.read(t('127.0.10.10', 300))).rejects.toMatchObject({ reason: 'timeout' });
    } finally {
      sim.state.slowMs = 0;
    }
  });

  it('a 10 MiB answer is cut off at the cap', async () => {
    sim.state.fault = 'oversized';
    try {
      await expect(antminerDriver.read(t('127.0.10.10'))).rejects.toMatchObject({ reason: 'too_large' });
    } finally {
      sim.state.fault = 'none';
    }
  });

  it('random bytes are malformed', async () => {
    sim.state.fault = 'garbage';
    try {
      await expect(antminerDriver.read(t('127.0.10.10'))).rejects.toMatchObject({ reason: 'malformed' });
    } finally {
      sim.state.fault = 'none';
    }
  });

  it('a truncated answer is closed up and read: the fields before the cut survive', async () => {
    av.state.fault = 'truncated';
    try {
      const r = await avalonDriver.read(t('127.0.10.11'));
      expect(r.make).toBe('Avalon');
      expect(r.state).toBe('mining');
      expect(r.boards).toHaveLength(3);
      expect(r.hashrate).toBeGreaterThan(0);
    } finally {
      av.state.fault = 'none';
    }
  });

  it('invalid UTF-8 inside the JSON structure is refused as malformed, with the bytes shown', async () => {
    av.state.fault = 'invalid-utf8';
    try {
      await expect(avalonDriver.read(t('127.0.10.11'))).rejects.toMatchObject({
        reason: 'malformed',
        message: expect.stringMatching(/reply is not JSON \(\d+ bytes, starts /),
      });
    } finally {
      av.state.fault = 'none';
    }
  });

  it('NaN and negative numbers never reach the reading', async () => {
    sim.state.fault = 'nan';
    try {
      const r = await antminerDriver.read(t('127.0.10.10'));
      const numbers = [
        r.hashrate,
        r.hashrateAvg,
        ...r.boards.flatMap((b) => [b.hashrate, b.boardTemp, b.chipTemp]),
        ...r.fans.map((f) => f.rpm),
      ];
      // The fault turns every bare number negative: the fan speeds all go, the boards (their rates
      // are strings in this firmware) stay, and every number that does come through is a real reading.
      expect(r.fans).toEqual([]);
      expect(r.boards).toHaveLength(3);
      expect(r.boards.every((b) => b.hashrate! > 0 && b.chips === undefined)).toBe(true);
      for (const n of numbers) if (n !== undefined) expect(Number.isFinite(n) && n >= 0).toBe(true);
    } finally {
      sim.state.fault = 'none';
    }
  });
});
