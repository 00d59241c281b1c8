import { normalizeBusId } from '../adapters/util.js';
import type { GpuInfo } from './types.js';

export type Runner = (cmd: string, args: string[], timeoutMs: number) => Promise<{ stdout: string }>;

export const NVIDIA_FIELDS = [
  'pci.bus_id',
  'name',
  'temperature.gpu',
  'temperature.memory',
  'fan.speed',
  'power.draw',
  'power.limit',
  'clocks.sm',
  'clocks.mem',
  'utilization.gpu',
] as const;

/** With a header, so fields are found by name whatever the order or driver version. */
export const NVIDIA_ARGS = [`--query-gpu=${NVIDIA_FIELDS.join(',')}`, '--format=csv,nounits'];

/** "[N/A]", "[Not Supported]", "" → null; "29 %", "106.56 W", "1936 MHz" → the number. */
function value(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = v.trim();
  if (!t || t.startsWith('[')) return null;
  const n = Number.parseFloat(t);
  return Number.isFinite(n) ? n : null;
}

/** Header names without their unit: "fan.speed [%]" → "fan.speed"; clocks.current.* counts as clocks.*. */
const key = (h: string) =>
  h
    .trim()
    .replace(/\s*\[.*\]$/, '')
    .replace(/^clocks\.current\./, 'clocks.');

/** Parses nvidia-smi --query-gpu CSV output that has a header line (units or not). */
export function parseNvidiaCsv(text: string): GpuInfo[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const header = lines.shift();
  if (!header) return [];
  const cols = header.split(',').map(key);
  const at = (row: string[], name: string) => {
    const i = cols.indexOf(name);
    return i < 0 ? undefined : row[i];
  };
  const gpus: GpuInfo[] = [];
  for (const line of lines) {
    const row = line.split(',');
    if (row.length !== cols.length) continue; // a wrapped or garbled line is skipped, not guessed
    const bus = normalizeBusId(at(row, 'pci.bus_id')?.trim());
    gpus.push({
      vendor: 'nvidia',
      busId: bus ?? `index-${gpus.length}`,
      name: at(row, 'name')?.trim() || null,
      temperature: value(at(row, 'temperature.gpu')),
      memoryTemperature: value(at(row, 'temperature.memory')),
      fanPercent: value(at(row, 'fan.speed')),
      power: value(at(row, 'power.draw')),
      powerLimit: value(at(row, 'power.limit')),
      coreClockMhz: value(at(row, 'clocks.sm') ?? at(row, 'clocks.graphics')),
      memoryClockMhz: value(at(row, 'clocks.mem') ?? at(row, 'clocks.memory')),
      utilization: value(at(row, 'utilization.gpu')),
    });
  }
  return gpus;
}

export async function probeNvidia(run: Runner): Promise<{ status: string; gpus: GpuInfo[] }> {
  try {
    const { stdout } = await run('nvidia-smi', NVIDIA_ARGS, 5000);
    return { status: 'present', gpus: parseNvidiaCsv(stdout) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent', gpus: [] };
    return { status: `error: ${(err as Error).message.split('\n')[0]}`, gpus: [] };
  }
}
