import { bzminer } from './miners/bzminer.js';
import { cpuminerOpt } from './miners/cpuminer-opt.js';
import { gminer } from './miners/gminer.js';
import { lolminer } from './miners/lolminer.js';
import { miniz } from './miners/miniz.js';
import { nbminer } from './miners/nbminer.js';
import { onezerominer } from './miners/onezerominer.js';
import { rigel } from './miners/rigel.js';
import { srbminerMulti } from './miners/srbminer-multi.js';
import { trex } from './miners/t-rex.js';
import { teamredminer } from './miners/teamredminer.js';
import type { SimulatedProgram } from './miners/types.js';
import { xmrig } from './miners/xmrig.js';

/** Every simulated program by catalogue name, in the catalogue's order. */
export const programs: Record<string, SimulatedProgram> = {
  xmrig,
  lolminer,
  bzminer,
  't-rex': trex,
  gminer,
  nbminer,
  teamredminer,
  'srbminer-multi': srbminerMulti,
  rigel,
  onezerominer,
  miniz,
  'cpuminer-opt': cpuminerOpt,
};
