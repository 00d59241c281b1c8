import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { activeClock, probeAmd } from '../src/hardware/amd.js';
import { cpuTemperature, parseCpuinfo, probeCpu, probeSystem } from '../src/hardware/cpu.js';
import { probeHardware } from '../src/hardware/index.js';
import {
  NVIDIA_ARGS,
  NVIDIA_ARGS_LEGACY,
  NVIDIA_FIELDS,
  NVIDIA_FIELDS_LEGACY,
  parseNvidiaCsv,
  probeNvidia,
  type Runner,
} from '../src/hardware/nvidia.js';
import { describeAction, PowerLimiter, planPowerLimits } from '../src/hardware/power-limit.js';
import type { GpuInfo } from '../src/hardware/types.js';

const fx = (p: string) => new URL(`./fixtures/hardware/${p}`, import.meta.url).pathname;
const nv = (p: string) => readFileSync(fx(`nvidia-smi/csv/${p}`), 'utf8');
const amdFx = (p: string) => fx(`amdgpu-sysfs/${p}`);

const tmpRoots: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(os.tmpdir(), `mrm-${prefix}-`));
  tmpRoots.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

/** A sysfs-like root with fixture device folders copied in as class/drm/<card>/device; fixtures stay untouched. */
function sysWithCards(cards: Record<string, string>): string {
  const root = tmp('sys');
  for (const [card, deviceDir] of Object.entries(cards)) {
    mkdirSync(join(root, 'class', 'drm', card), { recursive: true });
    cpSync(deviceDir, join(root, 'class', 'drm', card, 'device'), { recursive: true });
  }
  return root;
}

/**
 * What `--format=csv,noheader,nounits` prints for `fields`, cut out of a full header capture of the
 * same GPU by column name (independently of the parser), units dropped as nounits does.
 */
function noHeaderFrom(capture: string, fields: readonly string[] = NVIDIA_FIELDS): string {
  const [head, ...rows] = capture.split('\n').filter((l) => l.trim());
  const cols = head!.split(', ').map((h) => h.replace(/ \[.*\]$/, ''));
  const long: Record<string, string> = {
    'clocks.sm': 'clocks.current.sm',
    'clocks.mem': 'clocks.current.memory',
  };
  return `${rows
    .map((r) => {
      const cells = r.split(', ');
      return fields
        .map((f) => {
          const i = cols.indexOf(long[f] ?? f);
          if (i < 0) throw new Error(`capture has no ${f}`);
          return cells[i]!.replace(/ (W|%|MHz)$/, '');
        })
        .join(', ');
    })
    .join('\n')}\n`;
}

const RTX4080_LOAD = 'linux-rtx4080super-595.71.05_nvidia-gpu-exporter/load.csv';
const H100_LOAD = 'linux-h100-80gb-hbm3-590.48.01_nvidia-gpu-exporter/load.csv';
const WIN2080_LOAD = 'windows-rtx2080super-610.62_nvidia-gpu-exporter/load.csv';

describe('NVIDIA: the query', () => {
  it('asks for the fields in a fixed order, header-less and without units', () => {
    expect(NVIDIA_ARGS).toEqual([
      '--query-gpu=pci.bus_id,name,temperature.gpu,temperature.memory,fan.speed,power.draw,power.limit,power.min_limit,power.max_limit,clocks.sm,clocks.mem,utilization.gpu',
      '--format=csv,noheader,nounits',
    ]);
    expect(NVIDIA_ARGS_LEGACY[0]).not.toContain('temperature.memory');
    expect(NVIDIA_ARGS_LEGACY[1]).toBe('--format=csv,noheader,nounits');
  });
});

