import { AsicError } from '../errors.js';
import { MalformedReply, parseLooseJson } from '../loose-json.js';
import {
  type AsicBoard,
  type AsicFan,
  type AsicIdentity,
  type AsicPool,
  type AsicReading,
  type AsicTarget,
  finishReading,
} from '../model.js';
import { bannerText, cgminerCommand, first, type Json, section } from '../transport/cgminer.js';
import { tcpExchange } from '../transport/tcp.js';
import { v3Read, v3Request, v3Write, WHATSMINER_V3_PORT } from '../transport/whatsminer-v3.js';
import { count, nonNeg, num, toHs } from '../units.js';
import { cgminerPools } from './cgminer-common.js';
import { type AsicDriver, type PowerControl, withDefaults } from './types.js';
import { aesEcbDecrypt, v2AesKey, v2Envelope, v2Token } from './whatsminer-crypto.js';

/**
 * Whatsminer (MicroBT btminer), two API generations:
 * - API v1/v2 on TCP 4028: cgminer JSON reads (`summary`, `devs`, `pools`) plus btminer's `get_*` and
 *   `status` with the flat `{STATUS:"S",Code:131,Msg:{…}}` envelope. Hashrates in MH/s. Writes are
 *   AES-256-ECB envelopes with an MD5-crypt token (whatsminer-crypto.ts), factory password `admin`;
 *   MicroBT ships write access disabled: it has to be enabled with WhatsMinerTool (and pyasic notes the
 *   default password must be changed once before the privileged API accepts it).
 * - API v3 on TCP 4433 (firmware from 2024-11): length-framed JSON, dotted commands, per-command
 *   SHA-256 token. Hashrates in TH/s. Account: MicroBT's own worker defaults to `super` (its README
 *   says `admin` is common); the vendor API doc examples use `super`. The password `super` used here
 *   when none is given is the brief's assumption, not a documented factory value: give the real one.
 *
 * The identity's `firmware` is `btminer v2` or `btminer v3`, which is how read() and control pick the API.
 */

export const WHATSMINER_FIRMWARE_V2 = 'btminer v2';
export const WHATSMINER_FIRMWARE_V3 = 'btminer v3';

const V2_PORT = 4028;
/** Account and password for API v3 when the operator gives none (see above). */
const V3_DEFAULT = { account: 'super', password: 'super' };

const BANNERS = ['BTMINER', 'BITMICRO', 'WHATSMINER'];

/** `M60S_VK40` → `M60S VK40`; the chip-bin suffix is kept, only the separator changes. */
export function whatsminerModel(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  return raw.trim().replace(/_/g, ' ');
}

/** `20230803.11.REL` → 20230803; firmware from 2024-11-01 on speaks API v3. */
function fwDate(fw: unknown): number | undefined {
  const m = typeof fw === 'string' ? /(\d{8})/.exec(fw) : null;
  return m ? Number(m[1]) : undefined;
}

const stripQuotes = (v: unknown) => (typeof v === 'string' ? v.replace(/^'+|'+$/g, '') : undefined);

function isV3(identity: AsicIdentity | undefined): boolean | undefined {
  if (!identity?.firmware) return undefined;
  if (identity.firmware === WHATSMINER_FIRMWARE_V3) return true;
  if (identity.firmware === WHATSMINER_FIRMWARE_V2) return false;
  return undefined;
}

const rpcTarget = (t: AsicTarget): AsicTarget => ({
  ...t,
  port: t.port === WHATSMINER_V3_PORT ? V2_PORT : (t.port ?? V2_PORT),
});
const v3Target = (t: AsicTarget): AsicTarget => ({ ...t, port: WHATSMINER_V3_PORT });

/** Which API to talk: the identity says; else the port; else v3 when 4028's firmware date says so or 4028 is shut. */
async function generation(t: AsicTarget, identity?: AsicIdentity): Promise<2 | 3> {
  const known = isV3(identity);
  if (known !== undefined) return known ? 3 : 2;
  if (t.port === WHATSMINER_V3_PORT) return 3;
  try {
    const gv = await cgminerCommand(rpcTarget(t), 'get_version');
    const date = fwDate((gv.Msg as Json | undefined)?.fw_ver);
    if (date !== undefined && date >= 20241101) return await v3Reachable(t).then((ok) => (ok ? 3 : 2));
    return 2;
  } catch (err) {
    if (err instanceof AsicError && (err.reason === 'refused' || err.reason === 'refused_command')) {
      if (await v3Reachable(t)) return 3;
    }
    if (err instanceof AsicError && err.reason === 'refused_command') return 2;
    throw err;
  }
}

