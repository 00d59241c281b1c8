import { AntminerSim } from './antminer.js';
import { AvalonSim } from './avalon.js';
import { BitaxeSim } from './bitaxe.js';
import { BraiinsSim } from './braiins.js';
import { EpicSim } from './epic.js';
import { GoldshellSim } from './goldshell.js';
import { IceriverSim } from './iceriver.js';
import { InnosiliconSim } from './innosilicon.js';
import { LuxosSim } from './luxos.js';
import type { AsicSimOptions, AsicSimState, SimulatedAsic } from './types.js';
import { VnishSim } from './vnish.js';
import { WhatsminerSim } from './whatsminer.js';

type Factory = (opts: AsicSimOptions, state?: Partial<AsicSimState>) => SimulatedAsic;

/** One simulator per make/firmware family, by driver type; `whatsminer-v3` is the late-2024 API. */
export const asicSimFactories: Record<string, Factory> = {
  antminer: (o, s) => new AntminerSim(o, s),
  avalon: (o, s) => new AvalonSim(o, s),
  innosilicon: (o, s) => new InnosiliconSim(o, s),
  braiins: (o, s) => new BraiinsSim(o, s),
  luxos: (o, s) => new LuxosSim(o, s),
  vnish: (o, s) => new VnishSim(o, s),
  whatsminer: (o, s) => new WhatsminerSim({ ...o, api: 'v2' }, s),
  'whatsminer-v3': (o, s) => new WhatsminerSim({ ...o, api: 'v3' }, s),
  bitaxe: (o, s) => new BitaxeSim(o, s),
  goldshell: (o, s) => new GoldshellSim(o, s),
  iceriver: (o, s) => new IceriverSim(o, s),
  epic: (o, s) => new EpicSim(o, s),
};

export const simulatedAsicKinds = Object.keys(asicSimFactories);

/** A started farm; `stop` closes every simulator. */
export interface SimulatedFarm {
  sims: SimulatedAsic[];
  byHost: Map<string, SimulatedAsic>;
  stop(): Promise<void>;
}

/**
 * Starts simulators on consecutive loopback addresses from `firstHost` (127.0.1.10 …), cycling
 * through `kinds`. Linux routes all of 127/8 to loopback, so each miner has its own address on its
 * make's real ports.
 */
export async function startFarm(opts: {
  firstHost: string;
  count: number;
  kinds?: readonly string[];
  state?: Partial<AsicSimState>;
}): Promise<SimulatedFarm> {
  const kinds = opts.kinds ?? simulatedAsicKinds;
  const octets = opts.firstHost.split('.').map(Number);
  const base = ((octets[0]! * 256 + octets[1]!) * 256 + octets[2]!) * 256 + octets[3]!;
  const sims: SimulatedAsic[] = [];
  for (let i = 0; i < opts.count; i++) {
    const n = base + i;
    const host = [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
    const kind = kinds[i % kinds.length]!;
    const make = asicSimFactories[kind];
    if (!make) throw new Error(`no simulator for "${kind}" (known: ${simulatedAsicKinds.join(', ')})`);
    sims.push(make({ host }, opts.state));
  }
  const started: SimulatedAsic[] = [];
  try {
    // Bounded parallel start: hundreds of listeners at once are fine on loopback.
    for (let i = 0; i < sims.length; i += 50) {
      const chunk = sims.slice(i, i + 50);
      await Promise.all(chunk.map((s) => s.start().then(() => started.push(s))));
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  return {
    sims,
    byHost: new Map(sims.map((s) => [s.host, s])),
    stop: async () => {
      await Promise.all(sims.map((s) => s.stop()));
    },
  };
}
