import { AsicError } from '../errors.js';
import { parseLooseJson } from '../loose-json.js';
import type {
  AsicBoard,
  AsicFan,
  AsicIdentity,
  AsicPool,
  AsicReading,
  AsicState,
  AsicTarget,
} from '../model.js';
import { finishReading } from '../model.js';
import { bannerText, cgminerCommand, first, type Json, section } from '../transport/cgminer.js';
import { type HttpAnswer, httpCall } from '../transport/http.js';
import { count, nonNeg, num, toHs } from '../units.js';
import { cgminerPools } from './cgminer-common.js';
import { type AsicDriver, controlCapabilities, type PowerControl, withDefaults } from './types.js';

/**
 * Braiins OS / OS+ on Antminer hardware. Two read paths:
 * - REST `/api/v1` on port 80 (BOS 25.07+, "Public REST API" 1.x): `POST /api/v1/auth/login`
 *   `{username, password}` → `{token, timeout_s}`, the token goes in the `Authorization` header as is
 *   (no "Bearer"); every other call needs it. Control: `PUT /api/v1/actions/pause|resume|reboot`,
 *   `PUT /api/v1/performance/power-target {"watt": n}` (OpenAPI 26.04 in fixtures/asic/_specs).
 * - BOSminer's cgminer-compatible RPC on 4028 (older BOS, S9 era): `summary` (MH/s), `devs`,
 *   `temps`, `fans`, `pools`, `devdetails`; control `pause`/`resume` only (reboot was over SSH).
 *   Used when the host has no REST API.
 * Factory login root/root (pyasic's and asic-rs's default for BOS).
 */

const RPC_PORT = 4028;
const REST_PORT = 80;

/** `miner/details.status`, the MinerStatus enum of bos/v1/miner.proto. */
const minerStatus: Record<number, AsicState | 'normal'> = {
  0: 'starting', // unspecified
  1: 'starting', // not started
  2: 'normal',
  3: 'sleeping', // paused
  4: 'sleeping', // suspended (DPS shutdown and the like: hashboards off)
  5: 'error', // restricted (licence)
};

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json => (isObj(v) ? v : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter(isObj) as Json[]) : []);

/** `"Bitmain Antminer S19XP"` → `Antminer S19 XP`, as pyasic cleans BOSminer's devdetails model. */
export function braiinsModel(s: unknown): string | undefined {
  if (typeof s !== 'string' || !s.trim()) return undefined;
  return s
    .replace(/^\s*Bitmain\s+/i, '')
    .replace(/S19XP/i, 'S19 XP')
    .replace(/\s*\(.*$/, '')
    .trim();
}

/** The make is the model's first word (`Antminer S21 Pro` → `Antminer`). */
const makeOf = (model: string | undefined) => model?.split(/\s+/)[0] || 'Antminer';

const ghs = (v: unknown) => toHs(obj(v).gigahash_per_second, 'GH');
const degC = (v: unknown) => num(obj(v).degree_c);

// ---------------------------------------------------------------- REST

/** The REST API is absent (older BOS, or not Braiins at all): fall back to RPC. */
class NoRest extends Error {}

async function login(t: AsicTarget): Promise<string> {
  let a: HttpAnswer;
  try {
    a = await httpCall(t, {
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: t.user ?? 'root', password: t.password ?? 'root' }),
    });
  } catch (err) {
    if (err instanceof AsicError && err.reason === 'refused') throw new NoRest(err.message);
    throw err;
  }
  if (a.status === 404 || a.status === 405)
    throw new NoRest(`${t.ip}: no Braiins REST API (HTTP ${a.status})`);
  if (a.status === 401 || a.status === 403)
    throw new AsicError('auth', `${t.ip}: Braiins OS refused the login for "${t.user ?? 'root'}"`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError('http_status', `${t.ip}/api/v1/auth/login: HTTP ${a.status}`);
  let token: unknown;
  try {
    token = (parseLooseJson(a.text) as Json).token;
  } catch {
    throw new NoRest(`${t.ip}: login answer is not JSON`);
  }
  if (typeof token !== 'string' || !token)
    throw new AsicError('malformed', `${t.ip}: login answer has no token`);
  return token;
}

