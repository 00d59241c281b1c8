import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeAmd } from '../src/hardware/amd.js';
import { cpuTemperature, probeCpu } from '../src/hardware/cpu.js';
import { probeHardware } from '../src/hardware/index.js';
import { NVIDIA_ARGS, parseNvidiaCsv, probeNvidia } from '../src/hardware/nvidia.js';
import { PowerLimiter, planPowerLimits } from '../src/hardware/power-limit.js';

const fx = (p: string) => new URL(`./fixtures/hardware/${p}`, import.meta.url).pathname;
const nv = (p: string) => readFileSync(fx(`nvidia-smi/csv/${p}`), 'utf8');

/** A sysfs-like root holding one fixture card as class/drm/cardN, without touching the fixture. */
function sysWithCard(fixtureCard: string, name: string): string {
  const root = mkdtempSync(join(tmpdir(), 'mrm-sys-'));
  mkdirSync(join(root, 'class', 'drm'), { recursive: true });
  cpSync(fx(fixtureCard), join(root, 'class', 'drm', name), { recursive: true });
  return root;
}

describe('NVIDIA probe', () => {
  it('reads the recorded captures by column name, with units, [N/A] and bus ids', () => {
    const [rtx] = parseNvidiaCsv(nv('linux-rtx4080super-595.71.05_nvidia-gpu-exporter/load.csv'));
    expect(rtx).toMatchObject({
      vendor: 'nvidia',
      busId: '01:00.0',
      name: 'NVIDIA GeForce RTX 4080 SUPER',
      temperature: 46,
      memoryTemperature: null,
      fanPercent: 0,
      power: 84.24,
      powerLimit: 320,
      coreClockMhz: 2805,
      memoryClockMhz: 11251,
      utilization: 7,
    });
    const [h100] = parseNvidiaCsv(nv('linux-h100-80gb-hbm3-590.48.01_nvidia-gpu-exporter/load.csv'));
    expect(h100).toMatchObject({
      busId: '00:09.0',
      temperature: 59,
      memoryTemperature: 54,
      fanPercent: null,
      power: 631.95,
      powerLimit: 700,
    });
    const [win] = parseNvidiaCsv(nv('windows-rtx2080super-610.62_nvidia-gpu-exporter/load.csv'));
    expect(win).toMatchObject({ busId: '0c:00.0', fanPercent: 38, power: 97.99 });
    const two = parseNvidiaCsv(nv('issue-comments/gtx1080ti-gtx1060-2gpu_bpytop-26.csv'));
    expect(two.map((g) => [g.name, g.temperature, g.fanPercent, g.power])).toEqual([
      ['GeForce GTX 1080 Ti', 60, 29, 106.56],
      ['GeForce GTX 1060 6GB', 49, 29, 5.68],
    ]);
  });

  it('asks nvidia-smi for CSV with a header and no units; missing nvidia-smi is "absent", a failure is an error', async () => {
    expect(NVIDIA_ARGS[1]).toBe('--format=csv,nounits');
    expect(NVIDIA_ARGS[0]).toMatch(/^--query-gpu=pci\.bus_id,name,temperature\.gpu,/);
    const enoent = Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    expect(await probeNvidia(async () => Promise.reject(enoent))).toEqual({ status: 'absent', gpus: [] });
    const failed = await probeNvidia(async () =>
      Promise.reject(
        new Error('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver'),
      ),
    );
    expect(failed.status).toMatch(/^error: NVIDIA-SMI has failed/);
    const ok = await probeNvidia(async () => ({
      stdout: nv('linux-rtx4080super-595.71.05_nvidia-gpu-exporter/load.csv'),
    }));
    expect(ok.status).toBe('present');
  });
});

describe('AMD probe (sysfs)', () => {
  it('reads an RX 5700 XT: edge temperature, power, cap, fan PWM, active clocks, bus id', async () => {
    const { status, gpus } = await probeAmd(sysWithCard('amdgpu-sysfs/rx5700xt_lact/card1', 'card1'));
    expect(status).toBe('present');
    expect(gpus).toHaveLength(1);
    expect(gpus[0]).toMatchObject({
      vendor: 'amd',
      busId: '28:00.0',
      temperature: 58,
      power: 29,
      powerLimit: 220,
      fanPercent: 25,
      utilization: 0,
      memoryClockMhz: 875,
    });
    expect(gpus[0]!.powerCapPath).toMatch(/hwmon\d+\/power1_cap$/);
  });

  it('reads an RX 6600 XT with edge, junction and memory sensors', async () => {
    const { gpus } = await probeAmd(sysWithCard('amdgpu-sysfs/rx6600xt_lact/card0', 'card0'));
    expect(gpus[0]).toMatchObject({
      vendor: 'amd',
      temperature: 35,
      power: 3,
      powerLimit: 100,
      fanPercent: 0,
    });
  });

  it('reports absent when there is no DRM class at all', async () => {
    expect(await probeAmd(mkdtempSync(join(tmpdir(), 'mrm-nosys-')))).toEqual({ status: 'absent', gpus: [] });
  });
});

