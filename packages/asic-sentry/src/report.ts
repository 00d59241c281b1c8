import { type DeviceReport, limits } from '@mrm/protocol';
import type { AsicError } from './errors.js';
import type { AsicReading, Capability } from './model.js';

export interface AsicPowerInfo {
  expected: 'on' | 'sleep' | 'off';
  /** What the ASIC is doing as far as power goes: on (hashing or starting), sleep, off (relay open). */
  actual: 'on' | 'sleep' | 'off' | 'unknown';
  capabilities: Capability[];
  relay?: { kind: string; host: string; channel: number; on: boolean | null };
  /** Why the expected state is not (yet) reached, in words. */
  note?: string;
}

const clampPools = <T>(xs: T[]) => xs.slice(0, limits.maxPoolsPerDevice);
const clampReadings = <T>(xs: T[]) => xs.slice(0, limits.maxReadingsPerDevice);
const str = (s: string | undefined, max: number) => (s === undefined ? undefined : s.slice(0, max));

/** A successful reading as the protocol's device report. */
export function readingReport(
  key: string,
  at: number,
  r: AsicReading,
  power: AsicPowerInfo,
  asicType: string,
  name?: string,
): DeviceReport {
  const temps = [
    ...r.boards.flatMap((b) => [
      ...(b.boardTemp !== undefined ? [{ name: `board${b.index}`, value: b.boardTemp }] : []),
      ...(b.chipTemp !== undefined ? [{ name: `chip${b.index}`, value: b.chipTemp }] : []),
    ]),
  ];
  const firmware = [r.firmware, r.firmwareVersion].filter(Boolean).join(' ');
  return {
    key,
    at,
    status: power.actual === 'off' ? 'offline' : r.state,
    ...(name ? { name: str(name, 128) } : {}),
    make: str(r.make, 64),
    ...(r.model ? { model: str(r.model, 128) } : {}),
    ...(firmware ? { firmware: str(firmware, 128) } : {}),
    ...(r.algorithm ? { algorithm: str(r.algorithm, 64) } : {}),
    ...(r.hashrate !== undefined ? { hashrate: r.hashrate } : {}),
    ...(r.powerW !== undefined ? { power: r.powerW } : {}),
    temperatures: clampReadings(temps),
    fans: clampReadings(r.fans.map((f) => ({ name: str(f.name, 64)!, value: f.rpm }))),
    pools: clampPools(
      r.pools.map((p) => ({
        url: str(p.url, 512)!,
        ...(p.user !== undefined ? { user: str(p.user, 512) } : {}),
        ...(p.status !== undefined ? { status: str(p.status, 32) } : {}),
        ...(p.accepted !== undefined ? { accepted: p.accepted } : {}),
        ...(p.rejected !== undefined ? { rejected: p.rejected } : {}),
        ...(p.stale !== undefined ? { stale: p.stale } : {}),
      })),
    ),
    ...(r.uptimeS !== undefined ? { uptime: r.uptimeS } : {}),
    details: {
      asicType,
      boards: r.boards.slice(0, 32),
      ...(r.hashrateAvg !== undefined ? { hashrateAvg: r.hashrateAvg } : {}),
      ...(r.hashrateNominal !== undefined ? { hashrateNominal: r.hashrateNominal } : {}),
      ...(r.efficiencyJTH !== undefined ? { efficiencyJTH: r.efficiencyJTH } : {}),
      ...(r.powerLimitW !== undefined ? { powerLimitW: r.powerLimitW } : {}),
      ...(r.mac ? { mac: str(r.mac, 64) } : {}),
      ...(r.hostname ? { hostname: str(r.hostname, 128) } : {}),
      ...(r.serial ? { serial: str(r.serial, 128) } : {}),
      errors: r.errors.slice(0, 20).map((e) => e.slice(0, 300)),
      warnings: r.warnings.slice(0, 20).map((e) => e.slice(0, 300)),
      power,
    },
  };
}

/** A failed poll: the ASIC is marked with the reason; nothing else is affected. */
export function failureReport(
  key: string,
  at: number,
  err: AsicError,
  power: AsicPowerInfo,
  asicType: string,
  name?: string,
): DeviceReport {
  const offline = err.reason === 'timeout' || err.reason === 'refused' || err.reason === 'unreachable';
  return {
    key,
    at,
    status: power.actual === 'off' || offline ? 'offline' : 'error',
    ...(name ? { name: str(name, 128) } : {}),
    details: { asicType, reason: err.reason, error: err.message.slice(0, 500), power },
  };
}
