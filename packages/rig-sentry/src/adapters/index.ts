import { bzminer } from './bzminer.js';
import { cpuminerOpt } from './cpuminer-opt.js';
import { gminer } from './gminer.js';
import { lolminer } from './lolminer.js';
import { miniz } from './miniz.js';
import { nbminer } from './nbminer.js';
import { onezerominer } from './onezerominer.js';
import { rigel } from './rigel.js';
import { srbminer } from './srbminer-multi.js';
import { trex } from './t-rex.js';
import { teamredminer } from './teamredminer.js';
import type { StatsAdapter } from './types.js';
import { xmrig } from './xmrig.js';

/** Every stats adapter by catalogue name. */
export const adapters: Record<string, StatsAdapter> = {
  xmrig,
  lolminer,
  bzminer,
  't-rex': trex,
  gminer,
  nbminer,
  teamredminer,
  'srbminer-multi': srbminer,
  rigel,
  onezerominer,
  miniz,
  'cpuminer-opt': cpuminerOpt,
};

export function findAdapter(name: string): StatsAdapter | undefined {
  return Object.hasOwn(adapters, name) ? adapters[name] : undefined;
}
