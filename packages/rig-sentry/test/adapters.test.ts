import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adapters, findAdapter } from '../src/adapters/index.js';
import { nbminerAt } from '../src/adapters/nbminer.js';
import { AdapterError, type MinerStats } from '../src/adapters/types.js';
import { busFromDecimal, normalizeBusId } from '../src/adapters/util.js';

const fixture = (path: string) =>
  readFileSync(new URL(`../../simulators/fixtures/miners/${path}`, import.meta.url), 'utf8');

const parse = (name: string, ...raw: string[]): MinerStats => {
  const adapter = findAdapter(name);
  if (!adapter) throw new Error(`no adapter ${name}`);
  return adapter.parse(raw);
};

/** [index, busId, hashrate, temperature, fan %, power W] per device: the columns that map hardware. */
const rows = (s: MinerStats) =>
  s.devices.map((d) => [d.index, d.busId, d.hashrate, d.temperature, d.fanPercent, d.power]);

const NAMES = [
  'xmrig',
  'lolminer',
  'bzminer',
  't-rex',
  'gminer',
  'nbminer',
  'teamredminer',
  'srbminer-multi',
  'rigel',
  'onezerominer',
  'miniz',
  'cpuminer-opt',
];

describe('adapter registry and transports', () => {
  it('has exactly the twelve catalogue names, each adapter named like its key', () => {
    expect(Object.keys(adapters).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(findAdapter(name)?.name).toBe(name);
    expect(findAdapter('claymore')).toBeUndefined();
    // Not an own key: the prototype is no adapter.
    expect(findAdapter('toString')).toBeUndefined();
  });

  it('speaks each program’s own transport', () => {
    const t = (name: string) => findAdapter(name)?.transport;
    expect(t('xmrig')).toEqual({ kind: 'http', paths: ['/2/summary', '/2/backends'] });
    expect(t('lolminer')).toEqual({ kind: 'http', paths: ['/summary'] });
    expect(t('bzminer')).toEqual({ kind: 'http', paths: ['/status'] });
    expect(t('t-rex')).toEqual({ kind: 'http', paths: ['/summary'] });
    expect(t('gminer')).toEqual({ kind: 'http', paths: ['/stat'] });
    expect(t('nbminer')).toEqual({ kind: 'http', paths: ['/api/v1/status'] });
    expect(t('teamredminer')).toEqual({ kind: 'tcp-json', request: '{"command":"summary+devs+pools"}' });
    expect(t('srbminer-multi')).toEqual({ kind: 'http', paths: ['/'] });
    expect(t('rigel')).toEqual({ kind: 'http', paths: ['/stat'] });
    expect(t('onezerominer')).toEqual({ kind: 'http', paths: ['/'] });
    expect(t('miniz')).toEqual({ kind: 'tcp-json', request: '{"id":"0","method":"getstat"}' });
    expect(t('cpuminer-opt')).toEqual({ kind: 'tcp-text', request: 'summary' });
  });
});

describe('recorded answers', () => {
  it('xmrig v6: /2/summary and /2/backends', () => {
    const s = parse(
      'xmrig',
      fixture('xmrig/2-summary.v6.17.1-dev.json'),
      fixture('xmrig/2-backends.v6.17.1-dev.json'),
    );
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
    // Only the CUDA backend's GPU: CPU threads have no bus id and are not devices.
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

  it('xmrig v2: the /1/summary shape (no uptime, rejected = total − good)', () => {
    const s = parse('xmrig', fixture('xmrig/1-summary.v2.6.0-beta3.json'));
    expect(s).toEqual({
      program: 'xmrig',
      version: '2.6.0-beta3',
      algorithm: 'cryptonight',
      pool: { url: 'pool.monero.hashvault.pro:3333', user: null },
      hashrate: 296.24,
      accepted: 30,
      rejected: 0,
      stale: null,
      // connection.uptime (953) is the pool connection's, not the miner's.
      uptime: null,
      devices: [],
    });
    // A build without /2/backends answers nothing useful there: no GPU rows, not an error.
    expect(parse('xmrig', fixture('xmrig/1-summary.v2.6.0-beta3.json'), '').devices).toEqual([]);
    // The 10 s entry is null until the window fills: the next known window is used.
    const early = JSON.parse(fixture('xmrig/2-summary.v6.17.1-dev.json')) as {
      hashrate: { total: unknown[] };
    };
    early.hashrate.total = [null, 1190.5, null];
    expect(parse('xmrig', JSON.stringify(early)).hashrate).toBe(1190.5);
  });

  it('lolminer current: trusts the Workers array over Num_Workers and converts MH/s to H/s', () => {
    const text = fixture('lolminer/summary.v1.48.json');
    expect((JSON.parse(text) as { Num_Workers: number }).Num_Workers).toBe(2);
    const s = parse('lolminer', text);
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
    // lolMiner's "bus:dev" is decimal: 8:0 is bus 0x08.
    expect(rows(s)).toEqual([
      [0, '02:00.0', 27.43e6, 72, 68, 140.14599999999999],
      [1, '03:00.0', 29.37e6, 68, 42, 110.072],
      [2, '04:00.0', 29.37e6, 68, 42, 112.072],
      [3, '08:00.0', 26.9e6, 74, 75, 124.074],
    ]);
  });

  it('lolminer legacy (≤1.3x): Session totals, GPUs rows with unit-suffixed keys', () => {
    const s = parse('lolminer', fixture('lolminer/summary-legacy.v1.26.json'));
    expect(s).toMatchObject({
      version: '1.26',
      algorithm: 'Ethash',
      pool: { url: 'eu1.ethermine.org:5555', user: '0xF6403152cAd46F2224046C9B9F523d690E41Bffd.worker-1' },
      accepted: 35,
      // Submitted 35 − accepted 35.
      rejected: 0,
      stale: null,
      uptime: 1560,
    });
    expect(s.hashrate).toBeCloseTo(91.55e6, 3);
    // Active_GPUs says 1; two GPUs are listed, and both are reported.
    expect(s.devices).toHaveLength(2);
    expect(
      s.devices.map((d) => [d.index, d.busId, d.temperature, d.fanPercent, d.power, d.rejected]),
    ).toEqual([
      [0, '01:00.0', 47, 88, 219.857, 0],
      [1, '02:00.0', 47, 88, 219.857, 0],
    ]);
    expect(s.devices[0]?.hashrate).toBeCloseTo(91.55e6, 3);
  });

  it('t-rex API 3.3: totals, active pool, and a GPU without a bus id (it gives none)', () => {
    const s = parse('t-rex', fixture('t-rex/summary.v0.19.5-api3.3.json'));
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
    expect(rows(s)).toEqual([[0, null, 91189394, 65, 54, 237]]);
    expect(s.devices[0]?.name).toBe('RTX 3080');
  });

  it('t-rex README example (0.6.5): per-GPU shares, no power reading', () => {
    const s = parse('t-rex', fixture('t-rex/summary.doc-example.v0.6.5.json'));
    expect(s).toMatchObject({
      version: '0.6.5',
      algorithm: 'x16r',
      hashrate: 4529054,
      accepted: 6,
      rejected: 0,
      uptime: 108,
    });
    expect(rows(s)).toEqual([[0, null, 4529054, 80, 66, null]]);
    expect(s.devices[0]?.accepted).toBe(3);
  });

  it('gminer: sums devices, reads bus ids, and does not take 0 W as a power reading', () => {
    const s = parse('gminer', fixture('gminer/stat.v1.x-hiveos-comment.json'));
    expect(s).toMatchObject({
      pool: { url: 'stratum://us-east.equihash-hub.miningpoolhub.com:20595', user: 'HaloGenius.RIG-2' },
      // 17 + 19 Sol/s, counted as H/s.
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

  it('nbminer v40: raw H/s fields, decimal PCI bus numbers, uptime from start_time', () => {
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
  });

  it('nbminer v30 dual: the first algorithm’s rates, shares and pool', () => {
    const s = nbminerAt(() => (1586944619 + 3600) * 1000).parse([
      fixture('nbminer/api-v1-status.v30.0-dual.json'),
    ]);
    expect(s).toMatchObject({
      version: '30.0',
      algorithm: 'hns_ethash',
      hashrate: 708044466.8349969,
      accepted: 2,
      rejected: 0,
      uptime: 3600,
      pool: { url: 'handshake.hk.nicehash.com:3384', user: '3QHNv52ahdCyeYTGVYDPGjRzMpkknjjfAf.test' },
    });
    expect(rows(s)).toEqual([
      [0, '01:00.0', 217144297.59856823, 72, 47, 188],
      [1, '04:00.0', 168455820.79097953, 57, 0, 232],
    ]);
  });
});

describe('constructed answers (programs with no recorded sample)', () => {
  it('bzminer: per-algorithm arrays, decimal pci_bus_id, idle devices skipped, string numbers', () => {
    const s = parse('bzminer', fixture('bzminer/status.constructed-ug-miner.json'));
    expect(s).toMatchObject({
      program: 'bzminer',
      algorithm: 'kaspa',
      pool: null,
      accepted: 413,
      rejected: 1,
      stale: 5,
      uptime: null,
      version: null,
    });
    // 1052340000.5 + "987650000.25" (sent as a string).
    expect(s.hashrate).toBeCloseTo(2039990000.75, 2);
    // Bus 11 (decimal) is 0x0b; the third device (empty message) mines nothing and is left out.
    expect(rows(s)).toEqual([
      [0, '01:00.0', 1052340000.5, null, null, 182.5],
      [1, '0b:00.0', 987650000.25, null, null, 171],
    ]);
  });

  it('teamredminer: units in key names, object sub-answers as HiveOS reads them', () => {
    const text = fixture('teamredminer/summary-devs-pools.constructed-hiveos-sgminer.json');
    const s = parse('teamredminer', text);
    expect(s).toMatchObject({
      program: 'teamredminer',
      version: '0.10.21',
      algorithm: null,
      pool: { url: 'stratum+tcp://rvn.2miners.com:6060', user: 'RKkNpyJhDgNd6u4HPbrM7p3GHBpr3p7wsm.rig1' },
      accepted: 120,
      rejected: 1,
      stale: 2,
      uptime: 5400,
    });
    expect(s.hashrate).toBeCloseTo(53160430, 3);
    expect(
      s.devices.map((d) => [d.index, d.busId, d.temperature, d.fanPercent, d.power, d.accepted, d.rejected]),
    ).toEqual([
      [0, null, 61, 45, null, 63, 1],
      [1, null, 58, 38, null, 57, 0],
    ]);
    expect(s.devices[0]?.hashrate).toBeCloseTo(27150320, 3);
    expect(s.devices[1]?.hashrate).toBeCloseTo(26010110, 3);
    // sgminer proper wraps each sub-answer in a one-element array: same result.
    const answer = JSON.parse(text) as Record<string, unknown>;
    const wrapped = Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, [v]]));
    expect(parse('teamredminer', JSON.stringify(wrapped))).toEqual(s);
    // TCP answers may end in NUL.
    expect(parse('teamredminer', `${text}\u0000`)).toEqual(s);
    expect(() => parse('teamredminer', '{"STATUS":[{"STATUS":"E","Msg":"Invalid command"}]}')).toThrow(
      AdapterError,
    );
  });

  it('srbminer-multi: gpuN rates joined to gpu_devices by id, decimal bus_id', () => {
    const s = parse('srbminer-multi', fixture('srbminer-multi/root.constructed-hiveos-ug-miner.json'));
    expect(s).toMatchObject({
      program: 'srbminer-multi',
      version: '2.4.9',
      algorithm: 'kawpow',
      pool: { url: 'rvn.2miners.com:6060', user: null },
      // gpu.total + cpu.total (0).
      hashrate: 27480000.12,
      accepted: 98,
      rejected: 2,
      stale: null,
      uptime: 5400,
    });
    expect(s.devices.map((d) => [d.index, d.busId, d.name, d.hashrate, d.power])).toEqual([
      [0, '03:00.0', 'Radeon RX 6600', 12890000.05, 62],
      [1, '0a:00.0', 'Radeon RX 6600 XT', 14590000.07, 71],
    ]);
    expect(() => parse('srbminer-multi', '{"hashrate_total_now":1}')).toThrow(AdapterError);
  });

  it('rigel: values keyed by algorithm, hex pci_address, monitoring_info', () => {
    const s = parse('rigel', fixture('rigel/stat.constructed-ug-miner-rainbowminer.json'));
    expect(s).toMatchObject({
      program: 'rigel',
      version: null,
      algorithm: 'kawpow',
      pool: { url: 'rvn.2miners.com:6060', user: 'RKkNpyJhDgNd6u4HPbrM7p3GHBpr3p7wsm' },
      hashrate: 52410000.5,
      accepted: 310,
      rejected: 2,
      stale: null,
      uptime: 7260,
    });
    expect(rows(s)).toEqual([
      [0, '01:00.0', 26100000.25, 57, 52, 124.8],
      [1, '0b:00.0', 26310000.25, 60, 58, 126.5],
    ]);
    expect(s.devices.map((d) => [d.accepted, d.rejected])).toEqual([
      [158, 1],
      [152, 1],
    ]);
  });

  it('onezerominer: totals of the first algorithm, no unmatched device rows', () => {
    const s = parse('onezerominer', fixture('onezerominer/root.constructed-ug-miner.json'));
    expect(s).toEqual({
      program: 'onezerominer',
      version: null,
      algorithm: 'dynex',
      pool: null,
      hashrate: 10245.6,
      accepted: 44,
      rejected: 1,
      stale: null,
      uptime: null,
      devices: [],
    });
  });

  it('miniz: Sol/s per GPU with bus ids, sums as totals, no uptime', () => {
    const text = fixture('miniz/getstat.constructed-hiveos-ug-miner.json');
    const s = parse('miniz', text);
    expect(s).toMatchObject({
      program: 'miniz',
      version: '2.4e',
      algorithm: 'Equihash 144,5',
      pool: null,
      hashrate: 160.75,
      accepted: 83,
      rejected: 1,
      stale: null,
      uptime: null,
    });
    expect(rows(s)).toEqual([
      [0, '01:00.0', 79.5, 58, 60, 131],
      [1, '0a:00.0', 81.25, 63, 67, 140],
    ]);
    expect(parse('miniz', `${text}\u0000`)).toEqual(s);
    expect(() => parse('miniz', '{"id":"0","error":"bad method","result":null}')).toThrow(AdapterError);
  });

  it('cpuminer-opt: KEY=value;…| text, H/s from HS, and KHS on older builds', () => {
    const text = fixture('cpuminer-opt/summary.constructed-api-c.txt');
    const s = parse('cpuminer-opt', text);
    expect(s).toEqual({
      program: 'cpuminer-opt',
      version: '23.15',
      algorithm: 'yespower',
      pool: { url: 'yespower.eu.mine.zpool.ca:6234', user: null },
      hashrate: 2813.47,
      accepted: 57,
      rejected: 1,
      stale: null,
      uptime: 3600,
      devices: [],
    });
    // The program sends strlen+1 bytes: the answer ends in NUL.
    expect(parse('cpuminer-opt', `${text}\u0000`)).toEqual(s);
    const old = parse(
      'cpuminer-opt',
      'NAME=cpuminer-opt;VER=3.8.8;API=1.0;ALGO=lyra2z;CPUS=4;KHS=1.52;ACC=3;REJ=0;UPTIME=360|',
    );
    expect(old).toMatchObject({ hashrate: 1520, accepted: 3, uptime: 360, pool: null });
    // The threads fixture agrees with the summary it goes with.
    const threads = fixture('cpuminer-opt/threads.constructed-api-c.txt')
      .split('|')
      .filter(Boolean)
      .map((r) => Number(r.split('H/s=')[1]));
    expect(threads).toHaveLength(8);
    expect(threads.reduce((a, b) => a + b, 0)).toBeCloseTo(2813.47, 2);
  });
});

describe('answers that cannot be understood', () => {
  it('every adapter throws AdapterError on a non-JSON / non-summary answer', () => {
    for (const name of NAMES) {
      const adapter = findAdapter(name);
      const raw =
        adapter?.transport.kind === 'http'
          ? adapter.transport.paths.map(() => '<html>404</html>')
          : ['<html>'];
      expect(() => adapter?.parse(raw), name).toThrow(AdapterError);
    }
  });

  it('a JSON answer of the wrong shape throws too', () => {
    for (const name of NAMES.filter((n) => n !== 'cpuminer-opt')) {
      expect(() => findAdapter(name)?.parse(['[1,2,3]', '[]']), name).toThrow(AdapterError);
    }
    expect(() => parse('xmrig', '{"id":"x"}')).toThrow(/not an XMRig summary/);
    expect(() => parse('lolminer', '{"Software":"x"}')).toThrow(AdapterError);
    expect(() => parse('rigel', '{"algorithm":"kawpow"}')).toThrow(AdapterError);
    expect(() => parse('bzminer', '{"pools":[]}')).toThrow(AdapterError);
    expect(() => parse('onezerominer', '{"algos":[]}')).toThrow(AdapterError);
    expect(() => parse('miniz', '{"id":"0","error":null}')).toThrow(AdapterError);
    expect(() => parse('cpuminer-opt', '{"json":true}')).toThrow(AdapterError);
    expect(() => findAdapter('xmrig')?.parse([])).toThrow(/no answer/);
  });

  it('tolerates a trailing NUL on JSON answers', () => {
    const withNul = `${fixture('lolminer/summary.v1.48.json')}\u0000`;
    expect(parse('lolminer', withNul).accepted).toBe(1234);
    // T-Rex 0.19.5 even puts an escaped NUL inside a string; that is just JSON.
    expect(parse('t-rex', `${fixture('t-rex/summary.v0.19.5-api3.3.json')}\u0000\u0000`).hashrate).toBe(
      91189394,
    );
  });
});

describe('PCI bus ids', () => {
  it('normalises every form miners and tools use', () => {
    expect(normalizeBusId('00000000:01:00.0')).toBe('01:00.0');
    expect(normalizeBusId('0000:0a:00.0')).toBe('0a:00.0');
    expect(normalizeBusId('0000:0A:00.0')).toBe('0a:00.0');
    expect(normalizeBusId('1:0')).toBe('01:00.0');
    expect(normalizeBusId('0b:0')).toBe('0b:00.0');
    expect(normalizeBusId(3)).toBe('03:00.0');
    expect(normalizeBusId(48)).toBe('30:00.0');
    expect(normalizeBusId('03')).toBe('03:00.0');
    expect(normalizeBusId('garbage')).toBeNull();
    expect(normalizeBusId('')).toBeNull();
    expect(normalizeBusId(null)).toBeNull();
    expect(normalizeBusId(256)).toBeNull();
    expect(normalizeBusId(1.5)).toBeNull();
    // lolMiner's "bus:device" is decimal: bus 10 is 0x0a.
    expect(busFromDecimal('10:0')).toBe('0a:00.0');
    expect(busFromDecimal('300:0')).toBeNull();
  });
});