describe('NVIDIA: parseNvidiaCsv on noheader,nounits output', () => {
  it('reads the single-field fan.speed captures: 39, and [N/A] on a laptop', () => {
    expect(parseNvidiaCsv(nv('issue-comments/fan-speed-gtx1050ti_nvsmi-2.csv'), ['fan.speed'])).toEqual([
      expect.objectContaining({ vendor: 'nvidia', busId: 'index-0', fanPercent: 39, temperature: null }),
    ]);
    const laptop = parseNvidiaCsv(nv('issue-comments/fan-speed-laptop-na_nvsmi-2.csv'), ['fan.speed']);
    expect(laptop).toHaveLength(1);
    expect(laptop[0]!.fanPercent).toBeNull();
  });

  it('reads our own field list from the RTX 4080 SUPER, H100 and RTX 2080 SUPER captures', () => {
    const rtx = parseNvidiaCsv(noHeaderFrom(nv(RTX4080_LOAD)));
    expect(rtx).toEqual([
      {
        vendor: 'nvidia',
        busId: '01:00.0',
        pciBusId: '00000000:01:00.0',
        name: 'NVIDIA GeForce RTX 4080 SUPER',
        temperature: 46,
        memoryTemperature: null, // bare "N/A" on GeForce
        fanPercent: 0,
        power: 84.24,
        powerLimit: 320,
        powerLimitMin: 150,
        powerLimitMax: 400,
        coreClockMhz: 2805,
        memoryClockMhz: 11251,
        utilization: 7,
      },
    ]);
    const [h100] = parseNvidiaCsv(noHeaderFrom(nv(H100_LOAD)));
    expect(h100).toMatchObject({
      busId: '00:09.0',
      temperature: 59,
      memoryTemperature: 54,
      fanPercent: null, // [N/A]
      power: 631.95,
      powerLimit: 700,
      powerLimitMin: 200,
      coreClockMhz: 1980,
      utilization: 100,
    });
    const [win] = parseNvidiaCsv(noHeaderFrom(nv(WIN2080_LOAD)));
    expect(win).toMatchObject({
      busId: '0c:00.0',
      pciBusId: '00000000:0C:00.0',
      fanPercent: 38,
      power: 97.99,
    });
  });

  it('reads several GPUs, CRLF, blank lines, [Not Supported] and empty cells; skips rows of the wrong width', () => {
    const row = (capture: string) => noHeaderFrom(nv(capture)).trim();
    const unsupported =
      '00000000:05:00.0, NVIDIA GeForce RTX 3070, 61, [Not Supported], 55, [Not Supported], , [N/A], [N/A], 1755, 7000, 100';
    const text = [
      row(RTX4080_LOAD),
      '',
      row(WIN2080_LOAD),
      unsupported,
      'Unable to determine the device handle',
    ].join('\r\n');
    const gpus = parseNvidiaCsv(text);
    expect(gpus.map((g) => g.busId)).toEqual(['01:00.0', '0c:00.0', '05:00.0']);
    expect(gpus[2]).toMatchObject({
      memoryTemperature: null,
      power: null,
      powerLimit: null,
      coreClockMhz: 1755,
      utilization: 100,
    });
  });

  it('reads the legacy field order (no temperature.memory)', () => {
    const [g] = parseNvidiaCsv(noHeaderFrom(nv(RTX4080_LOAD), NVIDIA_FIELDS_LEGACY), NVIDIA_FIELDS_LEGACY);
    expect(g).toMatchObject({ busId: '01:00.0', temperature: 46, memoryTemperature: null, power: 84.24 });
  });
});