async function v3Reachable(t: AsicTarget): Promise<boolean> {
  try {
    await v3Read(v3Target(t), 'get.device.info', 'system');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- API v2 read

const msgOf = (r: Json | null | undefined): Json => {
  const m = r?.Msg;
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Json) : {};
};

const optional = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);

function v2Boards(devs: Json | null, scaleUnit = 'MH'): AsicBoard[] {
  if (!devs) return [];
  const rows = [...section(devs, 'DEVS'), ...section(devs, 'EDEVS')];
  return rows.map((d, i) => {
    const rate = d['MHS 1m'] ?? d['MHS 5s'] ?? d['MHS av'];
    const hashrate = toHs(rate, scaleUnit);
    const chips = count(d['Effective Chips']);
    const boardTemp = nonNeg(d.Temperature);
    const chipTemp = nonNeg(d['Chip Temp Max']) ?? nonNeg(d['Chip Temp Avg']);
    const st = typeof d.Status === 'string' ? d.Status : undefined;
    return {
      index: count(d.Slot) ?? count(d.ASC) ?? i,
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(chips !== undefined ? { chips } : {}),
      ...(boardTemp !== undefined && boardTemp > 0 ? { boardTemp } : {}),
      ...(chipTemp !== undefined && chipTemp > 0 ? { chipTemp } : {}),
      ...(st ? { status: st === 'Alive' ? 'ok' : st === 'Dead' ? 'error' : st.toLowerCase() } : {}),
    };
  });
}

function v2Errors(summary: Json, errorCodes: Json | null): string[] {
  const out: string[] = [];
  const list = msgOf(errorCodes).error_code;
  if (Array.isArray(list)) {
    for (const e of list) {
      if (typeof e === 'string') out.push(`error code ${e}`);
      else if (e && typeof e === 'object')
        for (const [code, when] of Object.entries(e as Json))
          out.push(`error code ${code} (since ${String(when)})`);
    }
  } else if (list && typeof list === 'object') {
    // API 2.0.4 sends a dict where a list belongs.
    for (const [code, when] of Object.entries(list as Json))
      out.push(`error code ${code} (since ${String(when)})`);
  }
  if (out.length === 0) {
    for (const [k, v] of Object.entries(summary)) {
      const m = /^Error Code (\d+)$/.exec(k);
      if (m && v !== undefined && v !== null && v !== '') out.push(`error code ${String(v)}`);
    }
  }
  return out;
}

