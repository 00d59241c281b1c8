import { AsicError } from '../errors.js';
import { shellyGen1Relay } from './shelly-gen1.js';
import { shellyGen2Relay } from './shelly-gen2.js';
import { tasmotaRelay } from './tasmota.js';
import type { RelayDriver, RelayKind, RelayTarget } from './types.js';

export { RelayGuard } from './rate-limit.js';
export { shellyGen1Relay } from './shelly-gen1.js';
export { digestAuthorization, shellyGen2Relay } from './shelly-gen2.js';
export { tasmotaRelay } from './tasmota.js';
export type { RelayDriver, RelayKind, RelayTarget } from './types.js';
export { relayHttpTarget } from './types.js';

export const relayDrivers: Record<RelayKind, RelayDriver> = {
  'shelly-gen1': shellyGen1Relay,
  'shelly-gen2': shellyGen2Relay,
  tasmota: tasmotaRelay,
};

export interface RelaySwitchResult {
  /** The relay is now in a different state than before the call. */
  changed: boolean;
  /** The state as last read from the relay (true = power on). */
  state: boolean;
  /** Set when something needs an operator's eye (e.g. the command timed out). */
  note?: string;
}

/**
 * Switches a relay with the physical outcome always known: reads the state first and does nothing
 * when it is already as wanted; otherwise sends the command exactly once. When that command times
 * out it is NOT resent (the relay may well have switched): the state is read back and reported as
 * it is. A refused command (read back unchanged after an answered command) is thrown.
 */
export async function setRelaySafely(
  driver: RelayDriver,
  target: RelayTarget,
  on: boolean,
): Promise<RelaySwitchResult> {
  const before = await driver.get(target);
  if (before === on) return { changed: false, state: before };
  try {
    await driver.set(target, on);
    return { changed: true, state: on };
  } catch (err) {
    if (!(err instanceof AsicError) || err.reason !== 'timeout') throw err;
    let now: boolean;
    try {
      now = await driver.get(target);
    } catch (readErr) {
      const why = readErr instanceof Error ? readErr.message : String(readErr);
      throw new AsicError(
        'timeout',
        `${err.message}; not resent, and the state could not be read back (${why}): outcome unknown`,
      );
    }
    return {
      changed: now !== before,
      state: now,
      note:
        now === on
          ? `the command timed out but the relay is now ${on ? 'on' : 'off'}; not resent`
          : `the command timed out and the relay is still ${now ? 'on' : 'off'}; not resent`,
    };
  }
}
