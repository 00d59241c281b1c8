import { type AsicBoard, type AsicReading, finishReading } from '../model.js';
import { bannerText, cgminerCommand, first, type Json, section, statusOf } from '../transport/cgminer.js';
import { count, nonNeg, toHs } from '../units.js';
import { cgminerPools } from './cgminer-common.js';
import type { AsicDriver, PowerControl } from './types.js';

/**
 * Innosilicon (and DragonMint) on the cgminer API (4028); the banner `innominer <model>-<version>`
 * names model and firmware. The firmware has no sleep over its API (only power-off through the web
 * UI), so curtailment goes through a relay; the driver offers no control.
 */

/** Equihash models (A9) count solutions per second in fields named MHS. */
const solsModels = /^A9/i;

function fromBanner(obj: Json): { model?: string; version?: string } {
  const desc = String(statusOf(obj)?.Description ?? '');
  const m = /innominer\s+([a-z0-9+]+)-([\w.]+)/i.exec(desc);
  return m ? { model: m[1]!.toUpperCase(), version: m[2] } : {};
}

const control: PowerControl = {};

export const innosiliconDriver: AsicDriver = {
  type: 'innosilicon',
  make: 'Innosilicon',
  defaultPort: 4028,

  async detect(p) {
    const version = await p.rpc('version');
    if (!version || !bannerText(version).includes('INNOMINER')) return null;
    const b = fromBanner(version);
    return {
      type: 'innosilicon',
      make: 'Innosilicon',
      ...(b.model ? { model: b.model } : {}),
      firmware: 'stock',
      ...(b.version ? { firmwareVersion: b.version } : {}),
    };
  },

  async read(target, identity) {
    const t = { ...target, port: target.port ?? 4028 };
    const [summary, stats, pools] = await Promise.all([
      cgminerCommand(t, 'summary'),
      cgminerCommand(t, 'stats').catch(() => null),
      cgminerCommand(t, 'pools').catch(() => null),
    ]);
    const b = fromBanner(summary);
    const model = identity?.model ?? b.model;
    const unit = model && solsModels.test(model) ? 'H' : 'MH';
    const s = first(summary, 'SUMMARY');
    const chains = stats ? section(stats, 'STATS').filter((c) => c['Chain ID'] !== undefined) : [];
    const boards: AsicBoard[] = chains.map((c, i) => {
      const chips = count(c['Num active chips']);
      const expected = count(c['Num chips']);
      const temp = nonNeg(c.Temp);
      const max = nonNeg(c['Temp max']);
      return {
        index: count(c['Chain ID']) ?? i,
        ...(chips !== undefined ? { chips } : {}),
        ...(expected !== undefined ? { expectedChips: expected } : {}),
        ...(temp !== undefined ? { boardTemp: temp } : {}),
        ...(max !== undefined ? { chipTemp: max } : {}),
        status:
          chips === 0
            ? 'missing'
            : expected !== undefined && chips !== undefined && chips < expected
              ? 'chips missing'
              : 'ok',
      };
    });
    const hashrate = toHs(s['MHS 5s'] ?? s['MHS 1m'], unit);
    const r: AsicReading = {
      make: 'Innosilicon',
      ...(model ? { model } : {}),
      firmware: 'stock',
      ...((identity?.firmwareVersion ?? b.version)
        ? { firmwareVersion: identity?.firmwareVersion ?? b.version }
        : {}),
      ...(model && solsModels.test(model) ? { algorithm: 'Equihash' } : {}),
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(toHs(s['MHS av'], unit) !== undefined ? { hashrateAvg: toHs(s['MHS av'], unit) } : {}),
      boards,
      fans: [],
      pools: cgminerPools(pools),
      ...(count(s.Elapsed) !== undefined ? { uptimeS: count(s.Elapsed) } : {}),
      errors: boards.filter((x) => x.status === 'missing').map((x) => `hash board ${x.index} has no chips`),
      warnings: boards
        .filter((x) => x.status === 'chips missing')
        .map((x) => `hash board ${x.index} is missing chips`),
      state: hashrate && hashrate > 0 ? 'mining' : 'starting',
    };
    return finishReading(r);
  },

  capabilities: () => [],
  control,
};
