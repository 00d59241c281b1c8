import { AsicError } from '../errors.js';
import { MalformedReply, parseLooseJson } from '../loose-json.js';
import type { AsicBoard, AsicFan, AsicIdentity, AsicPool, AsicReading, AsicTarget } from '../model.js';
import { finishReading } from '../model.js';
import { httpCall } from '../transport/http.js';
import { count, nonNeg, toHs } from '../units.js';
import { type AsicDriver, controlCapabilities, type PowerControl, withDefaults } from './types.js';

/**
 * Goldshell (CK/HS/LT/KD… boxes) through the web API under `/mcb/` on port 80: `/mcb/status`
 * (model, firmware), `/mcb/cgminer?cgminercmd=devs` (per board hashrate in MH/s, temperatures and
 * fans as text such as "83.0 °C / 73.8 °C"), `/mcb/pools`, `/mcb/setting` (power plans, `select`).
 * Reads are tried without a token (as Foreman's recordings and pyasic's detection do) and repeated
 * with a JWT when the firmware asks for one; writes always carry the JWT from
 * `GET /user/login?username=admin&password=…&cipher=false` (field "JWT Token").
 * Sleep = `PUT /mcb/setting` selecting the power plan of level 3, wake = level 0 (pyasic's mapping,
 * research §1.11 and §2); reboot = `PUT /mcb/restart` (Foreman). Factory login admin / 123456789.
 */

type Json = Record<string, unknown>;

const SLEEP_LEVEL = 3;
const NORMAL_LEVEL = 0;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

function webTarget(t: AsicTarget): AsicTarget {
  return { ...t, port: t.port ?? 80 };
}

