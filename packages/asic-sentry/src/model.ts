/**
 * The one data model every ASIC driver maps its make's answers into. Hashrates are H/s, power W,
 * temperatures °C, fans RPM; a value the firmware does not report is left out, never guessed.
 */
export type AsicState = 'mining' | 'sleeping' | 'starting' | 'error' | 'offline';

export type Capability = 'sleep' | 'wake' | 'powerTarget' | 'reboot';

export interface AsicBoard {
  index: number;
  /** H/s. */
  hashrate?: number;
  chips?: number;
  expectedChips?: number;
  boardTemp?: number;
  chipTemp?: number;
  /** `ok`, `missing`, `error` or the firmware's own word. */
  status?: string;
}

export interface AsicFan {
  name: string;
  rpm: number;
}

export interface AsicPool {
  url: string;
  user?: string;
  status?: string;
  accepted?: number;
  rejected?: number;
  stale?: number;
}

export interface AsicReading {
  make: string;
  model?: string;
  /** Firmware family (`stock`, `Braiins OS`, `LuxOS`, `VNish`, `AxeOS` …). */
  firmware?: string;
  firmwareVersion?: string;
  serial?: string;
  mac?: string;
  hostname?: string;
  algorithm?: string;
  /** Current total hashrate, H/s. */
  hashrate?: number;
  /** Average hashrate since start (or the firmware's longest window), H/s. */
  hashrateAvg?: number;
  /** Nominal (expected, factory) hashrate, H/s. */
  hashrateNominal?: number;
  boards: AsicBoard[];
  fans: AsicFan[];
  powerW?: number;
  /** Power target/limit the firmware is tuned to, W. */
  powerLimitW?: number;
  /** J/TH, computed from power and hashrate when the firmware does not report it. */
  efficiencyJTH?: number;
  pools: AsicPool[];
  uptimeS?: number;
  errors: string[];
  warnings: string[];
  state: AsicState;
}

/** Who the device at an address is, as identification found it. */
export interface AsicIdentity {
  /** Driver type (`antminer`, `whatsminer`, …). */
  type: string;
  make: string;
  model?: string;
  firmware?: string;
  firmwareVersion?: string;
}

/** How to reach one ASIC and within which bounds. */
export interface AsicTarget {
  ip: string;
  /** The driver's main port when not given. */
  port?: number;
  user?: string;
  password?: string;
  timeoutMs: number;
  maxBytes: number;
}

export const asicLimits = {
  /** Per request to a miner. */
  requestTimeoutMs: 5_000,
  /** Largest answer read from a miner; a bigger one marks that ASIC, nothing else. */
  maxResponseBytes: 1024 * 1024,
  /** Default poll interval. */
  pollIntervalMs: 30_000,
} as const;

/** Completes a reading: efficiency from power and hashrate when the firmware gave both. */
export function finishReading(r: AsicReading): AsicReading {
  if (r.efficiencyJTH === undefined && r.powerW && r.hashrate && r.hashrate > 0) {
    r.efficiencyJTH = Math.round((r.powerW / (r.hashrate / 1e12)) * 100) / 100;
  }
  if (r.hashrate === undefined && r.boards.some((b) => b.hashrate !== undefined)) {
    r.hashrate = r.boards.reduce((s, b) => s + (b.hashrate ?? 0), 0);
  }
  return r;
}
