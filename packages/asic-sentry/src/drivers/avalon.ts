import { AsicError } from '../errors.js';
import { type AsicBoard, type AsicFan, type AsicReading, finishReading } from '../model.js';
import { bannerText, cgminerCommand, first, type Json, section, statusOf } from '../transport/cgminer.js';
import { count, nonNeg, toHs } from '../units.js';
import { cgminerPools } from './cgminer-common.js';
import { type AsicDriver, controlCapabilities, type PowerControl } from './types.js';

/**
 * Canaan Avalon (A-series, Nano, Mini, Q) on its cgminer API (4028). Most figures hide in one long
 * `MM ID0` string of `Key[value]` pairs in the `estats`/`stats` reply. Sleep and wake are
 * `ascset 0,softoff|softon,1:<unix time>` scheduled a few seconds ahead, as the firmware expects.
 * No credentials are needed on the API.
 */

/** Parses `Key[v] Key[v1 v2 …]` into a map of arrays of strings. */
export function parseMmString(mm: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of mm.matchAll(/([A-Za-z_][\w]*)\[([^\]]*)\]/g)) {
    out.set(m[1]!, m[2]!.trim().split(/\s+/).filter(Boolean));
  }
  return out;
}

function mmOf(stats: Json): Map<string, string[]> {
  for (const s of section(stats, 'STATS')) {
    for (const [k, v] of Object.entries(s)) {
      if (/^MM ID\d/.test(k) && typeof v === 'string') return parseMmString(v);
    }
  }
  return new Map();
}

const one = (mm: Map<string, string[]>, key: string) => mm.get(key)?.[0];

function modelOf(v: Json): string | undefined {
  const prod = typeof v.PROD === 'string' ? v.PROD : undefined;
  if (prod) return prod.replace(/^AvalonMiner\s*/i, 'Avalon ').trim();
  return typeof v.MODEL === 'string' ? `Avalon ${v.MODEL}` : undefined;
}

async function ascset(t: Parameters<PowerControl['reboot'] & {}>[0], what: string): Promise<void> {
  const reply = await cgminerCommand({ ...t, port: t.port ?? 4028 }, 'ascset', what);
  const msg = String(statusOf(reply)?.Msg ?? '');
  if (!/success/i.test(msg))
    throw new AsicError('refused_command', `ascset ${what}: ${msg || 'no confirmation'}`);
}

const at = () => `1:${Math.floor(Date.now() / 1000) + 5}`;

const control: PowerControl = {
  sleep: (t) => ascset(t, `0,softoff,${at()}`),
  wake: (t) => ascset(t, `0,softon,${at()}`),
  reboot: (t) => ascset(t, '0,reboot,0'),
};

export const avalonDriver: AsicDriver = {
  type: 'avalon',
  make: 'Avalon',
  defaultPort: 4028,

  async detect(p) {
    const version = await p.rpc('version');
    if (!version || !bannerText(version).includes('AVALON')) return null;
    const v = first(version, 'VERSION');
    return {
      type: 'avalon',
      make: 'Avalon',
      model: modelOf(v),
      firmware: 'stock',
      ...(typeof v.VERSION === 'string' ? { firmwareVersion: v.VERSION } : {}),
    };
  },

  async read(target, identity) {
    const t = { ...target, port: target.port ?? 4028 };
    const [stats, pools, version] = await Promise.all([
      cgminerCommand(t, 'estats').catch(() => cgminerCommand(t, 'stats')),
      cgminerCommand(t, 'pools').catch(() => null),
      identity ? Promise.resolve(null) : cgminerCommand(t, 'version').catch(() => null),
    ]);
    const mm = mmOf(stats);
    const v = version ? first(version, 'VERSION') : {};
    const mghs = mm.get('MGHS') ?? [];
    const mtmax = mm.get('MTmax') ?? [];
    const mtavg = mm.get('MTavg') ?? [];
    const boardCount = Math.max(mghs.length, mtmax.length);
    const boards: AsicBoard[] = [];
    for (let i = 0; i < boardCount; i++) {
      const chips = mm.get(`PVT_T${i}`)?.length;
      const hs = toHs(mghs[i], 'GH');
      const board = nonNeg(mtavg[i]);
      const chip = nonNeg(mtmax[i]);
      boards.push({
        index: i,
        ...(hs !== undefined ? { hashrate: hs } : {}),
        ...(chips ? { chips } : {}),
        ...(board !== undefined ? { boardTemp: board } : {}),
        ...(chip !== undefined ? { chipTemp: chip } : {}),
        status: 'ok',
      });
    }
    const fans: AsicFan[] = [];
    for (const [k, vals] of mm) {
      const m = /^Fan(\d+)$/.exec(k);
      const rpm = nonNeg(vals[0]);
      if (m && rpm !== undefined) fans.push({ name: `fan${m[1]}`, rpm });
    }
    const softOff = one(mm, 'SoftOFF') === '1';
    const hashrate = toHs(one(mm, 'GHSmm') ?? one(mm, 'GHSspd'), 'GH');
    const status = (mm.get('SYSTEMSTATU') ?? []).join(' ');
    const errors: string[] = [];
    const echu = mm.get('ECHU') ?? [];
    echu.forEach((code, i) => {
      if (code !== '0') errors.push(`hash board ${i} error code ${code}`);
    });
    if ((one(mm, 'ECMM') ?? '0') !== '0') errors.push(`controller error code ${one(mm, 'ECMM')}`);
    const power = nonNeg(one(mm, 'WALLPOWER'));
    const r: AsicReading = {
      make: 'Avalon',
      model: identity?.model ?? modelOf(v),
      firmware: 'stock',
      firmwareVersion: identity?.firmwareVersion ?? (typeof v.VERSION === 'string' ? v.VERSION : undefined),
      ...(typeof v.MAC === 'string' ? { mac: v.MAC } : {}),
      algorithm: 'SHA-256',
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(toHs(one(mm, 'GHSavg'), 'GH') !== undefined ? { hashrateAvg: toHs(one(mm, 'GHSavg'), 'GH') } : {}),
      boards,
      fans,
      ...(power !== undefined ? { powerW: power } : {}),
      ...(nonNeg(one(mm, 'MPO')) ? { powerLimitW: nonNeg(one(mm, 'MPO')) } : {}),
      pools: cgminerPools(pools),
      ...(count(one(mm, 'Elapsed')) !== undefined ? { uptimeS: count(one(mm, 'Elapsed')) } : {}),
      errors,
      warnings: [],
      state: softOff
        ? 'sleeping'
        : errors.length && !hashrate
          ? 'error'
          : hashrate && hashrate > 0
            ? 'mining'
            : /idle|init/i.test(status)
              ? 'starting'
              : 'starting',
    };
    return finishReading(r);
  },

  capabilities: () => controlCapabilities(control),
  control,
};
