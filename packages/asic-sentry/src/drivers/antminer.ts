import { AsicError } from '../errors.js';
import { type AsicBoard, type AsicFan, type AsicReading, type AsicTarget, finishReading } from '../model.js';
import { bannerText, cgminerCommand, first, type Json, section } from '../transport/cgminer.js';
import { httpCall, httpJson } from '../transport/http.js';
import { count, nonNeg, num, toHs } from '../units.js';
import { cgminerPools, cleanModel } from './cgminer-common.js';
import { type AsicDriver, controlCapabilities, type PowerControl, withDefaults } from './types.js';

/**
 * Antminer with Bitmain's stock firmware (bmminer on X9…X21, cgminer on D3/L3/Z). Stats come from
 * the cgminer API on 4028; the miner's mode (sleep) and control go through the web CGI on port 80
 * with HTTP Digest auth, factory credentials root/root. Stock firmware has no power target.
 */

/** Banners of firmwares that run on Antminer hardware and must not be taken for stock. */
const customBanners = [
  'BOSMINER',
  'BOSER',
  'LUXMINER',
  'VNISH',
  'HIVEON',
  'KAONSU',
  'MARAFW',
  'RWGLR',
  'BRAIINS',
];

const digestOf = (t: AsicTarget) => ({ user: t.user ?? 'root', password: t.password ?? 'root' });

/** Legacy `STATS[1]` keys `chain_rateN`, `chain_acnN`, `temp_pcbN` ("a-b-c-d"), `tempN`, `temp2_N`. */
function legacyBoards(s: Json, unit: string): AsicBoard[] {
  const boards: AsicBoard[] = [];
  for (let i = 0; i <= 16; i++) {
    const chips = count(s[`chain_acn${i}`]);
    const rate = s[`chain_rate${i}`];
    if (chips === undefined && rate === undefined) continue;
    if (!chips && (rate === '' || rate === undefined || num(rate) === 0)) continue;
    const pcb = maxOfDashList(s[`temp_pcb${i}`]) ?? nonNeg(s[`temp${i}`]);
    const chip = maxOfDashList(s[`temp_chip${i}`]) ?? nonNeg(s[`temp2_${i}`]);
    const acs = typeof s[`chain_acs${i}`] === 'string' ? String(s[`chain_acs${i}`]) : '';
    const bad = /x|-/i.test(acs.replace(/\s/g, ''));
    boards.push({
      index: boards.length,
      ...(toHs(rate, unit) !== undefined ? { hashrate: toHs(rate, unit) } : {}),
      ...(chips !== undefined ? { chips } : {}),
      ...(pcb !== undefined ? { boardTemp: pcb } : {}),
      ...(chip !== undefined ? { chipTemp: chip } : {}),
      status: chips === 0 ? 'missing' : bad ? 'chip errors' : 'ok',
    });
  }
  return boards;
}

/** Modern `STATS[0].chain[]` (new_api / stats.cgi). */
function modernBoards(chains: Json[], unit: string): AsicBoard[] {
  return chains.map((c, i) => {
    const pcb = maxOf(c.temp_pcb);
    const chip = maxOf(c.temp_chip);
    const chips = count(c.asic_num);
    return {
      index: count(c.index) ?? i,
      ...(toHs(c.rate_real, unit) !== undefined ? { hashrate: toHs(c.rate_real, unit) } : {}),
      ...(chips !== undefined ? { chips } : {}),
      ...(pcb !== undefined ? { boardTemp: pcb } : {}),
      ...(chip !== undefined ? { chipTemp: chip } : {}),
      status: chips === 0 ? 'missing' : 'ok',
    };
  });
}

function maxOf(v: unknown): number | undefined {
  if (!Array.isArray(v)) return nonNeg(v) || undefined;
  const n = v.map(nonNeg).filter((x): x is number => x !== undefined && x > 0);
  return n.length ? Math.max(...n) : undefined;
}

function maxOfDashList(v: unknown): number | undefined {
  if (typeof v !== 'string' || !v.includes('-')) return undefined;
  return maxOf(v.split('-'));
}

function fansOf(s: Json): AsicFan[] {
  const fans: AsicFan[] = [];
  if (Array.isArray(s.fan)) {
    s.fan.forEach((v, i) => {
      const rpm = nonNeg(v);
      if (rpm !== undefined) fans.push({ name: `fan${i + 1}`, rpm });
    });
    return fans;
  }
  for (let i = 1; i <= 8; i++) {
    const rpm = nonNeg(s[`fan${i}`]);
    if (rpm !== undefined && rpm > 0) fans.push({ name: `fan${i}`, rpm });
  }
  return fans;
}

