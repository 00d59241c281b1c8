import { gminer } from './gminer.js';
import { lolminer } from './lolminer.js';
import { nbminer } from './nbminer.js';
import { trex } from './t-rex.js';
import type { StatsAdapter } from './types.js';
import { xmrig } from './xmrig.js';

/** Every stats adapter by catalogue name. */
export const adapters: Record<string, StatsAdapter> = { xmrig, lolminer, 't-rex': trex, gminer, nbminer };

export function findAdapter(name: string): StatsAdapter | undefined {
  return adapters[name];
}
