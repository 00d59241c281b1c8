import { readdir } from 'node:fs/promises';
import * as os from 'node:os';
import { join } from 'node:path';
import { readNumber, readText } from './amd.js';
import type { CpuInfo } from './types.js';

/** Where the probes read; tests point them at fixture trees. */
export interface ProbeRoots {
  procRoot?: string;
  sysRoot?: string;
  etcRoot?: string;
}

export interface SystemInfo {
  memory: { totalBytes: number; freeBytes: number };
  uptimeSeconds: number;
  os: string;
}

/**
 * Model, logical CPUs and physical cores from /proc/cpuinfo. Cores are distinct (physical id,
 * core id) pairs; where the kernel lists none (ARM, some VMs) every logical CPU counts as a core.
 */
export function parseCpuinfo(text: string): { model: string | null; cores: number; threads: number } {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, name: string) =>
    new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() || undefined;
  // x86 says "model name"; ARM kernels put it under "Hardware" or "Processor" instead.
  const model =
    blocks.map((b) => field(b, 'model name')).find(Boolean) ??
    field(text, 'model name') ??
    field(text, 'Hardware') ??
    field(text, 'Processor') ??
    null;
  const pairs = new Set<string>();
  for (const b of blocks) {
    const phys = field(b, 'physical id');
    const core = field(b, 'core id');
    if (phys !== undefined && core !== undefined) pairs.add(`${phys}:${core}`);
  }
  return { model, cores: pairs.size || blocks.length, threads: blocks.length };
}

const PACKAGE = /^(?:package|physical) id \d+$/i;

/** One hwmon chip's CPU temperature in m°C: the package / Tdie / Tctl sensor, else its hottest reading. */
async function chipTemperature(dir: string, name: string): Promise<number | null> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /^temp\d+_input$/.test(f));
  } catch {
    return null;
  }
  const readings: { label: string; value: number }[] = [];
  for (const f of files) {
    const value = await readNumber(join(dir, f));
    if (value === null) continue;
    readings.push({ label: (await readText(join(dir, f.replace('_input', '_label')))) ?? '', value });
  }
  const max = (rs: { value: number }[]) => (rs.length ? Math.max(...rs.map((r) => r.value)) : null);
  if (name === 'coretemp') return max(readings.filter((r) => PACKAGE.test(r.label))) ?? max(readings);
  // Tctl carries a fan-control offset on some Ryzens (+20 °C on the 1800X); Tdie is the die itself.
  const tdie = readings.find((r) => r.label === 'Tdie');
  const tctl = readings.find((r) => r.label === 'Tctl');
  return tdie?.value ?? tctl?.value ?? max(readings);
}

const CPU_CHIPS = new Set(['coretemp', 'k10temp', 'zenpower']);

/**
 * CPU temperature, °C, from <sysRoot>/class/hwmon: coretemp (Intel) or k10temp / zenpower (AMD).
 * With several sockets the hottest package counts.
 */
export async function cpuTemperature(sysRoot = '/sys'): Promise<number | null> {
  const base = join(sysRoot, 'class', 'hwmon');
  let dirs: string[];
  try {
    dirs = await readdir(base);
  } catch {
    return null;
  }
  let best: number | null = null;
  for (const d of dirs.sort()) {
    const name = await readText(join(base, d, 'name'));
    if (!name || !CPU_CHIPS.has(name)) continue;
    const t = await chipTemperature(join(base, d), name);
    if (t !== null && (best === null || t > best)) best = t;
  }
  return best === null ? null : best / 1000;
}

/** CPU model (as the OS names it), cores, threads, 1-minute load and temperature. Falls back to node:os off Linux. */
export async function probeCpu(opts: ProbeRoots = {}): Promise<CpuInfo> {
  const procRoot = opts.procRoot ?? '/proc';
  const info = parseCpuinfo((await readText(join(procRoot, 'cpuinfo'))) ?? '');
  const nodeCpus = os.cpus();
  const threads = info.threads || nodeCpus.length || 1;
  const loadText = await readText(join(procRoot, 'loadavg'));
  const load = loadText ? Number(loadText.split(/\s+/)[0]) : Number.NaN;
  return {
    model: info.model ?? (nodeCpus[0]?.model.trim() || null),
    cores: info.threads ? info.cores : threads,
    threads,
    // Windows has no load average (node reports 0): unknown, not idle.
    load1: Number.isFinite(load) ? load : process.platform === 'win32' ? null : (os.loadavg()[0] ?? null),
    temperature: await cpuTemperature(opts.sysRoot),
  };
}

/** "MemTotal:  24684084 kB" → bytes. */
function meminfoBytes(text: string, key: string): number | null {
  const m = new RegExp(`^${key}:\\s*(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** Memory, uptime and an OS string ("Debian GNU/Linux 12 (bookworm) (Linux 6.1.0-18-amd64)"). */
export async function probeSystem(opts: ProbeRoots = {}): Promise<SystemInfo> {
  const procRoot = opts.procRoot ?? '/proc';
  const etcRoot = opts.etcRoot ?? '/etc';
  const meminfo = (await readText(join(procRoot, 'meminfo'))) ?? '';
  const uptimeText = await readText(join(procRoot, 'uptime'));
  const uptime = uptimeText ? Number(uptimeText.split(/\s+/)[0]) : Number.NaN;
  const osRelease = await readText(join(etcRoot, 'os-release'));
  const pretty = osRelease ? /^PRETTY_NAME=["']?(.*?)["']?$/m.exec(osRelease)?.[1] : undefined;
  const kernel = await readText(join(procRoot, 'sys', 'kernel', 'osrelease'));
  const base =
    process.platform === 'win32' ? `${os.version()} ${os.release()}` : `${os.type()} ${os.release()}`;
  return {
    memory: {
      totalBytes: meminfoBytes(meminfo, 'MemTotal') ?? os.totalmem(),
      // MemAvailable counts reclaimable cache, as os.freemem() does; MemFree alone reads near 0 on a busy box.
      freeBytes: meminfoBytes(meminfo, 'MemAvailable') ?? meminfoBytes(meminfo, 'MemFree') ?? os.freemem(),
    },
    uptimeSeconds: Number.isFinite(uptime) ? uptime : os.uptime(),
    os: pretty ? `${pretty} (Linux ${kernel ?? os.release()})` : base,
  };
}
