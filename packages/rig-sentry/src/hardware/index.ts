import { execFile } from 'node:child_process';
import { probeAmd } from './amd.js';
import { type ProbeRoots, probeCpu, probeSystem, type SystemInfo } from './cpu.js';
import { type GpuProbe, probeNvidia, type Runner } from './nvidia.js';
import type { CpuInfo, HardwareSnapshot } from './types.js';

/** Runs a program without a shell; a failure carries its stdout/stderr so callers can read nvidia-smi's message. */
export const execRunner: Runner = (cmd, args, timeoutMs) =>
  new Promise((resolve, reject) =>
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stdout, stderr })) : resolve({ stdout })),
    ),
  );

export interface ProbeOptions extends ProbeRoots {
  run?: Runner;
  /** Each probe can be switched off; it then reports 'disabled'. All are on by default. */
  nvidia?: boolean;
  amd?: boolean;
  cpu?: boolean;
  /** Longest any one probe may take (a hung GPU can block sysfs reads). */
  timeoutMs?: number;
}

export const PROBE_TIMEOUT_MS = 15_000;

type Outcome<T> = { ok: true; value: T } | { ok: false; status: string };

/** Runs one probe so that its exception or hang becomes its own "error: …" and nothing else's. */
async function isolated<T>(enabled: boolean, timeoutMs: number, fn: () => Promise<T>): Promise<Outcome<T>> {
  if (!enabled) return { ok: false, status: 'disabled' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    return { ok: true, value: await Promise.race([Promise.resolve().then(fn), timeout]) };
  } catch (err) {
    return { ok: false, status: `error: ${String((err as Error)?.message ?? err).split('\n')[0]}` };
  } finally {
    clearTimeout(timer);
  }
}

const gpuStatus = (o: Outcome<GpuProbe>) => (o.ok ? o.value.status : o.status);
const gpuList = (o: Outcome<GpuProbe>) => (o.ok ? o.value.gpus : []);

const UNKNOWN_CPU: CpuInfo = { model: null, cores: 0, threads: 0, load1: null, temperature: null };

/**
 * Everything the rig reports: CPU, memory, uptime, OS and GPUs (NVIDIA via nvidia-smi, AMD via
 * sysfs). Every probe is optional and isolated: absent hardware is reported absent, a failing or
 * hanging probe as "error: …" in `probes`, and the rest still return.
 */
export async function probeHardware(opts: ProbeOptions = {}): Promise<HardwareSnapshot> {
  const t = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  const roots: ProbeRoots = { procRoot: opts.procRoot, sysRoot: opts.sysRoot, etcRoot: opts.etcRoot };
  const [cpu, system, nvidia, amd] = await Promise.all([
    isolated(opts.cpu ?? true, t, () => probeCpu(roots)),
    isolated(true, t, () => probeSystem(roots)),
    isolated(opts.nvidia ?? true, t, () => probeNvidia(opts.run ?? execRunner, Math.max(1, t - 1000))),
    isolated(opts.amd ?? true, t, () => probeAmd(opts.sysRoot)),
  ]);
  const sys: SystemInfo = system.ok
    ? system.value
    : { memory: { totalBytes: 0, freeBytes: 0 }, uptimeSeconds: 0, os: 'unknown' };
  return {
    cpu: cpu.ok ? cpu.value : UNKNOWN_CPU,
    ...sys,
    gpus: [...gpuList(nvidia), ...gpuList(amd)],
    probes: {
      nvidia: gpuStatus(nvidia),
      amd: gpuStatus(amd),
      cpu: cpu.ok ? 'present' : cpu.status,
      system: system.ok ? 'present' : system.status,
    },
  };
}
