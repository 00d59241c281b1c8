import { lolminer } from './lolminer.js';
import type { StatsAdapter } from './types.js';
import { xmrig } from './xmrig.js';

/** Every stats adapter by catalogue name. */
export const adapters: Record<string, StatsAdapter> = { xmrig, lolminer };

export function findAdapter(name: string): StatsAdapter | undefined {
  return adapters[name];
}
