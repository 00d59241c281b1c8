import { AsicError } from '../errors.js';
import type { AsicTarget } from '../model.js';

export type RelayKind = 'shelly-gen1' | 'shelly-gen2' | 'tasmota';

/** A smart plug / relay that feeds one ASIC. */
export interface RelayTarget {
  kind: RelayKind;
  host: string;
  /** HTTP port; 80 when not given (all three firmwares serve their API on port 80). */
  port?: number;
  /** 0-based output index (Shelly `id`/relay index; Tasmota Power<channel+1>). Defaults to 0. */
  channel?: number;
  user?: string;
  password?: string;
  timeoutMs: number;
  maxBytes: number;
}

export interface RelayDriver {
  kind: RelayKind;
  /** true = power on */
  get(t: RelayTarget): Promise<boolean>;
  /**
   * Sends the switch command exactly once (never retried), then reads the state back and throws
   * AsicError('refused_command') when it did not change.
   */
  set(t: RelayTarget, on: boolean): Promise<void>;
}

/** The transports speak to an AsicTarget; a relay is just another HTTP host. */
export function relayHttpTarget(t: RelayTarget): AsicTarget {
  return { ip: t.host, port: t.port ?? 80, timeoutMs: t.timeoutMs, maxBytes: t.maxBytes };
}

export const relayChannel = (t: RelayTarget): number => {
  const ch = t.channel ?? 0;
  if (!Number.isInteger(ch) || ch < 0 || ch > 15)
    throw new AsicError('unsupported', `${t.kind} ${t.host}: relay channel ${ch} is not an index 0..15`);
  return ch;
};

export const relayWhere = (t: RelayTarget): string =>
  `${t.kind} ${t.host}:${t.port ?? 80} channel ${t.channel ?? 0}`;
