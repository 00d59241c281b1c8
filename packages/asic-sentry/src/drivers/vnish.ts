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
import { cgminerPools, cleanModel } from './cgminer-common.js';
import { type AsicDriver, controlCapabilities, type PowerControl, withDefaults } from './types.js';

/**
 * VNish (AnthillOS "xminer") on Antminer hardware.
 * - Web REST `/api/v1` on port 80 (VNish 1.x, OpenAPI "xminer-api", fixtures/asic/_specs/
 *   vnish-1.3.4.openapi.json): `GET /api/v1/info` and `GET /api/v1/summary` need no auth. Writes:
 *   `POST /api/v1/unlock {"pw": <password>}` → `{"token"}` (403 wrong password, 429 too many tries),
 *   then `Authorization: Bearer <token>` on `POST /api/v1/mining/pause|resume` and
 *   `POST /api/v1/system/reboot`. Hashrates are in `info.hr_measure` (GH/s or MH/s).
 *   `summary.miner.power_consumption` is watts; `power_usage` is NOT (deprecated copy of
 *   `power_efficiency`) and is never read.
 * - Old VNish (3.x, S9 era) has only the cgminer API on 4028 (legacy Antminer `stats` with the `}{`
 *   join, `pools`); used when the REST API is absent.
 * Factory web password: admin.
 */

const WEB_PORT = 80;
const RPC_PORT = 4028;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json => (isObj(v) ? v : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter(isObj) as Json[]) : []);
const makeOf = (model: string | undefined) => model?.split(/\s+/)[0] || 'Antminer';

/** `miner_status.miner_state` → the common state. */
const states: Record<string, AsicState> = {
  mining: 'mining',
  'auto-tuning': 'mining',
  initializing: 'starting',
  starting: 'starting',
  restarting: 'starting',
  'shutting-down': 'sleeping',
  stopped: 'sleeping',
  failure: 'error',
};

class NoRest extends Error {}

