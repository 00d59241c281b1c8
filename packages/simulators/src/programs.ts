import { lolminer } from './miners/lolminer.js';
import type { SimulatedProgram } from './miners/types.js';
import { xmrig } from './miners/xmrig.js';

export const programs: Record<string, SimulatedProgram> = { xmrig, lolminer };