/** One request whose answer must be JSON (object or array); 401/403 → `auth`. */
async function call(
  t: AsicTarget,
  path: string,
  opts: { method?: string; token?: string; body?: string } = {},
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const a = await httpCall(webTarget(t), {
    method: opts.method ?? 'GET',
    path,
    headers,
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const where = `${t.ip}${path}`;
  if (a.status === 401 || a.status === 403)
    throw new AsicError('auth', `${where}: the miner refused the credentials (HTTP ${a.status})`);
  if (a.status < 200 || a.status >= 300) throw new AsicError('http_status', `${where}: HTTP ${a.status}`);
  if (a.text.trim() === '') return {};
  try {
    return parseLooseJson(a.text);
  } catch (err) {
    if (err instanceof MalformedReply) throw new AsicError('malformed', `${where}: ${err.message}`);
    throw err;
  }
}

async function login(t: AsicTarget): Promise<string> {
  const user = encodeURIComponent(t.user ?? 'admin');
  const pass = encodeURIComponent(t.password ?? '123456789');
  let reply: unknown;
  try {
    reply = await call(t, `/user/login?username=${user}&password=${pass}&cipher=false`);
  } catch (err) {
    if (err instanceof AsicError && err.reason === 'malformed')
      throw new AsicError('auth', `${t.ip}: login refused (no token in the answer)`);
    throw err;
  }
  const token = str((reply as Json | null)?.['JWT Token']);
  if (!token) throw new AsicError('auth', `${t.ip}: login refused (no "JWT Token" in the answer)`);
  return token;
}

/** "83.0 °C / 73.8 °C" (or mis-encoded "Â°C") → [83, 73.8]; zeros (no sensor) dropped. */
export function textNumbers(v: unknown): number[] {
  if (typeof v !== 'string') return [];
  return v
    .split('/')
    .map((p) => nonNeg(p))
    .filter((n): n is number => n !== undefined && n > 0);
}

function boardsOf(devs: Json[]): AsicBoard[] {
  return devs.map((d, i) => {
    const hashrate = toHs(d.hashrate, 'MH');
    let temps = textNumbers(d.temp);
    // LT5-style rows carry one text field per sensor instead of the combined "temp".
    if (temps.length === 0)
      temps = ['t_temp', 'm_temp', 'l_temp', 'r_temp'].flatMap((k) => textNumbers(d[k]));
    // The combined field reads "<chip> / <board>" in the Goldshell UI; a single value is the board's.
    const [a, b] = temps;
    const chipTemp = temps.length >= 2 ? a : undefined;
    const boardTemp = temps.length >= 2 ? b : a;
    const status =
      d.minerstatus === 0 || d.minerstatus === undefined ? 'ok' : `minerstatus ${String(d.minerstatus)}`;
    return {
      index: count(d.id) ?? i,
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(boardTemp !== undefined ? { boardTemp } : {}),
      ...(chipTemp !== undefined ? { chipTemp } : {}),
      status,
    };
  });
}

function fansOf(devs: Json[]): AsicFan[] {
  // Every board row repeats the same shared fans; the first row names them.
  const text = devs.find((d) => typeof d.fanspeed === 'string')?.fanspeed;
  if (typeof text !== 'string') return [];
  return text
    .split('/')
    .map((p) => nonNeg(p))
    .flatMap((rpm, i) => (rpm === undefined ? [] : [{ name: `fan${i + 1}`, rpm }]));
}

function poolsOf(pools: unknown): AsicPool[] {
  if (!Array.isArray(pools)) return [];
  return (pools as Json[])
    .filter((p) => str(p.url))
    .map((p) => ({
      url: str(p.url)!,
      ...(str(p.user) ? { user: str(p.user) } : {}),
      status: p.active === true ? 'active' : p.legal === false ? 'invalid' : 'standby',
    }));
}

const algorithms: Array<[RegExp, string]> = [
  [/\bCK/i, 'Eaglesong'],
  [/\bLT/i, 'Scrypt'],
  [/\bKD/i, 'Blake2S'],
  [/\bHS/i, 'Blake2B-SHA3'],
];

function modelOf(status: Json | undefined): string | undefined {
  const m = str(status?.model);
  return m ? m.replace(/-/g, ' ') : undefined;
}

function selectedLevel(setting: Json | undefined): number | undefined {
  if (!setting || !Array.isArray(setting.powerplans)) return undefined;
  const idx = count(setting.select);
  if (idx === undefined) return undefined;
  const plan = (setting.powerplans as Json[])[idx];
  return plan ? count(plan.level) : undefined;
}

async function readAll(t: AsicTarget, token?: string) {
  const opt = token ? { token } : {};
  const [status, devs, pools, setting] = await Promise.all([
    call(t, '/mcb/status', opt),
    call(t, '/mcb/cgminer?cgminercmd=devs', opt),
    call(t, '/mcb/pools', opt),
    call(t, '/mcb/setting', opt).catch((err: unknown) => {
      if (err instanceof AsicError && err.reason === 'auth') throw err;
      return undefined;
    }),
  ]);
  return { status: status as Json, devs: devs as Json, pools, setting: setting as Json | undefined };
}

async function selectLevel(target: AsicTarget, level: number): Promise<void> {
  const t = withDefaults(goldshellDriver, target);
  const token = await login(t);
  const setting = (await call(t, '/mcb/setting', { token })) as Json;
  const plans = Array.isArray(setting.powerplans) ? (setting.powerplans as Json[]) : [];
  const idx = plans.findIndex((p) => count(p.level) === level);
  if (idx < 0)
    throw new AsicError(
      'unsupported',
      `${t.ip}: no power plan of level ${level} on this unit (plans: ${plans.map((p) => String(p.level)).join(', ') || 'none'})`,
    );
  await call(t, '/mcb/setting', { method: 'PUT', token, body: JSON.stringify({ ...setting, select: idx }) });
}

const control: PowerControl = {
  sleep: (t) => selectLevel(t, SLEEP_LEVEL),
  wake: (t) => selectLevel(t, NORMAL_LEVEL),
  async reboot(target) {
    const t = withDefaults(goldshellDriver, target);
    const token = await login(t);
    await call(t, '/mcb/restart', { method: 'PUT', token });
  },
};

export const goldshellDriver: AsicDriver = {
  type: 'goldshell',
  make: 'Goldshell',
  defaultPort: 80,
  // Goldshell's factory web login (pyasic's default_goldshell_password).
  defaultCredentials: { user: 'admin', password: '123456789' },

  async detect(p) {
    const page = await p.http('/');
    if (!page?.text.includes('cloud-box')) return null;
    let status: Json;
    try {
      status = (await call({ ...p.target, port: 80 }, '/mcb/status')) as Json;
    } catch {
      return null;
    }
    const model = modelOf(status);
    const fw = str(status.firmware);
    return {
      type: 'goldshell',
      make: 'Goldshell',
      ...(model ? { model } : {}),
      firmware: 'stock',
      ...(fw ? { firmwareVersion: fw } : {}),
    };
  },

  async read(target, identity?: AsicIdentity) {
    const t = withDefaults(goldshellDriver, target);
    let r: Awaited<ReturnType<typeof readAll>>;
    try {
      r = await readAll(t);
    } catch (err) {
      if (!(err instanceof AsicError) || err.reason !== 'auth') throw err;
      r = await readAll(t, await login(t));
    }
    const rows = Array.isArray(r.devs.data) ? (r.devs.data as Json[]) : [];
    if (!Array.isArray(r.devs.data)) throw new AsicError('malformed', `${t.ip}/mcb/cgminer: no "data" rows`);
    const boards = boardsOf(rows);
    const total = boards.reduce((s, b) => s + (b.hashrate ?? 0), 0);
    const avgs = rows.map((d) => toHs(d.av_hashrate, 'MH'));
    const avg =
      avgs.every((v) => v !== undefined) && avgs.length ? avgs.reduce((s, v) => s! + v!, 0) : undefined;
    const model = modelOf(r.status) ?? identity?.model;
    const level = selectedLevel(r.setting);
    const sleeping =
      level === SLEEP_LEVEL || (rows.length > 0 && rows.every((d) => count(d.powerplan) === SLEEP_LEVEL));
    const errors = boards.filter((b) => b.status !== 'ok').map((b) => `board ${b.index}: ${b.status}`);
    const accepted = rows.reduce((s, d) => s + (count(d.accepted) ?? 0), 0);
    const rejected = rows.reduce((s, d) => s + (count(d.rejected) ?? 0), 0);
    const pools = poolsOf(r.pools);
    const active = pools.find((p) => p.status === 'active');
    if (active && rows.length) {
      active.accepted = accepted;
      active.rejected = rejected;
    }
    const mac = str(r.setting?.name);
    const fw = str(r.status.firmware);
    const algorithm = model ? algorithms.find(([re]) => re.test(model))?.[1] : undefined;
    const reading: AsicReading = {
      make: 'Goldshell',
      ...(model ? { model } : {}),
      firmware: 'stock',
      ...(fw ? { firmwareVersion: fw } : {}),
      ...(mac && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac) ? { mac } : {}),
      ...(algorithm ? { algorithm } : {}),
      hashrate: total,
      ...(avg !== undefined ? { hashrateAvg: avg } : {}),
      boards,
      fans: fansOf(rows),
      pools,
      errors,
      warnings: [],
      state: sleeping ? 'sleeping' : boards.length === 0 ? 'error' : total > 0 ? 'mining' : 'starting',
    };
    return finishReading(reading);
  },

  capabilities() {
    return controlCapabilities(control);
  },

  control,
};
