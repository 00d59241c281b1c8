import { identify, probePorts } from './identify.js';
import type { AsicIdentity } from './model.js';
import { tcpOpen } from './transport/tcp.js';

export const scanLimits = {
  /** Largest number of addresses one scan takes (a /16). */
  maxAddresses: 65_536,
  /** Hosts whose ports are being tried at once. */
  connectConcurrency: 256,
  /** Hosts being identified at once (they answer slower and have small CPUs). */
  identifyConcurrency: 128,
  connectTimeoutMs: 500,
  identifyTimeoutMs: 3_000,
} as const;

const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
const isIp = (s: string) =>
  /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) && s.split('.').every((o) => Number(o) <= 255);

/**
 * Expands ranges into addresses, each once: `10.0.0.0/22` (without network and broadcast address
 * for prefixes up to /30), `10.0.0.5`, or `10.0.0.10-50` (last-octet range).
 */
export function expandRanges(ranges: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (ip: string) => {
    if (seen.has(ip)) return;
    if (out.length >= scanLimits.maxAddresses)
      throw new Error(`a scan takes at most ${scanLimits.maxAddresses} addresses; split the ranges`);
    seen.add(ip);
    out.push(ip);
  };
  for (const r of ranges) {
    const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(r.trim());
    const dash = /^(\d+\.\d+\.\d+)\.(\d+)-(\d+)$/.exec(r.trim());
    if (cidr && isIp(cidr[1]!) && Number(cidr[2]) <= 32) {
      const bits = Number(cidr[2]);
      if (bits < 16) throw new Error(`${r}: ranges larger than a /16 are refused`);
      const size = 2 ** (32 - bits);
      const start = Math.floor(ipToInt(cidr[1]!) / size) * size;
      const [lo, hi] = size > 2 ? [start + 1, start + size - 2] : [start, start + size - 1];
      for (let n = lo; n <= hi; n++) add(intToIp(n));
    } else if (dash && Number(dash[2]) <= Number(dash[3]) && Number(dash[3]) <= 255) {
      for (let o = Number(dash[2]); o <= Number(dash[3]); o++) add(`${dash[1]}.${o}`);
    } else if (isIp(r.trim())) add(r.trim());
    else
      throw new Error(
        `"${r}" is not an address, a CIDR range (10.0.0.0/24) or a last-octet range (10.0.0.10-50)`,
      );
  }
  return out;
}

export interface ScanHit extends AsicIdentity {
  ip: string;
  /** Current hashrate from a first read (H/s), when the read succeeded. */
  hashrate?: number;
}

export interface ScanOptions {
  connectConcurrency?: number;
  identifyConcurrency?: number;
  connectTimeoutMs?: number;
  identifyTimeoutMs?: number;
  onFound?: (hit: ScanHit) => void;
  onProgress?: (done: number, total: number) => void;
  /** Extra per-host work after identification (the CLI reads the hashrate). */
  enrich?: (hit: ScanHit) => Promise<void>;
}

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/**
 * Two stages with their own limits, as farms need: a short TCP connect to the probe ports of every
 * address, then identification only of hosts that accepted a connection. Results are streamed to
 * `onFound` as they come and returned at the end.
 */
export async function scan(ranges: readonly string[], opts: ScanOptions = {}): Promise<ScanHit[]> {
  const addresses = expandRanges(ranges);
  const connectTimeoutMs = opts.connectTimeoutMs ?? scanLimits.connectTimeoutMs;
  const identifyTimeoutMs = opts.identifyTimeoutMs ?? scanLimits.identifyTimeoutMs;
  const hits: ScanHit[] = [];
  const identifyQueue: Array<{ ip: string; closed: Set<number> }> = [];
  let done = 0;
  let connectFinished = false;
  const waiters: Array<() => void> = [];
  const progress = () => opts.onProgress?.(done, addresses.length);

  const identifyOne = async ({ ip, closed }: { ip: string; closed: Set<number> }) => {
    const id = await identify({ ip, timeoutMs: identifyTimeoutMs, maxBytes: 1024 * 1024 }, closed).catch(
      () => null,
    );
    if (id) {
      const hit: ScanHit = { ip, ...id };
      if (opts.enrich) await opts.enrich(hit).catch(() => {});
      hits.push(hit);
      opts.onFound?.(hit);
    }
    done++;
    progress();
  };

  // Identification workers take hosts as the connect stage finds them.
  const identifiers = Array.from(
    { length: opts.identifyConcurrency ?? scanLimits.identifyConcurrency },
    async () => {
      for (;;) {
        const job = identifyQueue.shift();
        if (job) {
          await identifyOne(job);
          continue;
        }
        if (connectFinished) return;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  );
  const kick = () => waiters.shift()?.();

  await pool(addresses, opts.connectConcurrency ?? scanLimits.connectConcurrency, async (ip) => {
    const open = await Promise.all(probePorts.map((port) => tcpOpen(ip, port, connectTimeoutMs)));
    if (open.some(Boolean)) {
      identifyQueue.push({ ip, closed: new Set(probePorts.filter((_, i) => !open[i])) });
      kick();
    } else {
      done++;
      progress();
    }
  });
  connectFinished = true;
  // Wake every idle identifier so it sees the end.
  for (const w of waiters.splice(0)) w();
  await Promise.all(identifiers);
  return hits;
}
