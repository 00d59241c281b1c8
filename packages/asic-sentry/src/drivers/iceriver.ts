import { AsicError } from '../errors.js';
import { MalformedReply, parseLooseJson } from '../loose-json.js';
import type { AsicBoard, AsicFan, AsicIdentity, AsicPool, AsicReading, AsicTarget } from '../model.js';
import { finishReading } from '../model.js';
import { httpCall } from '../transport/http.js';
import { count, durationS, nonNeg, suffixedToHs } from '../units.js';
import { type AsicDriver, controlCapabilities, type PowerControl, withDefaults } from './types.js';

/**
 * IceRiver (KS0…KS5, AL3) web API on port 80: log in with
 * `POST /user/loginpost?post=6&user=admin&pwd=…` and keep the session cookie, then
 * `POST /user/userpanel?post=4` returns everything (model in `softver1`, hashrates as unit-suffixed
 * strings like "15011G", runtime "dd:hh:mm:ss", fans, per-board inlet/outlet temperatures, pools).
 * No sleep, wake, power target or reboot command is documented (pyasic has none; research §2), so
 * the driver offers no control: curtail an IceRiver with a relay. Factory login admin / 12345678.
 */

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

function webTarget(t: AsicTarget): AsicTarget {
  return { ...t, port: t.port ?? 80 };
}

/** `name=value` pairs from Set-Cookie headers, for the Cookie header. */
function cookiesOf(setCookie: string | string[] | undefined): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const pairs = list.map((c) => c.split(';')[0]!.trim()).filter((c) => c.includes('='));
  return pairs.length ? pairs.join('; ') : undefined;
}