async function readV2(t: AsicTarget, identity?: AsicIdentity): Promise<AsicReading> {
  const rpc = rpcTarget(t);
  const [summaryReply, devs, pools, status, info, errorCodes, version, details] = await Promise.all([
    cgminerCommand(rpc, 'summary'),
    optional(cgminerCommand(rpc, 'devs')),
    optional(cgminerCommand(rpc, 'pools')),
    optional(cgminerCommand(rpc, 'status')),
    optional(cgminerCommand(rpc, 'get_miner_info')),
    optional(cgminerCommand(rpc, 'get_error_code')),
    identity?.firmwareVersion ? Promise.resolve(null) : optional(cgminerCommand(rpc, 'get_version')),
    identity?.model ? Promise.resolve(null) : optional(cgminerCommand(rpc, 'devdetails')),
  ]);
  const s = first(summaryReply, 'SUMMARY');
  const st = msgOf(status);
  const mi = msgOf(info);

  const hashrate = toHs(s['HS RT'] ?? s['MHS 1m'] ?? s['MHS 5s'] ?? s['MHS av'], 'MH');
  const hashrateAvg = toHs(s['MHS av'], 'MH');
  const hashrateNominal = toHs(s['Factory GHS'], 'GH');
  const fans: AsicFan[] = [];
  const fanIn = nonNeg(s['Fan Speed In']);
  const fanOut = nonNeg(s['Fan Speed Out']);
  const psuFan = nonNeg(s['Power Fanspeed']);
  if (fanIn !== undefined) fans.push({ name: 'in', rpm: fanIn });
  if (fanOut !== undefined) fans.push({ name: 'out', rpm: fanOut });
  if (psuFan !== undefined) fans.push({ name: 'psu', rpm: psuFan });

  const boards = v2Boards(devs);
  const errors = v2Errors(s, errorCodes);
  const off = [st.btmineroff, st.mineroff].some((v) => v === true || v === 'true');
  const fw =
    identity?.firmwareVersion ??
    stripQuotes(msgOf(version).fw_ver) ??
    stripQuotes(st['Firmware Version']) ??
    stripQuotes(st.FirmwareVersion) ??
    stripQuotes(s['Firmware Version']);
  const model = identity?.model ?? whatsminerModel(first(details ?? {}, 'DEVDETAILS').Model);
  const powerW = nonNeg(s.Power);
  const powerLimitW = nonNeg(st.power_limit_set) ?? nonNeg(s['Power Limit']);

  const state: AsicReading['state'] = off
    ? 'sleeping'
    : hashrate && hashrate > 0
      ? 'mining'
      : errors.length > 0
        ? 'error'
        : 'starting';

  const mac = typeof s.MAC === 'string' ? s.MAC : typeof mi.mac === 'string' ? mi.mac : undefined;
  return finishReading({
    make: 'Whatsminer',
    ...(model ? { model } : {}),
    firmware: WHATSMINER_FIRMWARE_V2,
    ...(fw ? { firmwareVersion: fw } : {}),
    ...(typeof mi.minersn === 'string' && mi.minersn ? { serial: mi.minersn } : {}),
    ...(mac ? { mac } : {}),
    ...(typeof mi.hostname === 'string' && mi.hostname ? { hostname: mi.hostname } : {}),
    algorithm: 'SHA256',
    ...(hashrate !== undefined ? { hashrate } : {}),
    ...(hashrateAvg !== undefined ? { hashrateAvg } : {}),
    ...(hashrateNominal !== undefined ? { hashrateNominal } : {}),
    boards,
    fans,
    ...(powerW !== undefined ? { powerW } : {}),
    ...(powerLimitW !== undefined ? { powerLimitW } : {}),
    pools: cgminerPools(pools),
    ...(nonNeg(s.Elapsed) !== undefined ? { uptimeS: nonNeg(s.Elapsed) } : {}),
    errors,
    warnings: [],
    state,
  });
}

// ---------------------------------------------------------------- API v3 read

const asJson = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};

