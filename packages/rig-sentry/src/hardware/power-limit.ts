import { writeFile } from 'node:fs/promises';
import type { Runner } from './nvidia.js';
import type { GpuInfo } from './types.js';

export type PowerAction =
  | { vendor: 'nvidia'; busId: string; watts: number; command: [string, string[]] }
  | { vendor: 'amd'; busId: string; watts: number; path: string; value: string };

/** What setting every GPU to `watts` takes: nvidia-smi -pl per GPU, or power1_cap in µW for AMD. */
export function planPowerLimits(gpus: GpuInfo[], watts: number): PowerAction[] {
  const out: PowerAction[] = [];
  for (const g of gpus) {
    if (g.vendor === 'nvidia')
      out.push({
        vendor: 'nvidia',
        busId: g.busId,
        watts,
        command: ['nvidia-smi', ['-i', `00000000:${g.busId.toUpperCase()}`, '-pl', String(watts)]],
      });
    else if (g.powerCapPath)
      out.push({
        vendor: 'amd',
        busId: g.busId,
        watts,
        path: g.powerCapPath,
        value: String(Math.round(watts * 1e6)),
      });
  }
  return out;
}

type Log = (msg: string, extra?: Record<string, unknown>) => void;

/**
 * Applies a per-GPU power limit before miners start and puts the previous limits back when they
 * stop. With no GPU to set, it logs what it would have run; the solar controller uses the same.
 */
export class PowerLimiter {
  private previous: GpuInfo[] = [];

  constructor(
    private readonly run: Runner,
    private readonly log: Log,
    private readonly write: (path: string, value: string) => Promise<void> = (p, v) => writeFile(p, v),
  ) {}

  private async perform(actions: PowerAction[]) {
    for (const a of actions) {
      try {
        if (a.vendor === 'nvidia') await this.run(a.command[0], a.command[1], 10_000);
        else await this.write(a.path, a.value);
        this.log(`GPU ${a.busId}: power limit ${a.watts} W`);
      } catch (err) {
        this.log(
          `GPU ${a.busId}: could not set power limit ${a.watts} W: ${(err as Error).message.split('\n')[0]}`,
        );
      }
    }
  }

  async apply(gpus: GpuInfo[], watts: number | null) {
    if (watts === null) return;
    if (!gpus.length) {
      this.log(
        `no GPU found: would run "nvidia-smi -pl ${watts}" (NVIDIA) or write ${watts * 1e6} to power1_cap (AMD)`,
      );
      return;
    }
    this.previous = gpus.filter((g) => g.powerLimit !== null);
    await this.perform(planPowerLimits(gpus, watts));
  }

  async restore() {
    const prev = this.previous;
    this.previous = [];
    for (const g of prev) await this.perform(planPowerLimits([g], g.powerLimit!));
  }
}