/** Bitmain's work mode from the CGI: "1" sleep, "0" normal, "3" low power; null when unreadable. */
async function workMode(t: AsicTarget): Promise<string | null> {
  try {
    const conf = await httpJson(t, { path: '/cgi-bin/get_miner_conf.cgi', digest: digestOf(t) });
    const mode = conf['miner-mode'] ?? conf['bitmain-work-mode'];
    return mode === undefined ? null : String(mode);
  } catch {
    return null;
  }
}

async function setMode(t: AsicTarget, mode: 0 | 1): Promise<void> {
  const conf = await httpJson(t, { path: '/cgi-bin/get_miner_conf.cgi', digest: digestOf(t) });
  // The X19 CGI takes the whole config back; both mode keys are written, as the firmware reads either.
  const body = JSON.stringify({ ...conf, 'miner-mode': mode, 'bitmain-work-mode': String(mode) });
  const res = await httpJson(t, {
    method: 'POST',
    path: '/cgi-bin/set_miner_conf.cgi',
    headers: { 'content-type': 'application/json' },
    body,
    digest: digestOf(t),
  });
  if (res.stats !== 'success' && res.code !== 'M000')
    throw new AsicError(
      'refused_command',
      `set_miner_conf.cgi refused: ${JSON.stringify(res).slice(0, 200)}`,
    );
}

const control: PowerControl = {
  sleep: (t) => setMode(t, 1),
  wake: (t) => setMode(t, 0),
  async reboot(t) {
    const a = await httpCall(t, { path: '/cgi-bin/reboot.cgi', digest: digestOf(t) });
    if (a.status === 401) throw new AsicError('auth', `${t.ip}: the miner refused the credentials`);
    if (a.status >= 400) throw new AsicError('http_status', `${t.ip}/cgi-bin/reboot.cgi: HTTP ${a.status}`);
  },
};

export const antminerDriver: AsicDriver = {
  type: 'antminer',
  make: 'Antminer',
  defaultPort: 4028,
  // Bitmain's factory web login.
  defaultCredentials: { user: 'root', password: 'root' },

  async detect(p) {
    const version = await p.rpc('version');
    if (!version) return null;
    const banner = bannerText(version);
    if (!banner.includes('ANTMINER') || customBanners.some((b) => banner.includes(b))) return null;
    const v = first(version, 'VERSION');
    return {
      type: 'antminer',
      make: 'Antminer',
      model: cleanModel(v.Type),
      firmware: 'stock',
      ...(typeof v.CompileTime === 'string' ? { firmwareVersion: v.CompileTime } : {}),
    };
  },

  async read(target, identity) {
    const t = withDefaults(antminerDriver, target);
    const rpc = { ...t, port: t.port ?? 4028 };
    const web = { ...t, port: 80 };
    const [stats, pools, mode] = await Promise.all([
      cgminerCommand(rpc, 'stats'),
      cgminerCommand(rpc, 'pools').catch(() => null),
      workMode(web),
    ]);
    const all = section(stats, 'STATS');
    const head = all[0] ?? {};
    const s = all.find((x) => x.Elapsed !== undefined || x['GHS 5s'] !== undefined) ?? {};
    const unit = typeof s.rate_unit === 'string' ? s.rate_unit : 'GH';
    const chains = Array.isArray(s.chain) ? (s.chain as Json[]) : null;
    const boards = chains ? modernBoards(chains, unit) : legacyBoards(s, unit);
    const hashrate = toHs(s['GHS 5s'] ?? s.rate_5s, 'GH');
    const sleeping = mode === '1';
    const r: AsicReading = {
      make: 'Antminer',
      model: cleanModel(head.Type) ?? identity?.model,
      firmware: 'stock',
      firmwareVersion: typeof head.CompileTime === 'string' ? head.CompileTime : identity?.firmwareVersion,
      algorithm: 'SHA-256',
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(toHs(s['GHS av'] ?? s.rate_avg, 'GH') !== undefined
        ? { hashrateAvg: toHs(s['GHS av'] ?? s.rate_avg, 'GH') }
        : {}),
      ...(toHs(s.total_rateideal, unit) ? { hashrateNominal: toHs(s.total_rateideal, unit) } : {}),
      boards,
      fans: fansOf(s),
      pools: cgminerPools(pools),
      ...(count(s.Elapsed) !== undefined ? { uptimeS: count(s.Elapsed) } : {}),
      errors: boards.filter((b) => b.status === 'missing').map((b) => `hash board ${b.index} missing`),
      warnings: boards
        .filter((b) => b.status === 'chip errors')
        .map((b) => `hash board ${b.index} reports chip errors`),
      state: sleeping ? 'sleeping' : hashrate && hashrate > 0 ? 'mining' : 'starting',
    };
    return finishReading(r);
  },

  capabilities: () => controlCapabilities(control),
  control,
};
