import { catalogue } from '@mrm/protocol';
import { describe, expect, it } from 'vitest';
import { adapters, findAdapter } from '../src/adapters/index.js';
import { AdapterError } from '../src/adapters/types.js';

/**
 * No recorded answers exist for these programs (see simulators/fixtures/miners/README.md). These
 * answers are constructed from the field names monitoring tools read (shared research, §1b), so
 * they check the mapping and units, not the programs' exact output.
 */
const parse = (name: string, ...raw: unknown[]) =>
  findAdapter(name)!.parse(raw.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))));

describe('stats adapters for every catalogue program', () => {
  it('has one adapter per catalogue entry', () => {
    expect(Object.keys(adapters).sort()).toEqual(catalogue.map((e) => e.name).sort());
  });

  it('cpuminer-opt: KEY=value;…| text', () => {
    const s = parse(
      'cpuminer-opt',
      'NAME=cpuminer-opt;VER=25.6;API=1.0;ALGO=yespower;CPUS=8;URL=pool.example:6234;HS=1523.40;KHS=1.52;ACC=12;REJ=1;SOL=13;ACCMN=2.1;DIFF=0.01;TEMP=61.0;FAN=0;FREQ=3600000;UPTIME=340;TS=1700000000|\u0000',
    );
    expect(s).toMatchObject({
      version: '25.6',
      algorithm: 'yespower',
      hashrate: 1523.4,
      accepted: 12,
      rejected: 1,
      uptime: 340,
      pool: { url: 'pool.example:6234', user: null },
    });
    expect(() => parse('cpuminer-opt', '{"json":true}')).toThrow(AdapterError);
  });

  it('teamredminer: units in key names, summary+devs+pools', () => {
    const s = parse('teamredminer', {
      summary: [
        {
          STATUS: [{ STATUS: 'S' }],
          SUMMARY: [{ Elapsed: 900, 'KHS 30s': 25100.5, Accepted: 40, Rejected: 2, Stale: 1 }],
          id: 1,
        },
      ],
      devs: [
        {
          DEVS: [
            { GPU: 0, 'KHS 30s': 12500.25, Temperature: 61, 'Fan Percent': 45, Accepted: 20, Rejected: 1 },
            { GPU: 1, 'MHS 30s': 12.6, Temperature: 63 },
          ],
        },
      ],
      pools: [
        {
          POOLS: [
            { URL: 'stratum+tcp://kaw.pool.example:4000', User: 'RWallet.rig1', 'Stratum Active': true },
          ],
        },
      ],
    });
    expect(s).toMatchObject({
      hashrate: 25100500,
      accepted: 40,
      rejected: 2,
      stale: 1,
      uptime: 900,
      pool: { url: 'stratum+tcp://kaw.pool.example:4000', user: 'RWallet.rig1' },
    });
    expect(s.devices.map((d) => [d.index, d.hashrate, d.temperature])).toEqual([
      [0, 12500250, 61],
      [1, 12600000, 63],
    ]);
    // It gives no bus ids; the sentry does not guess them from its numbering.
    expect(s.devices.every((d) => d.busId === null)).toBe(true);
    expect(() => parse('teamredminer', { devs: [] })).toThrow(/no SUMMARY/);
  });

  it('srbminer-multi: gpu and cpu totals, integer bus ids', () => {
    const s = parse('srbminer-multi', {
      miner_version: '2.9.8',
      mining_time: 1200,
      algorithms: [
        {
          name: 'randomx',
          pool: { pool: 'xmr.pool.example:3333' },
          hashrate: { gpu: { total: 0, gpu0: 0 }, cpu: { total: 8400.5 } },
          shares: { accepted: 30, rejected: 0 },
        },
      ],
      gpu_devices: [{ id: 0, device: 'gpu0', bus_id: 3 }],
    });
    expect(s).toMatchObject({
      version: '2.9.8',
      algorithm: 'randomx',
      hashrate: 8400.5,
      accepted: 30,
      rejected: 0,
      uptime: 1200,
      pool: { url: 'xmr.pool.example:3333', user: null },
    });
    expect(s.devices[0]).toMatchObject({ busId: '03:00.0', hashrate: 0 });
  });

  it('rigel: rates keyed by algorithm, hex pci_address, monitoring info', () => {
    const s = parse('rigel', {
      version: '1.22.3',
      algorithm: 'kheavyhash',
      uptime: 3600,
      hashrate: { kheavyhash: 1.2e9 },
      solution_stat: { kheavyhash: { accepted: 90, rejected: 1, invalid: 0 } },
      devices: [
        {
          id: 0,
          name: 'RTX 3070',
          pci_address: '0b:0',
          hashrate: { kheavyhash: 1.2e9 },
          monitoring_info: { core_temperature: 58, fan_speed: 60, power_usage: 120 },
        },
      ],
      pools: {
        kheavyhash: [
          { connection_details: { hostname: 'kas.pool.example', port: 5555, username: 'kaspa:qr0' } },
        ],
      },
    });
    expect(s).toMatchObject({
      hashrate: 1.2e9,
      accepted: 90,
      rejected: 1,
      uptime: 3600,
      pool: { url: 'kas.pool.example:5555', user: 'kaspa:qr0' },
    });
    expect(s.devices[0]).toMatchObject({ busId: '0b:00.0', temperature: 58, fanPercent: 60, power: 120 });
  });

  it('onezerominer: totals only, no invented devices', () => {
    const s = parse('onezerominer', {
      algos: [{ name: 'dynex', total_hashrate: 5400.5, total_accepted_shares: 8, total_rejected_shares: 0 }],
      devices: [{ power: 180 }],
    });
    expect(s).toMatchObject({ algorithm: 'dynex', hashrate: 5400.5, accepted: 8, rejected: 0, devices: [] });
  });

  it('miniz: per GPU Sol/s with bus ids; uptime is not in its API so it stays null', () => {
    const s = parse('miniz', {
      id: 0,
      result: [
        {
          gpuid: 0,
          busid: '0000:01:00.0',
          name: 'GTX 1080',
          speed_sps: 45.5,
          accepted_shares: 10,
          rejected_shares: 0,
          temperature: 60,
          gpu_fan_speed: 55,
          gpu_power_usage: 150,
        },
        {
          gpuid: 1,
          busid: '0000:02:00.0',
          name: 'GTX 1080',
          speed_sps: 44.5,
          accepted_shares: 9,
          rejected_shares: 1,
          temperature: 62,
          gpu_fan_speed: 57,
          gpu_power_usage: 152,
        },
      ],
    });
    expect(s).toMatchObject({ hashrate: 90, accepted: 19, rejected: 1, uptime: null });
    expect(s.devices.map((d) => d.busId)).toEqual(['01:00.0', '02:00.0']);
  });

  it('bzminer: per device arrays, first algorithm', () => {
    const s = parse('bzminer', {
      pools: [{ algorithm: 'kaspa', url: 'stratum+tcp://kas.pool.example:5555', wallet: 'kaspa:qr0' }],
      devices: [
        {
          id: 0,
          name: 'RTX 3080',
          hashrate: [1.5e9, 0],
          valid_solutions: [10, 0],
          rejected_solutions: [1, 0],
          stale_solutions: [0, 0],
          power: 220,
        },
        {
          id: 1,
          name: 'RTX 3080',
          hashrate: [1.4e9, 0],
          valid_solutions: [9, 0],
          rejected_solutions: [0, 0],
          stale_solutions: [1, 0],
          power: 215,
        },
      ],
    });
    expect(s).toMatchObject({
      algorithm: 'kaspa',
      hashrate: 2.9e9,
      accepted: 19,
      rejected: 1,
      stale: 1,
      pool: { url: 'stratum+tcp://kas.pool.example:5555', user: 'kaspa:qr0' },
    });
    expect(s.devices.map((d) => d.power)).toEqual([220, 215]);
  });
});