async function readV3(t: AsicTarget): Promise<AsicReading> {
  const v3 = v3Target(t);
  const [summaryMsg, edevsMsg, poolsMsg, info] = await Promise.all([
    v3Read(v3, 'get.miner.status', 'summary'),
    optional(v3Read(v3, 'get.miner.status', 'edevs')),
    // An idle firmware may refuse the pools-only view (MicroBT's worker notes it).
    optional(v3Read(v3, 'get.miner.status', 'pools')),
    optional(v3Read(v3, 'get.device.info')),
  ]);
  const s = asJson(summaryMsg.summary);
  const miner = asJson(info?.miner);
  const network = asJson(info?.network);
  const system = asJson(info?.system);
  const power = asJson(info?.power);

  const hashrate = toHs(s['hash-realtime'] ?? s['hash-1min'], 'TH');
  const hashrateAvg = toHs(s['hash-average'], 'TH');
  const hashrateNominal = toHs(s['factory-hash'], 'TH');
  const boardTemps = Array.isArray(s['board-temperature']) ? (s['board-temperature'] as unknown[]) : [];

  const edevs = Array.isArray(edevsMsg?.edevs) ? (edevsMsg.edevs as unknown[]).map(asJson) : [];
  const boards: AsicBoard[] = edevs.map((d, i) => {
    const idx = count(d.id) ?? i;
    const rate = toHs(d['hash-realtime'] ?? d['hash-average'], 'TH');
    const chips = count(d['effective-chips']);
    const chipTemp = nonNeg(d['chip-temp-max']) ?? nonNeg(d['chip-temp-avg']);
    const boardTemp = nonNeg(boardTemps[idx]);
    const st = typeof d.status === 'string' ? d.status : undefined;
    return {
      index: idx,
      ...(rate !== undefined ? { hashrate: rate } : {}),
      ...(chips !== undefined ? { chips } : {}),
      ...(boardTemp !== undefined && boardTemp > 0 ? { boardTemp } : {}),
      ...(chipTemp !== undefined && chipTemp > 0 ? { chipTemp } : {}),
      ...(st ? { status: st === 'alive' ? 'ok' : st === 'dead' ? 'error' : st } : {}),
    };
  });

  const fans: AsicFan[] = [];
  for (const [name, key] of [
    ['in', 'fan-speed-in'],
    ['out', 'fan-speed-out'],
  ] as const) {
    const rpm = nonNeg(s[key]);
    if (rpm !== undefined) fans.push({ name, rpm });
  }
  const psuFan = nonNeg(power.fanspeed);
  if (psuFan !== undefined) fans.push({ name: 'psu', rpm: psuFan });

  const pools: AsicPool[] = (Array.isArray(poolsMsg?.pools) ? (poolsMsg.pools as unknown[]) : [])
    .map(asJson)
    .filter((p) => typeof p.url === 'string' && p.url !== '')
    .map((p) => ({
      url: String(p.url),
      ...(typeof p.account === 'string' ? { user: p.account } : {}),
      ...(typeof p.status === 'string' ? { status: p.status } : {}),
      ...(count(p.accepted) !== undefined ? { accepted: count(p.accepted) } : {}),
      ...(count(p.rejected) !== undefined ? { rejected: count(p.rejected) } : {}),
      ...(count(p.stale) !== undefined ? { stale: count(p.stale) } : {}),
    }));

  const errors: string[] = [];
  const codes = info?.['error-code'];
  if (Array.isArray(codes)) {
    for (const e of codes.map(asJson)) {
      const entry = Object.entries(e).find(([k]) => /^\d+$/.test(k));
      if (!entry) continue;
      const reason = typeof e.reason === 'string' ? `: ${e.reason}` : '';
      errors.push(`error code ${entry[0]}${reason} (since ${String(entry[1])})`);
    }
  }

  // `miner.working` is "false" while the mining service is stopped (set.miner.service stop).
  const stopped = miner.working === 'false' || miner.working === false;
  const state: AsicReading['state'] = stopped
    ? 'sleeping'
    : hashrate && hashrate > 0
      ? 'mining'
      : errors.length > 0
        ? 'error'
        : 'starting';

  const powerW = nonNeg(s['power-realtime']) ?? nonNeg(s['power-5min']);
  const powerLimitW = nonNeg(s['power-limit']);
  const efficiency = nonNeg(s['power-rate']);
  const model = whatsminerModel(miner.type);
  return finishReading({
    make: 'Whatsminer',
    ...(model ? { model } : {}),
    firmware: WHATSMINER_FIRMWARE_V3,
    ...(typeof system.fwversion === 'string' ? { firmwareVersion: system.fwversion } : {}),
    ...(typeof miner['miner-sn'] === 'string' && miner['miner-sn'] ? { serial: miner['miner-sn'] } : {}),
    ...(typeof network.mac === 'string' ? { mac: network.mac } : {}),
    ...(typeof network.hostname === 'string' ? { hostname: network.hostname } : {}),
    algorithm: 'SHA256',
    ...(hashrate !== undefined ? { hashrate } : {}),
    ...(hashrateAvg !== undefined ? { hashrateAvg } : {}),
    ...(hashrateNominal !== undefined ? { hashrateNominal } : {}),
    boards,
    fans,
    ...(powerW !== undefined ? { powerW } : {}),
    ...(powerLimitW !== undefined ? { powerLimitW } : {}),
    ...(efficiency !== undefined && efficiency > 0 && hashrate ? { efficiencyJTH: efficiency } : {}),
    pools,
    ...(nonNeg(s.elapsed) !== undefined ? { uptimeS: nonNeg(s.elapsed) } : {}),
    errors,
    warnings: [],
    state,
  });
}

// ---------------------------------------------------------------- API v2 write

/** btminer v2 codes that mean the password (or write permission) is wrong. */
const V2_AUTH_CODES = new Set([23, 45, 135]);