describe('CPU probe', () => {
  it('takes k10temp Tctl (AMD) and coretemp Physical id 0 (Intel)', async () => {
    expect(await cpuTemperature(fx('cpu-hwmon/k10temp-ryzen_telegraf/sys'))).toBe(31.875);
    // The Intel capture is a devices/ tree: expose it under class/hwmon as the kernel does.
    const root = mkdtempSync(join(tmpdir(), 'mrm-hwmon-'));
    mkdirSync(join(root, 'class', 'hwmon'), { recursive: true });
    cpSync(
      fx('cpu-hwmon/coretemp-intel_node-exporter/sys/devices/platform/coretemp.0/hwmon/hwmon0'),
      join(root, 'class', 'hwmon', 'hwmon0'),
      { recursive: true },
    );
    expect(await cpuTemperature(root)).toBe(55);
  });

  it("reads this machine's real CPU", async () => {
    const cpu = await probeCpu();
    expect(cpu.model).toBeTruthy();
    expect(cpu.threads).toBeGreaterThanOrEqual(1);
    expect(cpu.cores).toBeGreaterThanOrEqual(1);
    const hw = await probeHardware({
      run: async () => Promise.reject(Object.assign(new Error('x'), { code: 'ENOENT' })),
    });
    expect(hw.probes.nvidia).toBe('absent');
    expect(hw.memory.totalBytes).toBeGreaterThan(0);
  });
});

describe('GPU power limits', () => {
  const gpus = [
    {
      vendor: 'nvidia' as const,
      busId: '01:00.0',
      name: null,
      temperature: null,
      memoryTemperature: null,
      fanPercent: null,
      power: null,
      powerLimit: 320,
      coreClockMhz: null,
      memoryClockMhz: null,
      utilization: null,
    },
    {
      vendor: 'amd' as const,
      busId: '28:00.0',
      name: null,
      temperature: null,
      memoryTemperature: null,
      fanPercent: null,
      power: null,
      powerLimit: 220,
      coreClockMhz: null,
      memoryClockMhz: null,
      utilization: null,
      powerCapPath: '/sys/class/drm/card1/device/hwmon/hwmon1/power1_cap',
    },
  ];

  it('plans nvidia-smi -pl per GPU and power1_cap in microwatts for AMD', () => {
    expect(planPowerLimits(gpus, 180)).toEqual([
      {
        vendor: 'nvidia',
        busId: '01:00.0',
        watts: 180,
        command: ['nvidia-smi', ['-i', '00000000:01:00.0', '-pl', '180']],
      },
      {
        vendor: 'amd',
        busId: '28:00.0',
        watts: 180,
        path: '/sys/class/drm/card1/device/hwmon/hwmon1/power1_cap',
        value: '180000000',
      },
    ]);
  });

  it('applies before mining and restores the previous limits after; logs the command where there is no GPU', async () => {
    const ran: string[] = [];
    const written: string[] = [];
    const logs: string[] = [];
    const limiter = new PowerLimiter(
      async (cmd, args) => {
        ran.push([cmd, ...args].join(' '));
        return { stdout: '' };
      },
      (m) => logs.push(m),
      async (p, v) => {
        written.push(`${p}=${v}`);
      },
    );
    await limiter.apply(gpus, 150);
    await limiter.restore();
    expect(ran).toEqual(['nvidia-smi -i 00000000:01:00.0 -pl 150', 'nvidia-smi -i 00000000:01:00.0 -pl 320']);
    expect(written).toEqual([
      '/sys/class/drm/card1/device/hwmon/hwmon1/power1_cap=150000000',
      '/sys/class/drm/card1/device/hwmon/hwmon1/power1_cap=220000000',
    ]);
    await limiter.apply([], 150);
    expect(logs.at(-1)).toMatch(/no GPU found: would run "nvidia-smi -pl 150"/);
  });
});
