import { execFile } from 'node:child_process';
import { freemem, type as osType, release, totalmem, uptime } from 'node:os';
import { probeAmd } from './amd.js';
import { probeCpu } from './cpu.js';
import { probeNvidia, type Runner } from './nvidia.js';
import type { HardwareSnapshot } from './types.js';

export const execRunner: Runner = (cmd, args, timeoutMs) =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve({ stdout }),
    ),
  );

/** Every probe is optional and isolated: absent hardware is reported absent, a failing probe as its error. */
export async function probeHardware(
  opts: { run?: Runner; sysRoot?: string; procRoot?: string } = {},
): Promise<HardwareSnapshot> {
  const [cpu, nvidia, amd] = await Promise.all([
    probeCpu({ procRoot: opts.procRoot, sysRoot: opts.sysRoot }),
    probeNvidia(opts.run ?? execRunner),
    probeAmd(opts.sysRoot).catch((err: Error) => ({ status: `error: ${err.message}`, gpus: [] })),
  ]);
  return {
    cpu,
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    uptimeSeconds: uptime(),
    os: `${osType()} ${release()}`,
    gpus: [...nvidia.gpus, ...amd.gpus],
    probes: { nvidia: nvidia.status, amd: amd.status },
  };
}
