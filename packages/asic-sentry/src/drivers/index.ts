import { antminerDriver } from './antminer.js';
import { avalonDriver } from './avalon.js';
import { bitaxeDriver } from './bitaxe.js';
import { braiinsDriver } from './braiins.js';
import { epicDriver } from './epic.js';
import { goldshellDriver } from './goldshell.js';
import { iceriverDriver } from './iceriver.js';
import { innosiliconDriver } from './innosilicon.js';
import { luxosDriver } from './luxos.js';
import type { AsicDriver } from './types.js';
import { vnishDriver } from './vnish.js';
import { whatsminerDriver } from './whatsminer.js';

/**
 * The identification order (ARCHITECTURE.md, "Identifying an ASIC"). Custom firmwares come before
 * stock Antminer because they run on Antminer hardware and echo its strings; makes recognised by
 * their own banner come next; stock Antminer is last. `scan` and `add --type auto` both use it.
 */
export const identificationOrder: readonly AsicDriver[] = [
  braiinsDriver,
  luxosDriver,
  vnishDriver,
  whatsminerDriver,
  avalonDriver,
  innosiliconDriver,
  goldshellDriver,
  epicDriver,
  bitaxeDriver,
  iceriverDriver,
  antminerDriver,
];

export const drivers: ReadonlyMap<string, AsicDriver> = new Map(identificationOrder.map((d) => [d.type, d]));

export const driverTypes: readonly string[] = identificationOrder.map((d) => d.type);

export function driverFor(type: string): AsicDriver | undefined {
  return drivers.get(type.toLowerCase());
}
