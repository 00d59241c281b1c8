import { normalizeBusId } from '../adapters/util.js';
import type { GpuInfo, ProbeStatus } from './types.js';

/** Runs a program; rejects like child_process.execFile (err.code 'ENOENT' when it is not installed). */
export type Runner = (cmd: string, args: string[], timeoutMs: number) => Promise<{ stdout: string }>;

/** The fields asked for; header-less rows come back in exactly this order. */
export const NVIDIA_FIELDS = [
  'pci.bus_id',
  'name',
  'temperature.gpu',
  'temperature.memory',
  'fan.speed',
  'power.draw',
  'power.limit',
  'power.min_limit',
  'power.max_limit',
  'clocks.sm',
  'clocks.mem',
  'utilization.gpu',
] as const;

export const NVIDIA_ARGS: readonly string[] = [
  `--query-gpu=${NVIDIA_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

/** Drivers that do not know a field reject the whole query; temperature.memory is the newest one asked for. */
export const NVIDIA_FIELDS_LEGACY: readonly string[] = NVIDIA_FIELDS.filter(
  (f) => f !== 'temperature.memory',
);
export const NVIDIA_ARGS_LEGACY: readonly string[] = [
  `--query-gpu=${NVIDIA_FIELDS_LEGACY.join(',')}`,
  '--format=csv,noheader,nounits',
];

export const NVIDIA_TIMEOUT_MS = 10_000;

/** nvidia-smi accepts aliases and prints the long names in headers; both map to one key. */
const ALIASES: Record<string, string> = {
  gpu_bus_id: 'pci.bus_id',
  gpu_name: 'name',
  'clocks.current.sm': 'clocks.sm',
  'clocks.current.memory': 'clocks.mem',
  'clocks.memory': 'clocks.mem',
  'clocks.current.graphics': 'clocks.gr',
  'clocks.graphics': 'clocks.gr',
};

/** "fan.speed [%]" → "fan.speed", then the alias. */
function canonical(header: string): string {
  const k = header.trim().replace(/\s*\[[^\]]*\]$/, '');
  return ALIASES[k] ?? k;
}

const KNOWN = new Set<string>([
  ...NVIDIA_FIELDS,
  'clocks.gr',
  'index',
  'uuid',
  'pstate',
  'timestamp',
  'driver_version',
]);
const FIELD_NAME = /^[a-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*(?:\s*\[[^\]]*\])?$/;

/** A header names fields (lower-case dotted words); data never looks like that ("NVIDIA …", "[N/A]", "39", "P0"). */
function isHeader(cells: string[]): boolean {
  return (
    cells.every((c) => FIELD_NAME.test(c.trim())) &&
    cells.some((c) => KNOWN.has(canonical(c)) || c.includes('.'))
  );
}

/** "[N/A]", "[Not Supported]", "N/A", "" → null; "29 %", "106.56 W", "1936 MHz", "37" → the number. */
function numberOf(cell: string | undefined): number | null {
  const m = /^(-?\d+(?:\.\d+)?)(?:\s*[A-Za-z%]+)?$/.exec(cell?.trim() ?? '');
  return m ? Number(m[1]) : null;
}

function textOf(cell: string | undefined): string | null {
  const t = cell?.trim();
  return t && t !== 'N/A' && !/^\[.*\]$/.test(t) ? t : null;
}

/**
 * Parses `nvidia-smi --query-gpu` CSV, one GpuInfo per row (loop mode gives one per sample).
 * With a header line (csv / csv,nounits) columns are found by name; header-less rows
 * (csv,noheader[,nounits]) are read in the order of `fields`. Rows with the wrong number of
 * columns (a wrapped line, an error message) are skipped rather than guessed.
 */
export function parseNvidiaCsv(text: string, fields: readonly string[] = NVIDIA_FIELDS): GpuInfo[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const first = lines[0]?.split(',');
  const hasHeader = first !== undefined && isHeader(first);
  const cols = (hasHeader ? first : fields).map(canonical);
  const gpus: GpuInfo[] = [];
  for (const line of hasHeader ? lines.slice(1) : lines) {
    const cells = line.split(',');
    if (cells.length !== cols.length || isHeader(cells)) continue;
    const get = (name: string) => {
      const i = cols.indexOf(name);
      return i < 0 ? undefined : cells[i];
    };
    const rawBus = textOf(get('pci.bus_id'));
    const busId = normalizeBusId(rawBus);
    const index = numberOf(get('index')) ?? gpus.length;
    gpus.push({
      vendor: 'nvidia',
      busId: busId ?? `index-${index}`,
      name: textOf(get('name')),
      temperature: numberOf(get('temperature.gpu')),
      memoryTemperature: numberOf(get('temperature.memory')),
      fanPercent: numberOf(get('fan.speed')),
      power:
        numberOf(get('power.draw')) ??
        numberOf(get('power.draw.average')) ??
        numberOf(get('power.draw.instant')),
      powerLimit: numberOf(get('power.limit')),
      coreClockMhz: numberOf(get('clocks.sm')) ?? numberOf(get('clocks.gr')),
      memoryClockMhz: numberOf(get('clocks.mem')),
      utilization: numberOf(get('utilization.gpu')),
      ...(busId && rawBus ? { pciBusId: rawBus } : {}),
      powerLimitMin: numberOf(get('power.min_limit')),
      powerLimitMax: numberOf(get('power.max_limit')),
    });
  }
  return gpus;
}

interface ExecError {
  code?: unknown;
  killed?: boolean;
  stdout?: unknown;
  stderr?: unknown;
  message?: unknown;
}

/** The useful line of a failure: nvidia-smi's own message, not execFile's "Command failed: <argv>". */
function reason(err: ExecError, timeoutMs: number): string {
  if (err.killed) return `nvidia-smi timed out after ${timeoutMs} ms`;
  const text = [err.stderr, err.stdout, err.message].filter((t) => typeof t === 'string').join('\n');
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('Command failed') && !l.includes(','));
  return line ?? (String(err.message ?? 'failed').split('\n')[0] as string);
}

export interface GpuProbe {
  status: ProbeStatus;
  gpus: GpuInfo[];
}

/** NVIDIA GPUs through nvidia-smi: not installed → absent; a failure → "error: …" with whatever rows it printed. */
export async function probeNvidia(run: Runner, timeoutMs = NVIDIA_TIMEOUT_MS): Promise<GpuProbe> {
  const attempts: [readonly string[], readonly string[]][] = [
    [NVIDIA_ARGS, NVIDIA_FIELDS],
    [NVIDIA_ARGS_LEGACY, NVIDIA_FIELDS_LEGACY],
  ];
  let last = 'nvidia-smi failed';
  for (const [args, fields] of attempts) {
    try {
      const { stdout } = await run('nvidia-smi', [...args], timeoutMs);
      const gpus = parseNvidiaCsv(stdout, fields);
      if (gpus.length) return { status: 'present', gpus };
      if (!stdout.trim() || /no devices were found/i.test(stdout)) return { status: 'absent', gpus: [] };
      return { status: `error: unrecognised nvidia-smi output: ${stdout.trim().split('\n')[0]}`, gpus: [] };
    } catch (e) {
      const err = (e ?? {}) as ExecError;
      if (err.code === 'ENOENT') return { status: 'absent', gpus: [] };
      last = reason(err, timeoutMs);
      // The driver is installed but sees no GPU: nothing to monitor, not a fault.
      if (/no devices were found/i.test(last)) return { status: 'absent', gpus: [] };
      if (/is not a valid field/i.test(last) && fields !== NVIDIA_FIELDS_LEGACY) continue;
      // A GPU that fell off the bus makes nvidia-smi exit non-zero while it still prints the others.
      const partial = typeof err.stdout === 'string' ? parseNvidiaCsv(err.stdout, fields) : [];
      return { status: `error: ${last}`, gpus: partial };
    }
  }
  return { status: `error: ${last}`, gpus: [] };
}