async function getJson(t: AsicTarget, path: string): Promise<Json> {
  let a: HttpAnswer;
  try {
    a = await httpCall(t, { path });
  } catch (err) {
    if (err instanceof AsicError && err.reason === 'refused') throw new NoRest(err.message);
    throw err;
  }
  if (a.status === 404) throw new NoRest(`${t.ip}${path}: HTTP 404`);
  if (a.status === 401 || a.status === 403) throw new AsicError('auth', `${t.ip}${path}: HTTP ${a.status}`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError('http_status', `${t.ip}${path}: HTTP ${a.status}`);
  let v: unknown;
  try {
    v = parseLooseJson(a.text);
  } catch {
    throw new NoRest(`${t.ip}${path}: not JSON (not a VNish 1.x API)`);
  }
  if (!isObj(v)) throw new AsicError('malformed', `${t.ip}${path}: answer is not a JSON object`);
  return v;
}

/** `"Antminer S9 (vnish 3.8.6)"` → `3.8.6`. */
function legacyVersion(type: unknown): string | undefined {
  return typeof type === 'string' ? /vnish\s+([\w.-]+)/i.exec(type)?.[1] : undefined;
}

async function readRest(t: AsicTarget, identity?: AsicIdentity): Promise<AsicReading> {
  const [info, summary] = await Promise.all([getJson(t, '/api/v1/info'), getJson(t, '/api/v1/summary')]);
  const m = obj(summary.miner);
  const unit = info.hr_measure === 'MH/s' ? 'MH' : 'GH';
  const hs = (v: unknown) => toHs(v, unit);
  const boards: AsicBoard[] = arr(m.chains).map((c, i) => {
    const rate = hs(c.hashrate_rt);
    const boardTemp = nonNeg(obj(c.pcb_temp).max) || undefined;
    const chipTemp = nonNeg(obj(c.chip_temp).max) || undefined;
    const st = obj(c.status).state;
    return {
      index: count(c.id) ?? i,
      ...(rate !== undefined ? { hashrate: rate } : {}),
      ...(boardTemp !== undefined ? { boardTemp } : {}),
      ...(chipTemp !== undefined ? { chipTemp } : {}),
      status: st === 'mining' ? 'ok' : typeof st === 'string' ? st : 'unknown',
    };
  });
  const fans: AsicFan[] = arr(obj(m.cooling).fans)
    .map((f, i) => ({ name: `fan${count(f.id) ?? i}`, rpm: nonNeg(f.rpm) }))
    .filter((f): f is AsicFan => f.rpm !== undefined);
  const pools: AsicPool[] = arr(m.pools)
    .filter((p) => typeof p.url === 'string' && p.url)
    .map((p) => ({
      url: String(p.url),
      ...(typeof p.user === 'string' ? { user: p.user } : {}),
      ...(typeof p.status === 'string' ? { status: p.status } : {}),
      ...(count(p.accepted) !== undefined ? { accepted: count(p.accepted) } : {}),
      ...(count(p.rejected) !== undefined ? { rejected: count(p.rejected) } : {}),
      ...(count(p.stale) !== undefined ? { stale: count(p.stale) } : {}),
    }));
  const ms = obj(m.miner_status);
  const minerState = typeof ms.miner_state === 'string' ? ms.miner_state : '';
  const hashrate = hs(m.hr_realtime);
  const state: AsicState = states[minerState] ?? (hashrate && hashrate > 0 ? 'mining' : 'starting');
  const errors: string[] = [];
  if (minerState === 'failure')
    errors.push(
      `miner failure${ms.failure_code != null ? ` ${ms.failure_code}` : ''}${ms.description ? `: ${ms.description}` : ''}`,
    );
  for (const b of boards)
    if (b.status === 'failure' || b.status === 'disconnected')
      errors.push(`hash board ${b.index} ${b.status}`);
  const net = obj(obj(info.system).network_status);
  const model = (typeof info.miner === 'string' && info.miner) || identity?.model;
  // power_consumption is watts; power_usage is the deprecated efficiency figure and is ignored.
  const powerW = nonNeg(m.power_consumption);
  const r: AsicReading = {
    make: makeOf(model || undefined),
    ...(model ? { model } : {}),
    firmware: 'VNish',
    ...(typeof info.fw_version === 'string' ? { firmwareVersion: info.fw_version } : {}),
    ...(typeof info.serial === 'string' && info.serial ? { serial: info.serial } : {}),
    ...(typeof net.mac === 'string' && net.mac ? { mac: net.mac } : {}),
    ...(typeof net.hostname === 'string' && net.hostname ? { hostname: net.hostname } : {}),
    algorithm: info.algorithm === 'scrypt' ? 'Scrypt' : 'SHA-256',
    ...(hashrate !== undefined ? { hashrate } : {}),
    ...(hs(m.hr_average) !== undefined ? { hashrateAvg: hs(m.hr_average) } : {}),
    ...(hs(m.hr_nominal) ? { hashrateNominal: hs(m.hr_nominal) } : {}),
    boards,
    fans,
    ...(powerW !== undefined && powerW > 0 ? { powerW } : {}),
    pools,
    ...(minerState === 'mining' && count(ms.miner_state_time) !== undefined
      ? { uptimeS: count(ms.miner_state_time) }
      : {}),
    errors,
    warnings:
      ms.throttled !== undefined && num(ms.throttled)! < 100 ? [`throttled to ${ms.throttled} %`] : [],
    state,
  };
  return finishReading(r);
}

/** VNish 3.x: the legacy Antminer `stats` (S9 chains 6–8) and `pools` on 4028. */
async function readRpc(t: AsicTarget, identity?: AsicIdentity): Promise<AsicReading> {
  const rpc = { ...t, port: RPC_PORT };
  const [stats, pools] = await Promise.all([
    cgminerCommand(rpc, 'stats'),
    cgminerCommand(rpc, 'pools').catch(() => null),
  ]);
  const all = section(stats, 'STATS');
  const head = all[0] ?? {};
  const s = all.find((x) => x.Elapsed !== undefined || x['GHS 5s'] !== undefined) ?? {};
  const boards: AsicBoard[] = [];
  let power = 0;
  for (let i = 1; i <= 16; i++) {
    const chips = count(s[`chain_acn${i}`]);
    if (!chips) continue;
    const rate = toHs(s[`chain_rate${i}`], 'GH');
    const boardTemp = nonNeg(s[`temp${i}`]) || undefined;
    const chipTemp = nonNeg(s[`temp2_${i}`]) || undefined;
    // VNish adds per-chain consumption in watts (chain_consumptionN).
    power += nonNeg(s[`chain_consumption${i}`]) ?? 0;
    boards.push({
      index: boards.length,
      ...(rate !== undefined ? { hashrate: rate } : {}),
      chips,
      ...(boardTemp !== undefined ? { boardTemp } : {}),
      ...(chipTemp !== undefined ? { chipTemp } : {}),
      status: 'ok',
    });
  }
  const fans: AsicFan[] = [];
  for (let i = 1; i <= 8; i++) {
    const rpm = nonNeg(s[`fan${i}`]);
    if (rpm) fans.push({ name: `fan${i}`, rpm });
  }
  const model = cleanModel(head.Type) ?? identity?.model;
  const hashrate = toHs(s['GHS 5s'], 'GH');
  const r: AsicReading = {
    make: makeOf(model),
    ...(model ? { model } : {}),
    firmware: 'VNish',
    ...((legacyVersion(head.Type) ?? identity?.firmwareVersion)
      ? { firmwareVersion: legacyVersion(head.Type) ?? identity?.firmwareVersion }
      : {}),
    algorithm: 'SHA-256',
    ...(hashrate !== undefined ? { hashrate } : {}),
    ...(toHs(s['GHS av'], 'GH') !== undefined ? { hashrateAvg: toHs(s['GHS av'], 'GH') } : {}),
    ...(toHs(s.total_rateideal, 'GH') ? { hashrateNominal: toHs(s.total_rateideal, 'GH') } : {}),
    boards,
    fans,
    ...(power > 0 && hashrate ? { powerW: power } : {}),
    pools: cgminerPools(pools),
    ...(count(s.Elapsed) !== undefined ? { uptimeS: count(s.Elapsed) } : {}),
    errors: [],
    warnings: [],
    state: hashrate && hashrate > 0 ? 'mining' : 'starting',
  };
  return finishReading(r);
}

// ---------------------------------------------------------------- control

async function unlock(t: AsicTarget): Promise<string> {
  const a = await httpCall(t, {
    method: 'POST',
    path: '/api/v1/unlock',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pw: t.password ?? 'admin' }),
  });
  if (a.status === 403 || a.status === 401)
    throw new AsicError('auth', `${t.ip}: VNish refused the password`);
  if (a.status === 429)
    throw new AsicError('auth', `${t.ip}: VNish locked the unlock after too many attempts; try again later`);
  if (a.status === 404) throw new AsicError('unsupported', `${t.ip}: this VNish has no web API for control`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError('http_status', `${t.ip}/api/v1/unlock: HTTP ${a.status}`);
  let token: unknown;
  try {
    token = (parseLooseJson(a.text) as Json).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || !token)
    throw new AsicError('malformed', `${t.ip}: unlock answered no token`);
  return token;
}

