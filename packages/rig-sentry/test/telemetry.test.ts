import { deviceReportSchema } from '@mrm/protocol';
import { describe, expect, it } from 'vitest';
import type { MinerStats } from '../src/adapters/types.js';
import type { HardwareSnapshot } from '../src/hardware/types.js';
import type { PlaybookStatus } from '../src/supervisor.js';
import { buildRigReport } from '../src/telemetry.js';

const gpu = (busId: string, temperature: number, power: number) => ({
  vendor: 'nvidia' as const,
  busId,
  name: 'NVIDIA GeForce RTX 3080',
  temperature,
  memoryTemperature: null,
  fanPercent: 60,
  power,
  powerLimit: 250,
  coreClockMhz: 1500,
  memoryClockMhz: 9500,
  utilization: 100,
});

const hw: HardwareSnapshot = {
  cpu: { model: 'AMD Ryzen 9 5950X 16-Core Processor', cores: 16, threads: 32, load1: 12.5, temperature: 71 },
  memory: { totalBytes: 32e9, freeBytes: 20e9 },
  uptimeSeconds: 3600,
  os: 'Linux 6.1',
  gpus: [gpu('01:00.0', 61, 220), gpu('02:00.0', 64, 230)],
  probes: { nvidia: 'present', amd: 'absent' },
};

const stats = (over: Partial<MinerStats>): MinerStats => ({
  program: 'lolminer',
  version: '1.92',
  algorithm: 'etchash',
  pool: { url: 'stratum+tcp://etc.pool.example:1010', user: '0xabc.rig7' },
  hashrate: 120e6,
  accepted: 10,
  rejected: 1,
  stale: null,
  uptime: 300,
  devices: [],
  ...over,
});

const status = (over: Partial<PlaybookStatus>): PlaybookStatus => ({
  id: '00000000-0000-4000-8000-000000000001',
  name: 'GPU',
  program: 'lolminer',
  version: '1.92',
  state: 'running',
  pid: 123,
  restarts: 0,
  lastError: null,
  stats: null,
  statsNote: null,
  hashingSince: 1,
  ...over,
});

describe('rig report', () => {
  it('matches miner devices to GPUs by PCI bus id, not by the miner numbering', () => {
    // The miner numbers the GPU on bus 02 as its device 0.
    const s = stats({
      devices: [
        {
          index: 0,
          busId: '02:00.0',
          name: null,
          hashrate: 70e6,
          accepted: 6,
          rejected: 0,
          stale: null,
          temperature: 99,
          fanPercent: null,
          power: null,
        },
        {
          index: 1,
          busId: '01:00.0',
          name: null,
          hashrate: 50e6,
          accepted: 4,
          rejected: 1,
          stale: null,
          temperature: 98,
          fanPercent: null,
          power: null,
        },
      ],
    });
    const r = buildRigReport(1000, [status({ stats: s })], hw, { sentryVersion: 't' });
    expect(deviceReportSchema.safeParse(r).success).toBe(true);
    const gpus = (r.details as { gpus: { busId: string; hashrate: number; temperature: number }[] }).gpus;
    expect(gpus.map((g) => [g.busId, g.hashrate, g.temperature])).toEqual([
      ['01:00.0', 50e6, 61],
      ['02:00.0', 70e6, 64],
    ]);
    expect(r).toMatchObject({
      key: 'rig',
      status: 'mining',
      hashrate: 120e6,
      power: 450,
      algorithm: 'etchash',
      uptime: 3600,
    });
    expect(r.temperatures).toEqual([
      { name: 'cpu', value: 71 },
      { name: 'gpu 01:00.0', value: 61 },
      { name: 'gpu 02:00.0', value: 64 },
    ]);
    expect(r.pools).toEqual([
      {
        url: 'stratum+tcp://etc.pool.example:1010',
        user: '0xabc.rig7',
        status: 'running',
        accepted: 10,
        rejected: 1,
      },
    ]);
  });

  it('reports "no stats" honestly: no invented hashrate for a program without an API', () => {
    const r = buildRigReport(
      1000,
      [
        status({
          stats: null,
          statsNote: 'running, no stats: this program has no usable API',
          hashingSince: null,
        }),
      ],
      hw,
      {},
    );
    expect(r.status).toBe('starting');
    expect(r.hashrate).toBe(0);
    const pb = (r.details as { playbooks: { hashrate: number | null; statsNote: string }[] }).playbooks[0]!;
    expect(pb.hashrate).toBeNull();
    expect(pb.statsNote).toMatch(/no stats/);
  });

  it('an idle rig and a failing playbook are told apart', () => {
    expect(buildRigReport(1, [], hw, {}).status).toBe('idle');
    expect(buildRigReport(1, [status({ state: 'failing', stats: null })], null, {}).status).toBe('error');
  });
});