/** Logs in and fetches `userpanel` post=4 with the session cookie. */
async function userpanel(target: AsicTarget): Promise<Json> {
  const t = webTarget(withDefaults(iceriverDriver, target));
  const user = encodeURIComponent(t.user ?? 'admin');
  const pwd = encodeURIComponent(t.password ?? '12345678');
  const loginPath = `/user/loginpost?post=6&user=${user}&pwd=${pwd}`;
  const login = await httpCall(t, { method: 'POST', path: loginPath, body: '' });
  if (login.status === 401 || login.status === 403)
    throw new AsicError('auth', `${t.ip}: login refused (HTTP ${login.status})`);
  if (login.status >= 500) throw new AsicError('http_status', `${t.ip}/user/loginpost: HTTP ${login.status}`);
  // A refused login answers {"error": <non-zero>} and sets no session cookie.
  let loginError: unknown;
  try {
    loginError = (parseLooseJson(login.text) as Json | null)?.error;
  } catch {
    loginError = undefined;
  }
  const cookie = cookiesOf(login.headers['set-cookie']);
  if ((loginError !== undefined && loginError !== 0) || !cookie)
    throw new AsicError('auth', `${t.ip}: the miner refused the credentials`);
  const path = '/user/userpanel?post=4';
  const a = await httpCall(t, { method: 'POST', path, headers: { cookie }, body: '' });
  if (a.status === 401 || a.status === 403 || (a.status >= 300 && a.status < 400))
    throw new AsicError('auth', `${t.ip}${path}: session refused (HTTP ${a.status})`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError('http_status', `${t.ip}${path}: HTTP ${a.status}`);
  let v: unknown;
  try {
    v = parseLooseJson(a.text);
  } catch (err) {
    if (err instanceof MalformedReply) throw new AsicError('malformed', `${t.ip}${path}: ${err.message}`);
    throw err;
  }
  const data = (v as Json | null)?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new AsicError('malformed', `${t.ip}${path}: no "data" object`);
  return data as Json;
}

/** `ICM168_3_2_10_ks5L_miner` → model `KS5L`, version `3.2.10` (pyasic's parse; research §1.13). */
export function parseSoftver(softver: unknown): { model?: string; version?: string } {
  const s = str(softver);
  if (!s) return {};
  const parts = s.split('_');
  const last = parts[parts.length - 1]!;
  const model = (
    last.toLowerCase() === 'miner' ? parts[parts.length - 2] : last.replace(/miner$/i, '')
  )?.toUpperCase();
  const nums = parts.filter((p) => /^\d+$/.test(p));
  return {
    ...(model ? { model: model === '10306' ? 'AL3' : model } : {}),
    ...(nums.length ? { version: nums.join('.') } : {}),
  };
}

const modelName = (m: string | undefined) => (m ? `IceRiver ${m}` : undefined);

function algorithmOf(model: string | undefined): string | undefined {
  if (!model) return undefined;
  if (/^KS/i.test(model)) return 'kHeavyHash';
  if (/^AL/i.test(model)) return 'Blake3';
  return undefined;
}

function boardsOf(d: Json, unit: string): AsicBoard[] {
  if (!Array.isArray(d.boards)) return [];
  return (d.boards as Json[]).map((b, i) => {
    const hashrate = suffixedToHs(b.rtpow, unit);
    const chips = count(b.chipnum);
    const inlet = nonNeg(b.intmp);
    const outlet = nonNeg(b.outtmp);
    return {
      // Boards count from 1 ("no": 1.0); re-based to 0 like the other makes.
      index: (count(b.no) ?? i + 1) - 1,
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(chips !== undefined ? { chips } : {}),
      // pyasic's mapping: inlet is the board temperature, outlet the chip side.
      ...(inlet !== undefined && inlet > 0 ? { boardTemp: inlet } : {}),
      ...(outlet !== undefined && outlet > 0 ? { chipTemp: outlet } : {}),
      status: b.state === false ? 'error' : 'ok',
    };
  });
}

function fansOf(d: Json): AsicFan[] {
  if (!Array.isArray(d.fans)) return [];
  return d.fans.flatMap((v, i) => {
    const rpm = nonNeg(v);
    return rpm === undefined ? [] : [{ name: `fan${i + 1}`, rpm }];
  });
}

function poolsOf(d: Json): AsicPool[] {
  if (!Array.isArray(d.pools)) return [];
  return (d.pools as Json[])
    .filter((p) => str(p.addr))
    .map((p) => {
      const accepted = count(p.accepted);
      const rejected = count(p.rejected);
      return {
        url: str(p.addr)!,
        ...(str(p.user) ? { user: str(p.user) } : {}),
        // state 1 = the pool in use, connect 1 = connected, -1 = not connected.
        status: p.state === 1 ? 'active' : p.connect === 1 ? 'alive' : 'dead',
        ...(accepted !== undefined ? { accepted } : {}),
        ...(rejected !== undefined ? { rejected } : {}),
      };
    });
}

const control: PowerControl = {};

export const iceriverDriver: AsicDriver = {
  type: 'iceriver',
  make: 'IceRiver',
  defaultPort: 80,
  // IceRiver's factory web login (pyasic's default_iceriver_web_password).
  defaultCredentials: { user: 'admin', password: '12345678' },

  async detect(p) {
    const page = await p.http('/');
    if (!page?.text.includes('<TITLE>用户界面</TITLE>')) return null;
    // The model needs a login; without working credentials the host is still an IceRiver.
    let d: Json | undefined;
    try {
      d = await userpanel({ ...p.target, port: 80 });
    } catch {
      d = undefined;
    }
    const { model, version } = parseSoftver(d?.softver1);
    return {
      type: 'iceriver',
      make: 'IceRiver',
      ...(model ? { model: modelName(model)! } : {}),
      firmware: 'stock',
      ...(version ? { firmwareVersion: version } : {}),
    };
  },

  async read(target, identity?: AsicIdentity) {
    const d = await userpanel(target);
    const unit = str(d.unit) ?? 'G';
    const { model, version } = parseSoftver(d.softver1);
    const hashrate = suffixedToHs(d.rtpow, unit);
    const avg = suffixedToHs(d.avgpow, unit);
    const boards = boardsOf(d, unit);
    const mac = str(d.mac);
    const warnings: string[] = [];
    if (d.fanstate === false) warnings.push('fan state reported not OK');
    if (d.netstate === false) warnings.push('network state reported not OK');
    const errors = boards.filter((b) => b.status !== 'ok').map((b) => `board ${b.index}: ${b.status}`);
    const mining = d.powstate !== false && hashrate !== undefined && hashrate > 0;
    const name = modelName(model) ?? identity?.model;
    const algorithm = algorithmOf(model);
    const uptimeS = durationS(d.runtime);
    const reading: AsicReading = {
      make: 'IceRiver',
      ...(name ? { model: name } : {}),
      firmware: 'stock',
      ...(version ? { firmwareVersion: version } : {}),
      ...(mac && /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(mac) ? { mac } : {}),
      ...(str(d.host) ? { hostname: str(d.host) } : {}),
      ...(algorithm ? { algorithm } : {}),
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(avg !== undefined ? { hashrateAvg: avg } : {}),
      boards,
      fans: fansOf(d),
      pools: poolsOf(d),
      ...(uptimeS !== undefined ? { uptimeS } : {}),
      errors,
      warnings,
      state: mining ? 'mining' : d.powstate === false ? 'error' : 'starting',
    };
    return finishReading(reading);
  },

  capabilities() {
    return controlCapabilities(control);
  },

  control,
};
