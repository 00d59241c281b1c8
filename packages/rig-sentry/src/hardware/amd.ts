import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeBusId } from '../adapters/util.js';
import type { GpuInfo } from './types.js';

async function read(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

async function readNum(path: string): Promise<number | null> {
  const t = await read(path);
  if (t === null || t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** The clock of the line marked "*" in pp_dpm_sclk / pp_dpm_mclk ("1: 1340Mhz *"). */
async function activeClock(path: string): Promise<number | null> {
  const t = await read(path);
  const m = t ? /^\s*\d+:\s*(\d+)\s*Mhz\s*\*/im.exec(t) : null;
  return m ? Number(m[1]) : null;
}

/** The hwmon folder of a card (there is one for amdgpu). */
export async function hwmonDir(deviceDir: string): Promise<string | null> {
  try {
    const names = (await readdir(join(deviceDir, 'hwmon'))).filter((n) => n.startsWith('hwmon')).sort();
    return names[0] ? join(deviceDir, 'hwmon', names[0]) : null;
  } catch {
    return null;
  }
}

/** AMD GPUs from sysfs (amdgpu driver): hwmon temperatures (m°C), power (µW), fan PWM, busy %, clocks. */
export async function probeAmd(sysRoot = '/sys'): Promise<{ status: string; gpus: GpuInfo[] }> {
  let cards: string[];
  try {
    cards = (await readdir(join(sysRoot, 'class', 'drm'))).filter((n) => /^card\d+$/.test(n)).sort();
  } catch {
    return { status: 'absent', gpus: [] };
  }
  const gpus: GpuInfo[] = [];
  for (const card of cards) {
    const dev = join(sysRoot, 'class', 'drm', card, 'device');
    const uevent = (await read(join(dev, 'uevent'))) ?? '';
    if (!/^DRIVER=amdgpu$/m.test(uevent)) continue;
    const slot = /^PCI_SLOT_NAME=(.+)$/m.exec(uevent)?.[1];
    const hw = await hwmonDir(dev);
    const temps: Record<string, number | null> = {};
    if (hw) {
      for (const i of [1, 2, 3]) {
        const label = (await read(join(hw, `temp${i}_label`))) ?? (i === 1 ? 'edge' : `temp${i}`);
        temps[label] = await readNum(join(hw, `temp${i}_input`));
      }
    }
    const milli = (v: number | null | undefined) => (v === null || v === undefined ? null : v / 1000);
    const pwm = hw ? await readNum(join(hw, 'pwm1')) : null;
    const pwmMax = (hw ? await readNum(join(hw, 'pwm1_max')) : null) ?? 255;
    const power = hw
      ? ((await readNum(join(hw, 'power1_average'))) ?? (await readNum(join(hw, 'power1_input'))))
      : null;
    const cap = hw ? await readNum(join(hw, 'power1_cap')) : null;
    gpus.push({
      vendor: 'amd',
      busId: normalizeBusId(slot) ?? card,
      name: (await read(join(dev, 'product_name'))) || null,
      temperature: milli(temps.edge),
      memoryTemperature: milli(temps.mem),
      fanPercent: pwm === null ? null : Math.round((pwm / pwmMax) * 100),
      power: power === null ? null : power / 1e6,
      powerLimit: cap === null ? null : cap / 1e6,
      coreClockMhz: await activeClock(join(dev, 'pp_dpm_sclk')),
      memoryClockMhz: await activeClock(join(dev, 'pp_dpm_mclk')),
      utilization: await readNum(join(dev, 'gpu_busy_percent')),
      ...(hw && cap !== null ? { powerCapPath: join(hw, 'power1_cap') } : {}),
    });
  }
  return { status: gpus.length ? 'present' : 'absent', gpus };
}