async function restGet(t: AsicTarget, token: string, path: string): Promise<unknown> {
  const a = await httpCall(t, { path: `/api/v1/${path}`, headers: { authorization: token } });
  if (a.status === 401 || a.status === 403)
    throw new AsicError('auth', `${t.ip}/api/v1/${path}: token refused`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError('http_status', `${t.ip}/api/v1/${path}: HTTP ${a.status}`);
  try {
    return parseLooseJson(a.text);
  } catch {
    throw new AsicError('malformed', `${t.ip}/api/v1/${path}: answer is not JSON`);
  }
}

function restPools(groups: unknown): AsicPool[] {
  const out: AsicPool[] = [];
  for (const g of arr(groups))
    for (const p of arr(g.pools)) {
      if (typeof p.url !== 'string' || !p.url) continue;
      const st = obj(p.stats);
      out.push({
        url: p.url,
        ...(typeof p.user === 'string' ? { user: p.user } : {}),
        status: p.enabled === false ? 'Disabled' : p.active ? 'Active' : p.alive ? 'Alive' : 'Dead',
        ...(count(st.accepted_shares) !== undefined ? { accepted: count(st.accepted_shares) } : {}),
        ...(count(st.rejected_shares) !== undefined ? { rejected: count(st.rejected_shares) } : {}),
        ...(count(st.stale_shares) !== undefined ? { stale: count(st.stale_shares) } : {}),
      });
    }
  return out;
}

function restBoards(hb: unknown): AsicBoard[] {
  return arr(obj(hb).hashboards).map((b, i) => {
    const rate = ghs(obj(obj(obj(b.stats).real_hashrate).last_5s));
    const chips = count(b.chips_count);
    const boardTemp = degC(b.board_temp);
    const chipTemp = degC(obj(b.highest_chip_temp).temperature);
    return {
      index: i,
      ...(rate !== undefined ? { hashrate: rate } : {}),
      ...(chips !== undefined ? { chips } : {}),
      ...(boardTemp !== undefined ? { boardTemp } : {}),
      ...(chipTemp !== undefined ? { chipTemp } : {}),
      status: b.enabled === false ? 'disabled' : chips === 0 ? 'missing' : 'ok',
    };
  });
}

/** `miner/errors`: entries carrying error codes are errors, the rest (sensor noise) warnings; deduplicated. */
function restErrors(e: unknown): { errors: string[]; warnings: string[] } {
  const errors = new Set<string>();
  const warnings = new Set<string>();
  for (const x of arr(obj(e).errors)) {
    const msg = typeof x.message === 'string' ? x.message : undefined;
    if (!msg) continue;
    if (arr(x.error_codes).length) errors.add(msg);
    else warnings.add(msg);
  }
  return { errors: [...errors].slice(0, 20), warnings: [...warnings].slice(0, 20) };
}

async function readRest(t: AsicTarget, identity?: AsicIdentity): Promise<AsicReading> {
  const token = await login(t);
  const opt = (p: Promise<unknown>) => p.catch(() => null);
  const [details, stats, hb, cooling, pools, errs, tuner] = await Promise.all([
    restGet(t, token, 'miner/details'),
    restGet(t, token, 'miner/stats'),
    opt(restGet(t, token, 'miner/hw/hashboards')),
    opt(restGet(t, token, 'cooling/state')),
    opt(restGet(t, token, 'pools/')),
    opt(restGet(t, token, 'miner/errors')),
    opt(restGet(t, token, 'performance/tuner-state')),
  ]);
  const d = obj(details);
  const ms = obj(obj(stats).miner_stats);
  const real = obj(ms.real_hashrate);
  const power = obj(obj(stats).power_stats);
  const ident = obj(d.miner_identity);
  const model =
    (typeof ident.miner_model === 'string' && ident.miner_model) ||
    (typeof ident.name === 'string' && ident.name) ||
    identity?.model;
  const hashrate = ghs(real.last_5s);
  const status = minerStatus[count(d.status) ?? -1];
  const state: AsicState =
    status === undefined || status === 'normal' ? (hashrate && hashrate > 0 ? 'mining' : 'starting') : status;
  const fans: AsicFan[] = arr(obj(cooling).fans)
    .map((f, i) => ({ name: `fan${count(f.position) ?? i}`, rpm: nonNeg(f.rpm) }))
    .filter((f): f is AsicFan => f.rpm !== undefined);
  const pt = obj(obj(obj(tuner).mode_state).powertargetmodestate);
  const powerLimitW = nonNeg(obj(pt.current_target).watt);
  const powerW = nonNeg(obj(power.approximated_consumption).watt);
  const eff = nonNeg(obj(power.efficiency).joule_per_terahash);
  const { errors, warnings } = restErrors(errs);
  const version = obj(d.bos_version).current;
  const r: AsicReading = {
    make: makeOf(model || undefined),
    ...(model ? { model } : {}),
    firmware: 'Braiins OS',
    ...(typeof version === 'string' ? { firmwareVersion: version } : {}),
    ...(typeof d.serial_number === 'string' ? { serial: d.serial_number } : {}),
    ...(typeof d.mac_address === 'string' ? { mac: d.mac_address } : {}),
    ...(typeof d.hostname === 'string' ? { hostname: d.hostname } : {}),
    algorithm: 'SHA-256',
    ...(hashrate !== undefined ? { hashrate } : {}),
    ...(ghs(real.since_restart) !== undefined ? { hashrateAvg: ghs(real.since_restart) } : {}),
    ...((ghs(ms.nominal_hashrate) ?? ghs(d.sticker_hashrate)) !== undefined
      ? { hashrateNominal: ghs(ms.nominal_hashrate) ?? ghs(d.sticker_hashrate) }
      : {}),
    boards: restBoards(hb),
    fans,
    ...(powerW !== undefined && state !== 'sleeping' ? { powerW } : {}),
    ...(powerLimitW !== undefined ? { powerLimitW } : {}),
    ...(eff !== undefined && eff > 0 && state === 'mining'
      ? { efficiencyJTH: Math.round(eff * 100) / 100 }
      : {}),
    pools: restPools(pools),
    ...(count(d.bosminer_uptime_s) !== undefined ? { uptimeS: count(d.bosminer_uptime_s) } : {}),
    errors,
    warnings,
    state,
  };
  return finishReading(r);
}

// ---------------------------------------------------------------- RPC (BOSminer)

async function readRpc(t: AsicTarget, identity?: AsicIdentity): Promise<AsicReading> {
  const rpc = { ...t, port: RPC_PORT };
  const opt = (c: string) => cgminerCommand(rpc, c).catch(() => null);
  const [summary, devs, temps, fans, pools, details] = await Promise.all([
    cgminerCommand(rpc, 'summary'),
    opt('devs'),
    opt('temps'),
    opt('fans'),
    opt('pools'),
    opt('devdetails'),
  ]);
  const s = first(summary, 'SUMMARY');
  const tempById = new Map<number, Json>();
  for (const x of temps ? section(temps, 'TEMPS') : []) tempById.set(num(x.ID) ?? -1, x);
  const chipsById = new Map<number, number>();
  for (const x of details ? section(details, 'DEVDETAILS') : []) {
    const c = count(x.Chips);
    if (c !== undefined) chipsById.set(num(x.ID) ?? -1, c);
  }
  const devRows = devs ? section(devs, 'DEVS') : [];
  const boards: AsicBoard[] = devRows.map((d, i) => {
    const id = num(d.ID) ?? i;
    const tt = tempById.get(id) ?? {};
    const rate = toHs(d['MHS 5s'] ?? d['MHS 1m'], 'MH');
    const boardTemp = nonNeg(tt.Board) || undefined;
    const chipTemp = nonNeg(tt.Chip) || undefined;
    const chips = chipsById.get(id);
    return {
      index: i,
      ...(rate !== undefined ? { hashrate: rate } : {}),
      ...(chips !== undefined ? { chips } : {}),
      ...(boardTemp !== undefined ? { boardTemp } : {}),
      ...(chipTemp !== undefined ? { chipTemp } : {}),
      status: d.Status === 'Alive' ? 'ok' : String(d.Status ?? 'unknown').toLowerCase(),
    };
  });
  const nominal = devRows.reduce((a, d) => a + (toHs(d['Nominal MHS'], 'MH') ?? 0), 0);
  const fanList: AsicFan[] = (fans ? section(fans, 'FANS') : [])
    .map((f, i) => ({ name: `fan${count(f.ID) ?? i}`, rpm: nonNeg(f.RPM) }))
    .filter((f): f is AsicFan => f.rpm !== undefined && f.rpm > 0);
  const model = braiinsModel(first(details ?? {}, 'DEVDETAILS').Model) ?? identity?.model;
  const hashrate = toHs(s['MHS 5s'] ?? s['MHS 1m'], 'MH');
  const r: AsicReading = {
    make: makeOf(model),
    ...(model ? { model } : {}),
    firmware: 'Braiins OS',
    ...((versionOf(summary) ?? identity?.firmwareVersion)
      ? { firmwareVersion: versionOf(summary) ?? identity?.firmwareVersion }
      : {}),
    algorithm: 'SHA-256',
    ...(hashrate !== undefined ? { hashrate } : {}),
    ...(toHs(s['MHS av'], 'MH') !== undefined ? { hashrateAvg: toHs(s['MHS av'], 'MH') } : {}),
    ...(nominal > 0 ? { hashrateNominal: nominal } : {}),
    boards,
    fans: fanList,
    pools: cgminerPools(pools),
    ...(count(s.Elapsed) !== undefined ? { uptimeS: count(s.Elapsed) } : {}),
    errors: boards.filter((b) => b.status !== 'ok').map((b) => `hash board ${b.index} ${b.status}`),
    warnings: [],
    // BOSminer's RPC has no paused flag; a zero rate is all it tells.
    state: hashrate && hashrate > 0 ? 'mining' : 'starting',
  };
  return finishReading(r);
}

/** `"BOSminer 0.2.0-d360818"` / `"BOSer boser-openwrt 0.1.0-…"` → the version part. */
function versionOf(reply: Json | null): string | undefined {
  const d = reply ? first(reply, 'STATUS').Description : undefined;
  if (typeof d !== 'string') return undefined;
  const m = /BOS(?:miner\+?|er)\s+(.+)$/i.exec(d.trim());
  return m?.[1];
}

// ---------------------------------------------------------------- control

/** One authenticated REST write; null when the host has no REST API (then RPC is tried). */
async function restAction(t: AsicTarget, path: string, body?: Json): Promise<boolean> {
  let token: string;
  try {
    token = await login(t);
  } catch (err) {
    if (err instanceof NoRest) return false;
    throw err;
  }
  const a = await httpCall(t, {
    method: 'PUT',
    path: `/api/v1/${path}`,
    headers: { authorization: token, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (a.status === 401 || a.status === 403)
    throw new AsicError('auth', `${t.ip}/api/v1/${path}: token refused`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError(
      'refused_command',
      `${t.ip}/api/v1/${path}: HTTP ${a.status} ${a.text.slice(0, 200)}`,
    );
  return true;
}

async function pauseResume(target: AsicTarget, what: 'pause' | 'resume'): Promise<void> {
  const t = withDefaults(braiinsDriver, target);
  if (await restAction({ ...t, port: t.port ?? REST_PORT }, `actions/${what}`)) return;
  await cgminerCommand({ ...t, port: RPC_PORT }, what);
}

const control: PowerControl = {
  sleep: (t) => pauseResume(t, 'pause'),
  wake: (t) => pauseResume(t, 'resume'),
  async reboot(target) {
    const t = withDefaults(braiinsDriver, target);
    if (!(await restAction({ ...t, port: t.port ?? REST_PORT }, 'actions/reboot')))
      throw new AsicError('unsupported', `${t.ip}: this Braiins OS has no REST API; reboot needs SSH`);
  },
  async setPowerTarget(target, watts) {
    const t = withDefaults(braiinsDriver, target);
    if (!Number.isFinite(watts) || watts <= 0)
      throw new AsicError('refused_command', `bad power target ${watts}`);
    if (
      !(await restAction({ ...t, port: t.port ?? REST_PORT }, 'performance/power-target', {
        watt: Math.round(watts),
      }))
    )
      throw new AsicError(
        'unsupported',
        `${t.ip}: this Braiins OS has no REST API; power target needs its config file`,
      );
  },
};

// ---------------------------------------------------------------- driver

const BANNERS = ['BOSMINER', 'BOSER'];

export const braiinsDriver: AsicDriver = {
  type: 'braiins',
  make: 'Antminer',
  defaultPort: REST_PORT,
  // Braiins OS factory login (REST/gRPC/SSH): root / root.
  defaultCredentials: { user: 'root', password: 'root' },

  async detect(p) {
    const [version, devdetails, page] = await Promise.all([
      p.rpc('version'),
      p.rpc('devdetails'),
      p.http('/'),
    ]);
    const rpcHit = [version, devdetails].some((r) => r && BANNERS.some((b) => bannerText(r).includes(b)));
    const webHit = !!page && /Braiins OS/i.test(page.text);
    if (!rpcHit && !webHit) return null;
    const model = braiinsModel(devdetails ? first(devdetails, 'DEVDETAILS').Model : undefined);
    const firmwareVersion = versionOf(version) ?? versionOf(devdetails);
    return {
      type: 'braiins',
      make: makeOf(model),
      ...(model ? { model } : {}),
      firmware: 'Braiins OS',
      ...(firmwareVersion ? { firmwareVersion } : {}),
    };
  },

  async read(target, identity) {
    const t = withDefaults(braiinsDriver, target);
    try {
      return await readRest({ ...t, port: t.port ?? REST_PORT }, identity);
    } catch (err) {
      if (err instanceof NoRest) return readRpc(t, identity);
      throw err;
    }
  },

  capabilities(_identity, reading) {
    // A reading from the REST API carries the OS build (`2026-04-14-0-912d084c-26.04-plus`); one from
    // BOSminer's RPC does not, and that path only has pause/resume.
    if (reading && !/^\d{4}-\d{2}-\d{2}-/.test(reading.firmwareVersion ?? '')) return ['sleep', 'wake'];
    return controlCapabilities(control);
  },
  control,
};
