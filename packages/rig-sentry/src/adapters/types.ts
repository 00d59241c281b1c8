/**
 * One model for every mining program's local API. Adapters turn each program's own answer into
 * this; nothing is invented: a value the program does not report is null (or absent).
 */
export interface MinerDeviceStats {
  /** The miner's own device index (its numbering, which is NOT the hardware's). */
  index: number;
  /** PCI bus id normalised with normalizeBusId ("01:00.0"), or null when the miner gives none. */
  busId: string | null;
  name: string | null;
  /** H/s. */
  hashrate: number | null;
  accepted: number | null;
  rejected: number | null;
  stale: number | null;
  /** °C, as the miner reports it. */
  temperature: number | null;
  fanPercent: number | null;
  /** W. */
  power: number | null;
}

export interface MinerStats {
  /** Catalogue name of the program, e.g. "xmrig". */
  program: string;
  version: string | null;
  algorithm: string | null;
  pool: { url: string; user: string | null } | null;
  /** Total H/s (for dual mining: the first algorithm). */
  hashrate: number | null;
  accepted: number | null;
  rejected: number | null;
  stale: number | null;
  /** Seconds since the miner started. */
  uptime: number | null;
  devices: MinerDeviceStats[];
}

/** How an adapter reaches its program; every transport is bound to 127.0.0.1:port by the sentry. */
export type Transport =
  | { kind: 'http'; paths: string[] }
  | { kind: 'tcp-json'; request: string }
  | { kind: 'tcp-text'; request: string };

export interface StatsAdapter {
  /** Catalogue name, also the adapter name operators choose for custom software. */
  name: string;
  transport: Transport;
  /**
   * Turns the raw answers (one string per path/request, in transport order) into the model.
   * Throws AdapterError on an answer it cannot understand; never guesses.
   */
  parse(raw: string[]): MinerStats;
}

export class AdapterError extends Error {}