function v2Refusal(cmd: string, reply: Json): AsicError {
  const code = num(reply.Code);
  const msg = typeof reply.Msg === 'string' ? reply.Msg : JSON.stringify(reply.Msg ?? '');
  if (code !== undefined && V2_AUTH_CODES.has(code))
    // 23 after an encrypted request means the miner could not decrypt it: a key from another password.
    return new AsicError(
      'auth',
      `${cmd}: the miner refused the token (code ${code}: ${msg}); wrong password or write API disabled`,
    );
  return new AsicError('refused_command', `${cmd}: refused by the miner (code ${code ?? '?'}: ${msg})`);
}

function parseReply(cmd: string, text: string): Json {
  try {
    const v = parseLooseJson(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MalformedReply('not an object');
    return v as Json;
  } catch (err) {
    throw new AsicError('malformed', `${cmd}: ${(err as Error).message}`);
  }
}

/** One privileged v2 command: get_token, then the encrypted command, sent once. */
async function v2Write(
  target: AsicTarget,
  cmd: string,
  params: Json = {},
  noReplyOk = false,
): Promise<Json | null> {
  const t = rpcTarget(withDefaults(whatsminerDriver, target));
  let tokenReply: Json;
  try {
    tokenReply = await cgminerCommand(t, 'get_token');
  } catch (err) {
    if (err instanceof AsicError && err.reason === 'refused_command')
      throw new AsicError('refused_command', `get_token: ${err.message} (is the write API enabled?)`);
    throw err;
  }
  const m = msgOf(tokenReply);
  if (typeof m.time !== 'string' || typeof m.salt !== 'string' || typeof m.newsalt !== 'string') {
    if (num(tokenReply.Code) === 136)
      throw new AsicError('refused_command', 'get_token: the miner has given this address too many tokens');
    throw new AsicError(
      'malformed',
      `get_token: no time/salt/newsalt in ${JSON.stringify(tokenReply).slice(0, 200)}`,
    );
  }
  const token = v2Token(t.password ?? 'admin', { time: m.time, salt: m.salt, newsalt: m.newsalt });
  const payload = v2Envelope({ cmd, ...params }, token);
  const buf = await tcpExchange(t.ip, t.port!, payload, {
    timeoutMs: t.timeoutMs,
    maxBytes: t.maxBytes,
    complete: (b) => b[b.length - 1] === 0,
  });
  const text = buf.toString('utf8').replace(/\0+$/, '').trim();
  if (!text) {
    // reboot (and power_off without respbefore) may close without answering.
    if (noReplyOk) return null;
    throw new AsicError('malformed', `${cmd}: empty answer`);
  }
  const outer = parseReply(cmd, text);
  let reply = outer;
  if (typeof outer.enc === 'string') {
    try {
      reply = parseReply(cmd, aesEcbDecrypt(outer.enc, v2AesKey(token.hostPasswdMd5)));
    } catch {
      throw new AsicError('malformed', `${cmd}: the encrypted answer does not decrypt`);
    }
  }
  const status =
    typeof reply.STATUS === 'string' ? reply.STATUS : (first(reply, 'STATUS').STATUS as string | undefined);
  if (status === 'S' || status === 'I') return reply;
  throw v2Refusal(cmd, status === undefined ? reply : { ...first(reply, 'STATUS'), ...reply });
}

// ---------------------------------------------------------------- API v3 write

function v3Creds(t: AsicTarget): { account: string; password: string } {
  return { account: t.user ?? V3_DEFAULT.account, password: t.password ?? V3_DEFAULT.password };
}

async function write(
  t: AsicTarget,
  v2: [string, Json?, boolean?],
  v3: [string, unknown?],
  identity?: AsicIdentity,
): Promise<void> {
  if ((await generation(t, identity)) === 3) {
    const c = v3Creds(t);
    await v3Write(v3Target(t), c.account, c.password, v3[0], v3[1]);
  } else await v2Write(t, v2[0], v2[1] ?? {}, v2[2] ?? false);
}

/** The identity of the last detect/read per address, so control picks the API without asking again. */
const lastIdentity = new Map<string, AsicIdentity>();
const remember = (t: AsicTarget, firmware: string) =>
  lastIdentity.set(t.ip, { type: 'whatsminer', make: 'Whatsminer', firmware });

const control: PowerControl = {
  sleep: (t) =>
    write(t, ['power_off', { respbefore: 'true' }], ['set.miner.service', 'stop'], lastIdentity.get(t.ip)),
  wake: (t) => write(t, ['power_on'], ['set.miner.service', 'start'], lastIdentity.get(t.ip)),
  reboot: (t) => write(t, ['reboot', {}, true], ['set.system.reboot'], lastIdentity.get(t.ip)),
  async setPowerTarget(t, watts) {
    if (!Number.isFinite(watts) || watts <= 0)
      throw new AsicError('refused_command', `power limit ${watts} W is not valid`);
    const w = Math.round(watts);
    await write(
      t,
      ['adjust_power_limit', { power_limit: String(w) }],
      ['set.miner.power_limit', w],
      lastIdentity.get(t.ip),
    );
  },
};

export const whatsminerDriver: AsicDriver = {
  type: 'whatsminer',
  make: 'Whatsminer',
  defaultPort: V2_PORT,
  // API v2 factory password `admin` (MicroBT API docs 2.0.x: "change the default password (admin)").
  // API v3 uses account `super` and, when none is given, password `super` (see the header comment).
  defaultCredentials: { user: 'admin', password: 'admin' },

  async detect(p) {
    const [details, version, v3Open] = await Promise.all([
      p.rpc('devdetails'),
      p.rpc('version'),
      p.open(WHATSMINER_V3_PORT),
    ]);
    if (v3Open) {
      try {
        const reply = await v3Request({ ...p.target, port: WHATSMINER_V3_PORT }, { cmd: 'get.device.info' });
        const msg = asJson(reply.msg);
        const miner = asJson(msg.miner);
        const system = asJson(msg.system);
        if (reply.code === 0 && (miner.type !== undefined || system.fwversion !== undefined)) {
          const model = whatsminerModel(miner.type);
          remember(p.target, WHATSMINER_FIRMWARE_V3);
          return {
            type: 'whatsminer',
            make: 'Whatsminer',
            ...(model ? { model } : {}),
            firmware: WHATSMINER_FIRMWARE_V3,
            ...(typeof system.fwversion === 'string' ? { firmwareVersion: system.fwversion } : {}),
          };
        }
      } catch {
        // not a v3 firmware; fall through to 4028
      }
    }
    const banner = `${details ? bannerText(details) : ''} ${version ? bannerText(version) : ''}`;
    const matched = BANNERS.some((b) => banner.includes(b));
    // A btminer whose devdetails and version both fail still answers get_version with its own
    // flat envelope; asked only then, so other makes cost no extra request.
    if (!matched && (details !== null || version !== null)) return null;
    const gv = await p.rpc('get_version');
    const fw = stripQuotes(msgOf(gv).fw_ver);
    if (!matched && (typeof fw !== 'string' || msgOf(gv).api_ver === undefined)) return null;
    const dd = details ? first(details, 'DEVDETAILS') : {};
    const model = whatsminerModel(dd.Model);
    remember(p.target, WHATSMINER_FIRMWARE_V2);
    return {
      type: 'whatsminer',
      make: 'Whatsminer',
      ...(model ? { model } : {}),
      firmware: WHATSMINER_FIRMWARE_V2,
      ...(fw ? { firmwareVersion: fw } : {}),
    };
  },

  async read(target, identity) {
    const gen = await generation(target, identity ?? lastIdentity.get(target.ip));
    const reading = gen === 3 ? await readV3(target) : await readV2(target, identity);
    remember(target, reading.firmware!);
    return reading;
  },

  capabilities(identity, reading) {
    const caps: ReturnType<AsicDriver['capabilities']> = ['sleep', 'wake', 'reboot'];
    const v3 = isV3(identity) ?? reading?.firmware === WHATSMINER_FIRMWARE_V3;
    // adjust_power_limit exists from API 2.0.5 (firmware of 2022 on); v3 always has set.miner.power_limit.
    const date = fwDate(identity?.firmwareVersion ?? reading?.firmwareVersion);
    if (v3 || (date !== undefined && date >= 20220101) || reading?.powerLimitW !== undefined)
      caps.splice(2, 0, 'powerTarget');
    return caps;
  },

  control,
};