describe('NVIDIA: parseNvidiaCsv on header variants (csv, csv,nounits)', () => {
  it('finds columns by name in the ~200-field captures, with units', () => {
    const idle = parseNvidiaCsv(nv('linux-rtx4080super-595.71.05_nvidia-gpu-exporter/idle.csv'));
    expect(idle).toHaveLength(1);
    expect(idle[0]).toMatchObject({
      busId: '01:00.0',
      temperature: 43,
      power: 26.2,
      powerLimit: 320,
      coreClockMhz: 210,
      memoryClockMhz: 405,
    });
    expect(parseNvidiaCsv(nv(H100_LOAD))[0]).toMatchObject({ memoryTemperature: 54, power: 631.95 });
    expect(parseNvidiaCsv(nv(WIN2080_LOAD))[0]).toMatchObject({ busId: '0c:00.0', coreClockMhz: 2040 });
  });

  it('reads the Tesla P100 csv,nounits capture (no final newline, no bus id column)', () => {
    expect(parseNvidiaCsv(nv('tesla-p100_netdata/tesla-p100.csv'))).toEqual([
      expect.objectContaining({
        busId: 'index-0',
        name: 'Tesla P100-PCIE-16GB',
        fanPercent: null,
        utilization: 0,
        temperature: 37,
        power: 28.16,
        coreClockMhz: 405,
        memoryClockMhz: 715,
      }),
    ]);
  });

  it('reads two GPUs (bpytop #26), a single RTX 2080 Ti, and an RTX 2060 with its bus id', () => {
    const two = parseNvidiaCsv(nv('issue-comments/gtx1080ti-gtx1060-2gpu_bpytop-26.csv'));
    expect(
      two.map((g) => [
        g.busId,
        g.name,
        g.temperature,
        g.fanPercent,
        g.power,
        g.coreClockMhz,
        g.memoryClockMhz,
      ]),
    ).toEqual([
      ['index-0', 'GeForce GTX 1080 Ti', 60, 29, 106.56, 1936, 5508],
      ['index-1', 'GeForce GTX 1060 6GB', 49, 29, 5.68, 139, 405],
    ]);
    expect(parseNvidiaCsv(nv('issue-comments/rtx2080ti_bpytop-26.csv'))[0]).toMatchObject({
      name: 'GeForce RTX 2080 Ti',
      temperature: 60,
      fanPercent: 20,
      power: 33.09,
      utilization: 0,
      coreClockMhz: 1350,
      memoryClockMhz: 7000,
    });
    expect(
      parseNvidiaCsv(nv('issue-comments/rtx2060-460.91.03_system-monitoring-center-57.csv'))[0],
    ).toMatchObject({
      busId: '09:00.0',
      name: 'GeForce RTX 2060',
      utilization: 20,
      temperature: 36,
      coreClockMhz: 300,
      power: null,
    });
  });

  it('reads loop-mode output one row per sample, ignoring the trailing empty line', () => {
    const gtx = parseNvidiaCsv(nv('issue-comments/gtx1650super-530.41.03-loop_ksysguard-gpu-31.csv'));
    expect(gtx.map((g) => g.power)).toEqual([16.5, 16.52, 16.89, 16.28, 15.67]);
    expect(gtx.map((g) => g.coreClockMhz)).toEqual([660, 420, 720, 720, 480]);
    expect(new Set(gtx.map((g) => g.busId))).toEqual(new Set(['index-0']));
    const rtx = parseNvidiaCsv(nv('issue-comments/rtx3080ti-520.56.06-loop_ksysguard-gpu-27.csv'));
    expect(rtx).toHaveLength(13);
    expect(rtx[0]).toMatchObject({
      temperature: 56,
      fanPercent: 34,
      power: 83.92,
      coreClockMhz: 1320,
      memoryClockMhz: 5001,
    });
    expect(rtx.at(-1)!.power).toBe(83.43);
  });

  it('refuses the column-formatted (not CSV) PR #51 output rather than guessing', () => {
    expect(
      parseNvidiaCsv(nv('issue-comments/2x-gtx1080-column-formatted_ethereum-nvidia-miner-pr51.txt')),
    ).toEqual([]);
  });
});

describe('NVIDIA: probeNvidia through an injected runner', () => {
  const enoent = () => Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });

  it('runs nvidia-smi with NVIDIA_ARGS; missing nvidia-smi is absent', async () => {
    const calls: [string, string[], number][] = [];
    const r = await probeNvidia(async (cmd, args, t) => {
      calls.push([cmd, args, t]);
      throw enoent();
    });
    expect(r).toEqual({ status: 'absent', gpus: [] });
    expect(calls).toEqual([['nvidia-smi', [...NVIDIA_ARGS], 10_000]]);
  });

  it('present with the parsed GPUs', async () => {
    const r = await probeNvidia(async () => ({ stdout: noHeaderFrom(nv(RTX4080_LOAD)) }));
    expect(r.status).toBe('present');
    expect(r.gpus.map((g) => [g.busId, g.power])).toEqual([['01:00.0', 84.24]]);
  });

  it('retries without temperature.memory on a driver that does not know it', async () => {
    const asked: string[][] = [];
    const r = await probeNvidia(async (_c, args) => {
      asked.push(args);
      if (args[0]!.includes('temperature.memory'))
        throw Object.assign(new Error('Command failed: nvidia-smi'), {
          code: 2,
          stdout: 'Field "temperature.memory" is not a valid field to query.\n',
        });
      return { stdout: noHeaderFrom(nv(RTX4080_LOAD), NVIDIA_FIELDS_LEGACY) };
    });
    expect(asked).toEqual([[...NVIDIA_ARGS], [...NVIDIA_ARGS_LEGACY]]);
    expect(r.status).toBe('present');
    expect(r.gpus[0]).toMatchObject({ busId: '01:00.0', temperature: 46, powerLimit: 320 });
  });

  it('reports a driver failure as error with nvidia-smi own message, keeping the GPUs it still printed', async () => {
    const failed = await probeNvidia(async () => {
      throw new Error('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver');
    });
    expect(failed).toEqual({
      status: 'error: NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver',
      gpus: [],
    });
    const partial = await probeNvidia(async () => {
      throw Object.assign(new Error('Command failed: nvidia-smi --query-gpu=...'), {
        code: 15,
        stdout: noHeaderFrom(nv(RTX4080_LOAD)),
        stderr: 'Unable to determine the device handle for GPU0000:03:00.0: Unknown Error\n',
      });
    });
    expect(partial.status).toBe(
      'error: Unable to determine the device handle for GPU0000:03:00.0: Unknown Error',
    );
    expect(partial.gpus.map((g) => g.busId)).toEqual(['01:00.0']);
    const none = await probeNvidia(async () => {
      throw Object.assign(new Error('Command failed'), { code: 6, stdout: 'No devices were found\n' });
    });
    expect(none.status).toBe('absent');
    const hung = await probeNvidia(async () => {
      throw Object.assign(new Error('Command failed'), { killed: true, signal: 'SIGTERM' });
    }, 500);
    expect(hung.status).toBe('error: nvidia-smi timed out after 500 ms');
  });
});

