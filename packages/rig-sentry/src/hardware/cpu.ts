import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { CpuInfo } from './types.js';

async function read(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

/**
 * CPU temperature from hwmon: coretemp's "Package id 0" (Intel) or k10temp's Tctl/Tdie (AMD);
 * otherwise the highest of that driver's readings. Millidegrees in sysfs.
 */
export async function cpuTemperature(sysRoot = '/sys'): Promise<number | null> {
  let dirs: string[];
  try {
    dirs = await readdir(join(sysRoot, 'class', 'hwmon'));
  } catch {
    return null;
  }
  for (const d of dirs.sort()) {
    const base = join(sysRoot, 'class', 'hwmon', d);
    const name = await read(join(base, 'name'));
    if (name !== 'coretemp' && name !== 'k10temp') continue;
    const files = (await readdir(base)).filter((f) => /^temp\d+_input$/.test(f));
    let best: number | null = null;
    let max: number | null = null;
    for (const f of files) {
      const v = Number(await read(join(base, f)));
      if (!Number.isFinite(v)) continue;
      const label = (await read(join(base, f.replace('_input', '_label')))) ?? '';
      if (/^(Package id 0|Physical id 0|Tctl|Tdie)$/.test(label) && best === null) best = v;
      max = max === null ? v : Math.max(max, v);
    }
    const pick = best ?? max;
    if (pick !== null) return pick / 1000;
  }
  return null;
}

export async function probeCpu(opts: { procRoot?: string; sysRoot?: string } = {}): Promise<CpuInfo> {
  const procRoot = opts.procRoot ?? '/proc';
  const info = (await read(join(procRoot, 'cpuinfo'))) ?? '';
  const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpus()[0]?.model.trim() ?? null;
  const threads = (info.match(/^processor\s*:/gm) ?? []).length || cpus().length;
  // Physical cores: distinct (physical id, core id) pairs, where the kernel lists them.
  const pairs = new Set<string>();
  for (const block of info.split(/\n\s*\n/)) {
    const phys = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (phys !== undefined && core !== undefined) pairs.add(`${phys}:${core}`);
  }
  const load = await read(join(procRoot, 'loadavg'));
  return {
    model,
    cores: pairs.size || threads,
    threads,
    load1: load ? Number(load.split(' ')[0]) : null,
    temperature: await cpuTemperature(opts.sysRoot),
  };
}
