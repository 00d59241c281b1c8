import type { AsicPowerState } from '@mrm/protocol';
import type { Capability } from './model.js';

export type PowerAction = 'sleep' | 'wake' | 'relay-off' | 'relay-on';
export type ActualPower = 'on' | 'sleep' | 'off' | 'unknown';

export interface PowerDecision {
  action: PowerAction | null;
  /** Why nothing can be done, when the expected state is out of reach. */
  note?: string;
}

/**
 * What to do to bring an ASIC from its actual power state to the expected one, with what its
 * firmware allows and whether a relay feeds it. `sleep` falls back to the relay when the firmware
 * cannot sleep; `off` prefers the relay and falls back to firmware sleep.
 */
export function decidePower(
  expected: AsicPowerState,
  actual: ActualPower,
  caps: readonly Capability[],
  hasRelay: boolean,
): PowerDecision {
  if (expected === 'on') {
    if (actual === 'off') return hasRelay ? { action: 'relay-on' } : { action: null };
    if (actual === 'sleep')
      return caps.includes('wake')
        ? { action: 'wake' }
        : { action: null, note: 'the firmware cannot be woken over its API' };
    return { action: null };
  }
  if (expected === 'sleep') {
    if (actual === 'on') {
      if (caps.includes('sleep')) return { action: 'sleep' };
      if (hasRelay) return { action: 'relay-off' };
      return { action: null, note: 'this firmware cannot sleep over its API and no relay is configured' };
    }
    return { action: null };
  }
  // off
  if (actual === 'off') return { action: null };
  if (hasRelay) return { action: 'relay-off' };
  if (actual === 'on' && caps.includes('sleep'))
    return { action: 'sleep', note: 'no relay configured: put to sleep instead of off' };
  if (actual === 'sleep') return { action: null, note: 'no relay configured: left asleep instead of off' };
  return { action: null, note: 'no relay configured and the firmware cannot sleep' };
}