async function post(target: AsicTarget, path: string): Promise<void> {
  const base = withDefaults(vnishDriver, target);
  const t = { ...base, port: base.port ?? WEB_PORT };
  const token = await unlock(t);
  const a = await httpCall(t, { method: 'POST', path, headers: { authorization: `Bearer ${token}` } });
  if (a.status === 401 || a.status === 403) throw new AsicError('auth', `${t.ip}${path}: token refused`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError('refused_command', `${t.ip}${path}: HTTP ${a.status} ${a.text.slice(0, 200)}`);
}

const control: PowerControl = {
  sleep: (t) => post(t, '/api/v1/mining/pause'),
  wake: (t) => post(t, '/api/v1/mining/resume'),
  reboot: (t) => post(t, '/api/v1/system/reboot'),
};

// ---------------------------------------------------------------- driver

export const vnishDriver: AsicDriver = {
  type: 'vnish',
  make: 'Antminer',
  defaultPort: WEB_PORT,
  // VNish factory web password ("admin"); there is no user name.
  defaultCredentials: { password: 'admin' },

  async detect(p) {
    const [version, devdetails, page] = await Promise.all([
      p.rpc('version'),
      p.rpc('devdetails'),
      p.http('/'),
    ]);
    const rpcHit = [version, devdetails].some((r) => r && bannerText(r).includes('VNISH'));
    const webHit = !!page && /AnthillOS|VNish/i.test(page.text);
    if (!rpcHit && !webHit) return null;
    // The one make-specific question: /api/v1/info names model and firmware on VNish 1.x.
    let info: Json | null = null;
    if (webHit) info = await getJson({ ...p.target, port: WEB_PORT }, '/api/v1/info').catch(() => null);
    const type = version ? first(version, 'VERSION').Type : undefined;
    const model = (info && typeof info.miner === 'string' && info.miner) || cleanModel(type);
    const firmwareVersion =
      (info && typeof info.fw_version === 'string' && info.fw_version) || legacyVersion(type);
    return {
      type: 'vnish',
      make: makeOf(model || undefined),
      ...(model ? { model } : {}),
      firmware: 'VNish',
      ...(firmwareVersion ? { firmwareVersion } : {}),
    };
  },

  async read(target, identity) {
    const t = withDefaults(vnishDriver, target);
    try {
      return await readRest({ ...t, port: t.port ?? WEB_PORT }, identity);
    } catch (err) {
      if (err instanceof NoRest) return readRpc(t, identity);
      throw err;
    }
  },

  capabilities(_identity, reading) {
    // VNish 3.x (RPC only) has no web API for control.
    if (reading?.firmwareVersion && /^3\./.test(reading.firmwareVersion)) return [];
    return controlCapabilities(control);
  },
  control,
};