describe('AMD: probeAmd on the amdgpu sysfs fixtures', () => {
  const cases: [string, string, Partial<GpuInfo>][] = [
    [
      'rx5700xt_lact/card1/device',
      'card1',
      {
        busId: '28:00.0',
        pciBusId: '0000:28:00.0',
        temperature: 58,
        junctionTemperature: 58,
        memoryTemperature: 62,
        fanPercent: 25, // pwm1 65 / 255
        fanRpm: 29,
        power: 29,
        powerLimit: 220,
        powerLimitMin: 110,
        powerLimitMax: 330,
        utilization: 0,
        coreClockMhz: null, // no sclk level is marked active
        memoryClockMhz: 875,
      },
    ],
    [
      'rx580_amdgpu-sysfs-rs/device',
      'card0',
      {
        busId: '09:00.0',
        temperature: 44,
        junctionTemperature: null, // Polaris has edge only
        memoryTemperature: null,
        fanPercent: 14, // pwm1 35 / 255
        fanRpm: 595,
        power: 41.045,
        powerLimit: 155,
        powerLimitMax: 201,
        utilization: 11,
        coreClockMhz: 900,
        memoryClockMhz: 1750,
      },
    ],
    [
      'rx6600xt_lact/card0/device',
      'card0',
      {
        busId: '0b:00.0',
        temperature: 35,
        junctionTemperature: 35,
        memoryTemperature: 36,
        fanPercent: 0,
        power: 3,
        powerLimit: 100,
        coreClockMhz: 0, // gfxoff: both levels read "0Mhz *"
        memoryClockMhz: 96,
      },
    ],
    [
      'rx7800xt_lact/card1/device',
      'card1',
      {
        busId: '03:00.0',
        temperature: 24,
        junctionTemperature: 31,
        memoryTemperature: 48,
        fanPercent: 35, // pwm1 89 / 255
        fanRpm: 868,
        power: 32,
        powerLimit: 236,
        powerLimitMin: 212,
        utilization: 2,
        coreClockMhz: 77,
        memoryClockMhz: 456,
      },
    ],
    [
      'rx9070xt_lact/card1/device',
      'card1',
      {
        busId: '0f:00.0',
        temperature: 42,
        junctionTemperature: 45,
        memoryTemperature: 68,
        fanPercent: 32, // pwm1 81 / 255
        power: 55,
        powerLimit: 120,
        powerLimitMax: 340,
        utilization: 3,
        coreClockMhz: 19, // "S: 19Mhz *"
        memoryClockMhz: 1258,
      },
    ],
    [
      'vega56_amdgpu-sysfs-rs/device',
      'card0',
      {
        busId: '0b:00.0',
        temperature: 38,
        memoryTemperature: 39,
        fanPercent: 0, // pwm1 0 while the tach reads 5 RPM
        fanRpm: 5,
        power: 8,
        powerLimit: 260,
        coreClockMhz: 852,
        memoryClockMhz: 167,
      },
    ],
  ];

  for (const [dir, card, want] of cases)
    it(`reads ${dir.split('/')[0]}`, async () => {
      const root = sysWithCards({ [card]: amdFx(dir) });
      const { status, gpus } = await probeAmd(root);
      expect(status).toBe('present');
      expect(gpus).toHaveLength(1);
      expect(gpus[0]).toMatchObject({ vendor: 'amd', name: null, ...want });
      expect(gpus[0]!.powerCapPath).toMatch(
        new RegExp(`^${root}/class/drm/${card}/device/hwmon/hwmon\\d+/power1_cap$`),
      );
    });

  it('reads the Vega 10 procfs tree in place: no hwmon, so sensors are null and there is no cap to write', async () => {
    const { status, gpus } = await probeAmd(amdFx('vega10-asus_procfs/sys'));
    expect(status).toBe('present');
    expect(gpus).toEqual([
      {
        vendor: 'amd',
        busId: '09:00.0',
        pciBusId: '0000:09:00.0',
        name: null,
        temperature: null,
        memoryTemperature: null,
        junctionTemperature: null,
        fanPercent: null,
        fanRpm: null,
        power: null,
        powerLimit: null,
        powerLimitMin: null,
        powerLimitMax: null,
        coreClockMhz: 852,
        memoryClockMhz: 167,
        utilization: 4,
      },
    ]);
  });

  it('takes every AMD card in card order and skips connectors and non-AMD cards', async () => {
    const root = sysWithCards({
      card0: amdFx('rx580_amdgpu-sysfs-rs/device'),
      card2: amdFx('rx7800xt_lact/card1/device'),
      card10: amdFx('rx9070xt_lact/card1/device'),
    });
    // An NVIDIA card under nvidia-drm and a connector entry, as a mixed rig shows them.
    mkdirSync(join(root, 'class', 'drm', 'card1', 'device'), { recursive: true });
    writeFileSync(
      join(root, 'class', 'drm', 'card1', 'device', 'uevent'),
      'DRIVER=nvidia\nPCI_SLOT_NAME=0000:01:00.0\n',
    );
    writeFileSync(join(root, 'class', 'drm', 'card1', 'device', 'vendor'), '0x10de\n');
    mkdirSync(join(root, 'class', 'drm', 'card0-DP-1'));
    const { gpus } = await probeAmd(root);
    expect(gpus.map((g) => g.busId)).toEqual(['09:00.0', '03:00.0', '0f:00.0']);
  });

  it('finds a card by vendor 0x1002 when uevent names no driver, and never throws on missing files', async () => {
    const root = sysWithCards({ card0: amdFx('rx580_amdgpu-sysfs-rs/device') });
    const ue = join(root, 'class', 'drm', 'card0', 'device', 'uevent');
    writeFileSync(ue, readFileSync(ue, 'utf8').replace(/^DRIVER=.*\n/m, ''));
    mkdirSync(join(root, 'class', 'drm', 'card1', 'device'), { recursive: true });
    writeFileSync(join(root, 'class', 'drm', 'card1', 'device', 'uevent'), 'DRIVER=amdgpu\n');
    const { gpus } = await probeAmd(root);
    expect(gpus.map((g) => g.busId)).toEqual(['09:00.0', 'card1']);
    expect(gpus[1]).toMatchObject({ temperature: null, power: null, fanPercent: null, utilization: null });
    expect(gpus[1]!.powerCapPath).toBeUndefined();
  });

  it('absent without class/drm; an unreadable class/drm is an error status, not a throw', async () => {
    expect(await probeAmd(tmp('nosys'))).toEqual({ status: 'absent', gpus: [] });
    const bad = tmp('badsys');
    mkdirSync(join(bad, 'class'));
    writeFileSync(join(bad, 'class', 'drm'), '');
    expect((await probeAmd(bad)).status).toMatch(/^error: ENOTDIR/);
  });

  it('activeClock reads the starred level, with or without a trailing space', () => {
    expect(activeClock('0: 300Mhz \n1: 1900Mhz *\n')).toBe(1900);
    expect(activeClock('0: 300Mhz \n1: 1900Mhz \n')).toBeNull();
    expect(activeClock(null)).toBeNull();
  });
});

