import { readFile } from 'node:fs/promises';
import { cpus, freemem, type as osType, release, totalmem, uptime } from 'node:os';
import type { HardwareSnapshot } from './types.js';

/** CPU model, threads, load and memory from the OS; the GPU probes plug in beside this. */
export async function probeHardware(): Promise<HardwareSnapshot> {
  const list = cpus();
  let load1: number | null = null;
  try {
    load1 = Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
  } catch {
    // not Linux
  }
  return {
    cpu: {
      model: list[0]?.model.trim() ?? null,
      cores: list.length,
      threads: list.length,
      load1,
      temperature: null,
    },
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    uptimeSeconds: uptime(),
    os: `${osType()} ${release()}`,
    gpus: [],
    probes: { nvidia: 'absent', amd: 'absent' },
  };
}
