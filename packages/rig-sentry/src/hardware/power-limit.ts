import { writeFile } from 'node:fs/promises';
import { normalizeBusId } from '../adapters/util.js';
import type { Runner } from './nvidia.js';
import type { GpuInfo } from './types.js';

/** One watt figure for every GPU, or per GPU keyed by bus id (any form normalizeBusId reads). */
export type PowerLimits = number | Readonly<Record<string, number>>;

interface ActionBase {
  busId: string;
  /** What will be set, after clamping to the range the driver accepts. */
  watts: number;
  /** Present when clamping changed the figure asked for. */
  requested?: number;
}

export type PowerAction =
  | (ActionBase & { vendor: 'nvidia'; command: [string, string[]] })
  | (ActionBase & { vendor: 'amd'; path: string; value: string });

export type Log = (msg: string, extra?: Record<string, unknown>) => void;
export type FileWriter = (path: string, value: string) => Promise<void>;

export const POWER_LIMIT_TIMEOUT_MS = 15_000;

function limitFor(gpu: GpuInfo, limits: PowerLimits): number | null {
  if (typeof limits === 'number') return limits;
  for (const [key, w] of Object.entries(limits)) if ((normalizeBusId(key) ?? key) === gpu.busId) return w;
  return null;
}

/** The driver rejects a limit outside its range and leaves the old one; the nearest allowed value is closer to what was meant. */
function clamp(w: number, gpu: GpuInfo): number {
  let out = w;
  if (gpu.powerLimitMin && out < gpu.powerLimitMin) out = gpu.powerLimitMin;
  if (gpu.powerLimitMax && out > gpu.powerLimitMax) out = gpu.powerLimitMax;
  return out;
}

/** nvidia-smi -i takes the bus id with its domain as nvidia-smi prints it, or the index when no bus id was read. */
function nvidiaSelector(gpu: GpuInfo): string {
  if (gpu.pciBusId) return gpu.pciBusId;
  const index = /^index-(\d+)$/.exec(gpu.busId)?.[1];
  return index ?? `00000000:${gpu.busId.toUpperCase()}`;
}

const fmt = (w: number) => String(Number(w.toFixed(2)));

/**
 * What setting the limits takes: `nvidia-smi -i <bus id> -pl <W>` per NVIDIA GPU, and the cap in
 * µW written to hwmon power1_cap per AMD GPU. GPUs without a limit, or AMD cards without a
 * power1_cap, get no action. Pure: nothing is run.
 */
export function planPowerLimits(gpus: readonly GpuInfo[], limits: PowerLimits): PowerAction[] {
  const out: PowerAction[] = [];
  for (const g of gpus) {
    const requested = limitFor(g, limits);
    if (requested === null || !Number.isFinite(requested) || requested <= 0) continue;
    const watts = clamp(requested, g);
    const base: ActionBase = { busId: g.busId, watts, ...(watts !== requested ? { requested } : {}) };
    if (g.vendor === 'nvidia')
      out.push({
        ...base,
        vendor: 'nvidia',
        command: ['nvidia-smi', ['-i', nvidiaSelector(g), '-pl', fmt(watts)]],
      });
    else if (g.powerCapPath)
      out.push({ ...base, vendor: 'amd', path: g.powerCapPath, value: String(Math.round(watts * 1e6)) });
  }
  return out;
}

/** The action as a shell line, for logs. */
export function describeAction(a: PowerAction): string {
  return a.vendor === 'nvidia' ? [a.command[0], ...a.command[1]].join(' ') : `echo ${a.value} > ${a.path}`;
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

/**
 * Applies GPU power limits before miners start and puts the limits found before the first change
 * back when they stop. Where there is no GPU (or no nvidia-smi) it logs what it would have run.
 */
export class PowerLimiter {
  /** The limit each GPU had before we first changed it; later applies must not overwrite it with ours. */
  private readonly original = new Map<string, GpuInfo>();

  constructor(
    private readonly run: Runner,
    private readonly log: Log,
    private readonly write: FileWriter = (p, v) => writeFile(p, v),
  ) {}

  private async perform(a: PowerAction): Promise<boolean> {
    const line = describeAction(a);
    try {
      if (a.vendor === 'nvidia') await this.run(a.command[0], a.command[1], POWER_LIMIT_TIMEOUT_MS);
      else await this.write(a.path, a.value);
      const note = a.requested !== undefined ? ` (asked ${a.requested} W, outside the card's range)` : '';
      this.log(`GPU ${a.busId}: power limit ${a.watts} W${note}`, { command: line });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException)?.code === 'ENOENT' && a.vendor === 'nvidia') {
        this.log(`GPU ${a.busId}: nvidia-smi not found, would run "${line}"`, { command: line });
        return false;
      }
      this.log(`GPU ${a.busId}: could not set power limit ${a.watts} W: ${firstLine(err)}`, {
        command: line,
      });
      return false;
    }
  }

  /** Sets the limits; returns the actions that succeeded. */
  async apply(gpus: readonly GpuInfo[], limits: PowerLimits | null): Promise<PowerAction[]> {
    if (limits === null) return [];
    if (!gpus.length) {
      const w = typeof limits === 'number' ? limits : Math.min(...Object.values(limits));
      if (!Number.isFinite(w)) return [];
      const nvidia = `nvidia-smi -pl ${fmt(w)}`;
      const amd = `echo ${Math.round(w * 1e6)} > /sys/class/drm/cardN/device/hwmon/hwmonM/power1_cap`;
      this.log(`no GPU found: would run "${nvidia}" (NVIDIA) or "${amd}" (AMD)`, { commands: [nvidia, amd] });
      return [];
    }
    const actions = planPowerLimits(gpus, limits);
    for (const g of gpus)
      if (limitFor(g, limits) !== null && !actions.some((a) => a.busId === g.busId))
        this.log(`GPU ${g.busId}: no power limit control found (no power1_cap), left as it is`);
    const done: PowerAction[] = [];
    for (const a of actions) {
      const gpu = gpus.find((g) => g.busId === a.busId);
      if (!(await this.perform(a))) continue;
      done.push(a);
      if (gpu && !this.original.has(a.busId)) {
        if (gpu.powerLimit === null)
          this.log(`GPU ${a.busId}: previous power limit unknown, it will not be restored`);
        else this.original.set(a.busId, gpu);
      }
    }
    return done;
  }

  /** Puts back every limit changed since the last restore. */
  async restore(): Promise<void> {
    const prev = [...this.original.values()];
    this.original.clear();
    for (const g of prev) for (const a of planPowerLimits([g], g.powerLimit ?? 0)) await this.perform(a);
  }

  /** Bus id → the watts restore() would put back. */
  get previousLimits(): Record<string, number> {
    return Object.fromEntries([...this.original].map(([bus, g]) => [bus, g.powerLimit ?? 0]));
  }
}