describe('CPU: temperature from the hwmon fixtures', () => {
  /** class/hwmon entries are symlinks into devices/ on a real kernel; do the same. */
  function hwmonRoot(chips: Record<string, string>): string {
    const root = tmp('hwmon');
    mkdirSync(join(root, 'class', 'hwmon'), { recursive: true });
    for (const [name, target] of Object.entries(chips))
      symlinkSync(target, join(root, 'class', 'hwmon', name));
    return root;
  }
  const CORETEMP = fx('cpu-hwmon/coretemp-intel_node-exporter/sys/devices/platform/coretemp.0/hwmon/hwmon0');
  const K10 = fx('cpu-hwmon/k10temp-ryzen_telegraf/sys/class/hwmon/hwmon2');

  it('k10temp: Tctl 31.875 °C, read in place', async () => {
    expect(await cpuTemperature(fx('cpu-hwmon/k10temp-ryzen_telegraf/sys'))).toBe(31.875);
  });

  it('coretemp: Physical id 0 = 55 °C, ignoring a hotter GPU hwmon next to it', async () => {
    const root = hwmonRoot({
      hwmon0: CORETEMP,
      hwmon5: amdFx('rx9070xt_lact/card1/device/hwmon/hwmon5'), // amdgpu, mem at 68 °C
    });
    expect(await cpuTemperature(root)).toBe(55);
  });

  it('prefers the package sensor over a hotter core, and Tdie over Tctl', async () => {
    const intel = tmp('coretemp');
    cpSync(CORETEMP, intel, { recursive: true });
    writeFileSync(join(intel, 'temp3_input'), '71000\n');
    expect(await cpuTemperature(hwmonRoot({ hwmon0: intel }))).toBe(55);
    // Without the package sensor: the hottest core.
    rmSync(join(intel, 'temp1_input'));
    expect(await cpuTemperature(hwmonRoot({ hwmon0: intel }))).toBe(71);
    const amd = tmp('k10');
    cpSync(K10, amd, { recursive: true });
    writeFileSync(join(amd, 'temp2_label'), 'Tdie\n');
    writeFileSync(join(amd, 'temp2_input'), '21875\n');
    expect(await cpuTemperature(hwmonRoot({ hwmon2: amd }))).toBe(21.875);
  });

  it('null without a CPU hwmon', async () => {
    expect(await cpuTemperature(tmp('empty'))).toBeNull();
  });
});

