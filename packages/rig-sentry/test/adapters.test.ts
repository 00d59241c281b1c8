import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findAdapter } from '../src/adapters/index.js';
import { AdapterError } from '../src/adapters/types.js';
import { busFromDecimal, normalizeBusId } from '../src/adapters/util.js';

const fixture = (path: string) =>
  readFileSync(new URL(`../../simulators/fixtures/miners/${path}`, import.meta.url), 'utf8');

describe('stats adapters against recorded answers', () => {
  it('xmrig: /2/summary and /2/backends', () => {
    const s = findAdapter('xmrig')!.parse([
      fixture('xmrig/2-summary.v6.17.1-dev.json'),
      fixture('xmrig/2-backends.v6.17.1-dev.json'),
    ]);
    expect(s).toMatchObject({
      program: 'xmrig',
      version: '6.17.1-dev',
      algorithm: 'rx/0',
      pool: { url: 'some.pool:20064', user: null },
      hashrate: 1207.19,
      accepted: 3,
      rejected: 0,
      stale: null,
      uptime: 106,
    });
    // The CUDA backend's GPU, by bus id, with its health readings.
    expect(s.devices).toEqual([
      {
        index: 0,
        busId: '01:00.0',
        name: 'NVIDIA GeForce GTX 970',
        hashrate: 246.77,
        accepted: null,
        rejected: null,
        stale: null,
        temperature: 69,
        fanPercent: 100,
        power: 161,
      },
    ]);
  });

  it('lolminer: trusts the Workers array over Num_Workers and converts MH/s to H/s', () => {
    const s = findAdapter('lolminer')!.parse([fixture('lolminer/summary.v1.48.json')]);
    expect(s).toMatchObject({
      program: 'lolminer',
      version: '1.48',
      algorithm: 'Ethash',
      uptime: 43001,
      accepted: 1234,
      rejected: 0,
      stale: 0,
    });
    expect(s.hashrate).toBeCloseTo(113.0692608e6, 0);
    expect(s.pool).toEqual({
      url: 'eth-sg.flexpool.io:5555',
      user: '0x0A648730D8E975987D962DBe600C204B228D1026.RIG-A-AMD',
    });
    expect(s.devices.map((d) => [d.busId, d.hashrate, d.temperature, d.fanPercent, d.power])).toEqual([
      ['02:00.0', 27.43e6, 72, 68, 140.14599999999999],
      ['03:00.0', 29.37e6, 68, 42, 110.072],
      ['04:00.0', 29.37e6, 68, 42, 112.072],
      ['08:00.0', 26.9e6, 74, 75, 124.074],
    ]);
  });

  it('t-rex: totals, active pool, and a GPU without a bus id in API 3.3 (it gives none)', () => {
    const s = findAdapter('t-rex')!.parse([fixture('t-rex/summary.v0.19.5-api3.3.json')]);
    expect(s).toMatchObject({
      program: 't-rex',
      version: '0.19.5',
      algorithm: 'ethash',
      pool: {
        url: 'stratum+ssl://eu1.ethermine.org:5555',
        user: '0x0000000000000000000000000000000000000000',
      },
      hashrate: 91189394,
      accepted: 2,
      rejected: 3,
      uptime: 76,
    });
    expect(s.devices).toHaveLength(1);
    expect(s.devices[0]).toMatchObject({
      index: 0,
      busId: null,
      name: 'RTX 3080',
      hashrate: 91189394,
      temperature: 65,
      fanPercent: 54,
      power: 237,
    });
  });

  it('gminer: sums devices, reads bus ids, and does not take 0 W as a power reading', () => {
    const s = findAdapter('gminer')!.parse([fixture('gminer/stat.v1.x-hiveos-comment.json')]);
    expect(s).toMatchObject({
      pool: { url: 'stratum://us-east.equihash-hub.miningpoolhub.com:20595', user: 'HaloGenius.RIG-2' },
      hashrate: 36,
      accepted: 4,
      rejected: 0,
      uptime: 376,
    });
    expect(s.devices.map((d) => [d.busId, d.hashrate, d.temperature, d.power])).toEqual([
      ['01:00.0', 17, 47, null],
      ['02:00.0', 19, 55, null],
    ]);
  });

  it('nbminer: raw H/s fields, decimal PCI bus numbers, uptime from start_time', async () => {
    const { nbminerAt } = await import('../src/adapters/nbminer.js');
    const s = nbminerAt(() => (1637549633 + 600) * 1000).parse([fixture('nbminer/api-v1-status.v40.0.json')]);
    expect(s).toMatchObject({
      version: '40.0',
      algorithm: 'ethash',
      hashrate: 146567481.51336715,
      accepted: 7,
      rejected: 0,
      uptime: 600,
    });
    expect(s.pool).toEqual({
      url: 'asia2.ethermine.org:5555',
      user: '0x4296116d44a4a7259B52B1A756e19083e675062A',
    });
    // Bus 48 (decimal) is 0x30.
    expect(s.devices.map((d) => [d.busId, d.hashrate, d.temperature, d.power])).toEqual([
      ['01:00.0', 61497708.17088159, 57, 131],
      ['30:00.0', 85069773.34248555, 64, 258],
    ]);
    const dual = findAdapter('nbminer')!.parse([fixture('nbminer/api-v1-status.v30.0-dual.json')]);
    expect(dual.hashrate).toBeGreaterThan(0);
    expect(dual.devices.length).toBeGreaterThan(0);
  });

  it('refuses answers it cannot understand and tolerates a trailing NUL', () => {
    expect(() => findAdapter('xmrig')!.parse(['<html>', '[]'])).toThrow(AdapterError);
    expect(() => findAdapter('lolminer')!.parse(['{"Software":"x"}'])).toThrow(/not supported/);
    const withNul = `${fixture('lolminer/summary.v1.48.json')}\u0000`;
    expect(findAdapter('lolminer')!.parse([withNul]).accepted).toBe(1234);
  });

  it('normalises PCI bus ids from every form miners and tools use', () => {
    expect(normalizeBusId('00000000:01:00.0')).toBe('01:00.0');
    expect(normalizeBusId('0000:0A:00.0')).toBe('0a:00.0');
    expect(normalizeBusId('2:0')).toBe('02:00.0');
    // lolMiner's "bus:device" is decimal: bus 10 is 0x0a.
    expect(busFromDecimal('10:0')).toBe('0a:00.0');
    expect(busFromDecimal('300:0')).toBeNull();
    expect(normalizeBusId(3)).toBe('03:00.0');
    expect(normalizeBusId('garbage')).toBeNull();
    expect(normalizeBusId(null)).toBeNull();
  });
});
