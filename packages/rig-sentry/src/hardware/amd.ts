import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeBusId } from '../adapters/util.js';
import type { GpuProbe } from './nvidia.js';
import type { GpuInfo } from './types.js';

/** A sysfs file's text, or null: a missing file, or one a suspended or hung GPU refuses (EIO, EBUSY). */
export async function readText(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

export async function readNumber(path: string): Promise<number | null> {
  const t = await readText(path);
  if (t === null || t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** "card10" after "card9". */
const byNumber = (a: string, b: string) =>
  Number(/\d+/.exec(a)?.[0] ?? 0) - Number(/\d+/.exec(b)?.[0] ?? 0) || a.localeCompare(b);

/**
 * The active level of pp_dpm_sclk / pp_dpm_mclk: the first line marked "*". Levels are numbers
 * ("3: 875Mhz *") except RDNA4's sleep level ("S: 19Mhz *"); lines may end in a space.
 */
export function activeClock(text: string | null): number | null {
  const m = text ? /^\s*\w+:\s*(\d+)\s*mhz\s*\*/im.exec(text) : null;
  return m ? Number(m[1]) : null;
}

/** The card's hwmon folder: the one named amdgpu, else the first. */
export async function hwmonDir(deviceDir: string): Promise<string | null> {
  const names = (await list(join(deviceDir, 'hwmon'))).filter((n) => /^hwmon\d+$/.test(n)).sort(byNumber);
  for (const n of names)
    if ((await readText(join(deviceDir, 'hwmon', n, 'name'))) === 'amdgpu')
      return join(deviceDir, 'hwmon', n);
  return names[0] ? join(deviceDir, 'hwmon', names[0]) : null;
}

/** temp*_input by label ("edge", "junction", "mem"), in °C; an unlabelled temp1 is the edge sensor. */
async function temperatures(hw: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const inputs = (await list(hw)).filter((f) => /^temp\d+_input$/.test(f)).sort(byNumber);
  for (const f of inputs) {
    const v = await readNumber(join(hw, f));
    if (v === null) continue;
    const label = (await readText(join(hw, f.replace('_input', '_label'))))?.toLowerCase() || null;
    const key = label ?? (f === 'temp1_input' ? 'edge' : f.replace('_input', ''));
    if (!out.has(key)) out.set(key, v / 1000);
  }
  return out;
}

const watts = (microwatts: number | null) => (microwatts === null ? null : microwatts / 1e6);

/** One AMD GPU from its /sys/class/drm/cardN/device folder; every missing file is a null. */
export async function readAmdCard(dev: string, fallbackId: string): Promise<GpuInfo> {
  const uevent = (await readText(join(dev, 'uevent'))) ?? '';
  const slot = /^PCI_SLOT_NAME=(.+)$/m.exec(uevent)?.[1]?.trim() ?? null;
  const busId = normalizeBusId(slot);
  const hw = await hwmonDir(dev);
  const at = (f: string) => (hw ? readNumber(join(hw, f)) : Promise.resolve(null));
  const temps = hw ? await temperatures(hw) : new Map<string, number>();

  // Fan %: the PWM duty the driver drives; a tach-only card falls back to RPM over its maximum.
  const pwm = await at('pwm1');
  const pwmMax = (await at('pwm1_max')) || 255;
  const rpm = await at('fan1_input');
  const rpmMax = await at('fan1_max');
  const fanPercent =
    pwm !== null
      ? Math.round((pwm / pwmMax) * 100)
      : rpm !== null && rpmMax
        ? Math.min(100, Math.round((rpm / rpmMax) * 100))
        : null;

  const cap = await at('power1_cap');
  const capMin = await at('power1_cap_min');
  const capMax = await at('power1_cap_max');
  return {
    vendor: 'amd',
    busId: busId ?? fallbackId,
    name: (await readText(join(dev, 'product_name'))) || null,
    temperature: temps.get('edge') ?? null,
    memoryTemperature: temps.get('mem') ?? null,
    fanPercent,
    // Newer kernels drop power1_average for power1_input on some cards.
    power: watts((await at('power1_average')) ?? (await at('power1_input'))),
    powerLimit: watts(cap),
    coreClockMhz: activeClock(await readText(join(dev, 'pp_dpm_sclk'))),
    memoryClockMhz: activeClock(await readText(join(dev, 'pp_dpm_mclk'))),
    utilization: await readNumber(join(dev, 'gpu_busy_percent')),
    ...(hw && cap !== null ? { powerCapPath: join(hw, 'power1_cap') } : {}),
    ...(busId && slot ? { pciBusId: slot } : {}),
    junctionTemperature: temps.get('junction') ?? null,
    fanRpm: rpm,
    // A 0 W minimum is "none given"; the cap still cannot go below it.
    powerLimitMin: watts(capMin),
    powerLimitMax: watts(capMax),
  };
}

/** Bound to amdgpu, or an AMD (0x1002) device whose uevent names no driver. */
function isAmd(uevent: string, vendor: string | null): boolean {
  const driver = /^DRIVER=(.*)$/m.exec(uevent)?.[1]?.trim();
  return driver === 'amdgpu' || vendor?.toLowerCase() === '0x1002';
}

/** AMD GPUs from sysfs (<sysRoot>/class/drm/cardN/device): hwmon temperatures (m°C), power (µW), fan PWM, busy %, clocks. */
export async function probeAmd(sysRoot = '/sys'): Promise<GpuProbe> {
  const drm = join(sysRoot, 'class', 'drm');
  let entries: string[];
  try {
    entries = await readdir(drm);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent', gpus: [] };
    return { status: `error: ${(err as Error).message}`, gpus: [] };
  }
  const gpus: GpuInfo[] = [];
  // card0-DP-1 and the like are connectors of a card, not cards.
  for (const card of entries.filter((n) => /^card\d+$/.test(n)).sort(byNumber)) {
    const dev = join(drm, card, 'device');
    const uevent = (await readText(join(dev, 'uevent'))) ?? '';
    if (!isAmd(uevent, await readText(join(dev, 'vendor')))) continue;
    const gpu = await readAmdCard(dev, card);
    if (!gpus.some((g) => g.busId === gpu.busId)) gpus.push(gpu);
  }
  return { status: gpus.length ? 'present' : 'absent', gpus };
}