describe('CPU and system from proc roots', () => {
  function procRoot(): string {
    const root = tmp('proc');
    const cpu = (n: number, core: number) =>
      `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i5-7400 CPU @ 3.00GHz\nphysical id\t: 0\ncore id\t\t: ${core}\ncpu cores\t: 2\n`;
    writeFileSync(join(root, 'cpuinfo'), [cpu(0, 0), cpu(1, 1), cpu(2, 0), cpu(3, 1)].join('\n'));
    writeFileSync(join(root, 'loadavg'), '3.25 2.10 1.05 3/512 12345\n');
    writeFileSync(
      join(root, 'meminfo'),
      'MemTotal:        8048576 kB\nMemFree:          100000 kB\nMemAvailable:    4024288 kB\n',
    );
    writeFileSync(join(root, 'uptime'), '93784.52 180000.00\n');
    mkdirSync(join(root, 'sys', 'kernel'), { recursive: true });
    writeFileSync(join(root, 'sys', 'kernel', 'osrelease'), '5.4.0-47-generic\n');
    return root;
  }

  it('model, physical cores vs threads, load and temperature', async () => {
    expect(
      await probeCpu({ procRoot: procRoot(), sysRoot: fx('cpu-hwmon/k10temp-ryzen_telegraf/sys') }),
    ).toEqual({
      model: 'Intel(R) Core(TM) i5-7400 CPU @ 3.00GHz',
      cores: 2,
      threads: 4,
      load1: 3.25,
      temperature: 31.875,
    });
    expect(
      parseCpuinfo('processor\t: 0\nBogoMIPS\t: 108.00\n\nprocessor\t: 1\n\nHardware\t: BCM2835\n'),
    ).toEqual({
      model: 'BCM2835',
      cores: 2,
      threads: 2,
    });
  });

  it('memory (MemAvailable), uptime and the OS string', async () => {
    const etc = tmp('etc');
    writeFileSync(join(etc, 'os-release'), 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 20.04.1 LTS"\nID=ubuntu\n');
    expect(await probeSystem({ procRoot: procRoot(), etcRoot: etc })).toEqual({
      memory: { totalBytes: 8048576 * 1024, freeBytes: 4024288 * 1024 },
      uptimeSeconds: 93784.52,
      os: 'Ubuntu 20.04.1 LTS (Linux 5.4.0-47-generic)',
    });
  });
});

describe("this machine's real CPU and system", () => {
  it('reads the model as /proc/cpuinfo names it, cores >= 1', async () => {
    const cpu = await probeCpu();
    expect(cpu.model).toBeTruthy();
    expect(cpu.cores).toBeGreaterThanOrEqual(1);
    expect(cpu.threads).toBeGreaterThanOrEqual(cpu.cores);
    if (existsSync('/proc/cpuinfo')) {
      const info = readFileSync('/proc/cpuinfo', 'utf8');
      const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
      if (model) expect(cpu.model).toBe(model);
      expect(cpu.threads).toBe((info.match(/^processor\s*:/gm) ?? []).length);
      expect(cpu.load1).toBeGreaterThanOrEqual(0);
    }
  });

  it('memory, uptime and OS agree with node:os', async () => {
    const sys = await probeSystem();
    expect(sys.memory.totalBytes).toBe(os.totalmem());
    expect(sys.memory.freeBytes).toBeGreaterThan(0);
    expect(sys.memory.freeBytes).toBeLessThanOrEqual(sys.memory.totalBytes);
    expect(Math.abs(sys.uptimeSeconds - os.uptime())).toBeLessThan(5);
    expect(sys.os).toContain(os.release());
  });
});

describe('probeHardware', () => {
  const enoent: Runner = async () => {
    throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
  };

  it('combines the real CPU with GPUs from both probes', async () => {
    const sysRoot = sysWithCards({ card0: amdFx('rx5700xt_lact/card1/device') });
    const hw = await probeHardware({
      sysRoot,
      run: async () => ({ stdout: noHeaderFrom(nv(RTX4080_LOAD)) }),
    });
    expect(hw.probes).toEqual({ nvidia: 'present', amd: 'present', cpu: 'present', system: 'present' });
    expect(hw.gpus.map((g) => `${g.vendor} ${g.busId}`)).toEqual(['nvidia 01:00.0', 'amd 28:00.0']);
    expect(hw.cpu.model).toBeTruthy();
    expect(hw.memory.totalBytes).toBe(os.totalmem());
  });

  it('isolates failures: a hanging nvidia-smi times out, a broken sysfs errors, the rest still return', async () => {
    const hung = await probeHardware({
      sysRoot: sysWithCards({ card0: amdFx('rx580_amdgpu-sysfs-rs/device') }),
      run: () => new Promise(() => {}),
      timeoutMs: 300,
    });
    expect(hung.probes.nvidia).toBe('error: timed out after 300 ms');
    expect(hung.probes.amd).toBe('present');
    expect(hung.gpus.map((g) => g.busId)).toEqual(['09:00.0']);
    expect(hung.cpu.cores).toBeGreaterThanOrEqual(1);

    const bad = tmp('badsys');
    mkdirSync(join(bad, 'class'));
    writeFileSync(join(bad, 'class', 'drm'), '');
    const broken = await probeHardware({ sysRoot: bad, run: enoent });
    expect(broken.probes.nvidia).toBe('absent');
    expect(broken.probes.amd).toMatch(/^error: /);
    expect(broken.probes.cpu).toBe('present');
  });

  it('a disabled probe is not run', async () => {
    let ran = false;
    const hw = await probeHardware({
      nvidia: false,
      amd: false,
      run: async () => {
        ran = true;
        return { stdout: '' };
      },
    });
    expect(ran).toBe(false);
    expect(hw.probes).toMatchObject({ nvidia: 'disabled', amd: 'disabled', cpu: 'present' });
    expect(hw.gpus).toEqual([]);
  });
});

describe('GPU power limits', () => {
  async function rig() {
    const sysRoot = sysWithCards({
      card0: amdFx('rx5700xt_lact/card1/device'),
      card1: amdFx('rx7800xt_lact/card1/device'),
    });
    const [nvidia] = parseNvidiaCsv(noHeaderFrom(nv(RTX4080_LOAD)));
    const { gpus: amd } = await probeAmd(sysRoot);
    return { gpus: [nvidia!, ...amd], cap5700: amd[0]!.powerCapPath!, cap7800: amd[1]!.powerCapPath! };
  }

  it('plans nvidia-smi -i <bus id> -pl per NVIDIA GPU and power1_cap in µW per AMD GPU, clamped to the range', async () => {
    const { gpus, cap5700, cap7800 } = await rig();
    const plan = planPowerLimits(gpus, 180);
    expect(plan).toEqual([
      {
        vendor: 'nvidia',
        busId: '01:00.0',
        watts: 180,
        command: ['nvidia-smi', ['-i', '00000000:01:00.0', '-pl', '180']],
      },
      { vendor: 'amd', busId: '28:00.0', watts: 180, path: cap5700, value: '180000000' },
      // The RX 7800 XT accepts 212-280 W.
      { vendor: 'amd', busId: '03:00.0', watts: 212, requested: 180, path: cap7800, value: '212000000' },
    ]);
    expect(plan.map(describeAction)).toEqual([
      'nvidia-smi -i 00000000:01:00.0 -pl 180',
      `echo 180000000 > ${cap5700}`,
      `echo 212000000 > ${cap7800}`,
    ]);
    // Per GPU by bus id, in any spelling; others are left alone.
    expect(planPowerLimits(gpus, { '0000:28:00.0': 150.5 })).toEqual([
      { vendor: 'amd', busId: '28:00.0', watts: 150.5, path: cap5700, value: '150500000' },
    ]);
    // The RTX 4080 SUPER floor is 150 W.
    expect(planPowerLimits(gpus.slice(0, 1), 100)[0]).toMatchObject({
      watts: 150,
      requested: 100,
      command: ['nvidia-smi', ['-i', '00000000:01:00.0', '-pl', '150']],
    });
    // No bus id read: select by index.
    const [p100] = parseNvidiaCsv(nv('tesla-p100_netdata/tesla-p100.csv'));
    expect(planPowerLimits([p100!], 200)[0]).toMatchObject({
      command: ['nvidia-smi', ['-i', '0', '-pl', '200']],
    });
  });

  it('applies, keeps the limits found before the first change across re-applies, and restores them', async () => {
    const { gpus, cap5700, cap7800 } = await rig();
    const ran: string[] = [];
    const logs: string[] = [];
    const limiter = new PowerLimiter(
      async (cmd, args) => {
        ran.push([cmd, ...args].join(' '));
        return { stdout: '' };
      },
      (m) => logs.push(m),
    ); // default writer: real files in the tmp copy
    await limiter.apply(gpus, 240);
    expect(readFileSync(cap5700, 'utf8')).toBe('240000000');
    expect(readFileSync(cap7800, 'utf8')).toBe('240000000');
    // The next probe shows our limit; a second apply must not take it for the original.
    const { gpus: amdNow } = await probeAmd(cap5700.split('/class/drm/')[0]);
    expect(amdNow[0]!.powerLimit).toBe(240);
    await limiter.apply([{ ...gpus[0]!, powerLimit: 240 }, ...amdNow], 200);
    expect(limiter.previousLimits).toEqual({ '01:00.0': 320, '28:00.0': 220, '03:00.0': 236 });
    await limiter.restore();
    expect(ran).toEqual([
      'nvidia-smi -i 00000000:01:00.0 -pl 240',
      'nvidia-smi -i 00000000:01:00.0 -pl 200',
      'nvidia-smi -i 00000000:01:00.0 -pl 320',
    ]);
    expect(readFileSync(cap5700, 'utf8')).toBe('220000000');
    expect(readFileSync(cap7800, 'utf8')).toBe('236000000');
    expect(logs).toContain("GPU 03:00.0: power limit 212 W (asked 200 W, outside the card's range)");
    expect(limiter.previousLimits).toEqual({});
  });

  it('does not restore what it could not set', async () => {
    const { gpus } = await rig();
    const ran: string[] = [];
    const logs: string[] = [];
    const limiter = new PowerLimiter(
      async (cmd, args) => {
        ran.push([cmd, ...args].join(' '));
        throw new Error('Insufficient Permissions: changing power limit requires root');
      },
      (m) => logs.push(m),
      async () => {},
    );
    const done = await limiter.apply(gpus.slice(0, 1), 200);
    expect(done).toEqual([]);
    await limiter.restore();
    expect(ran).toEqual(['nvidia-smi -i 00000000:01:00.0 -pl 200']);
    expect(logs).toEqual([
      'GPU 01:00.0: could not set power limit 200 W: Insufficient Permissions: changing power limit requires root',
    ]);
  });

  it('logs the command that would run when there is no GPU or no nvidia-smi, running nothing', async () => {
    let calls = 0;
    const logs: string[] = [];
    const limiter = new PowerLimiter(
      async () => {
        calls++;
        throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
      },
      (m) => logs.push(m),
      async () => {
        calls++;
      },
    );
    await limiter.apply([], 150);
    expect(calls).toBe(0);
    expect(logs).toEqual([
      'no GPU found: would run "nvidia-smi -pl 150" (NVIDIA) or "echo 150000000 > /sys/class/drm/cardN/device/hwmon/hwmonM/power1_cap" (AMD)',
    ]);
    const { gpus } = await rig();
    await limiter.apply(gpus.slice(0, 1), 150);
    expect(logs.at(-1)).toBe(
      'GPU 01:00.0: nvidia-smi not found, would run "nvidia-smi -i 00000000:01:00.0 -pl 150"',
    );
    await limiter.restore();
    expect(calls).toBe(1);
    // An AMD card without hwmon has nothing to write: said, not silently skipped.
    const { gpus: vega } = await probeAmd(amdFx('vega10-asus_procfs/sys'));
    await limiter.apply(vega, 150);
    expect(logs.at(-1)).toBe('GPU 09:00.0: no power limit control found (no power1_cap), left as it is');
  });
});
