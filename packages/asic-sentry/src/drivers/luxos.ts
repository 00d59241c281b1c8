import { AsicError } from '../errors.js';
import type { AsicBoard, AsicFan, AsicReading, AsicState, AsicTarget } from '../model.js';
import { finishReading } from '../model.js';
import { bannerText, cgminerCommand, first, type Json, section } from '../transport/cgminer.js';
import { count, nonNeg, num, toHs } from '../units.js';
import { cgminerPools, cleanModel } from './cgminer-common.js';
import { type AsicDriver, controlCapabilities, type PowerControl } from './types.js';

/**
 * LuxOS (Luxor firmware, LUXminer) on Antminer hardware. Everything is the cgminer-style RPC on
 * 4028: reads (`summary`, `stats`, `devs`, `temps`, `fans`, `power`, `pools`, `config`, `profiles`)
 * need nothing; writes take a session id as their first parameter, obtained with `logon` and
 * released with `logoff`. A session is not authentication (any LAN host may log on); at most one
 * exists and it expires 60 s after its last use, so a busy session answers `logon` with code 402
 * "Another session is active" — then the `session` command names it and it is used (and not logged
 * off: it belongs to the other client).
 * Control: `curtail <sid>,sleep|wakeup`, `rebootdevice <sid>`, `profileset <sid>,<profile>` with the
 * largest profile whose Watts ≤ the target. No factory credentials.
 */

const RPC_PORT = 4028;

const rpcTarget = (t: AsicTarget): AsicTarget => ({ ...t, port: t.port ?? RPC_PORT });

/** `"LUXminer 2025.4.8.220305-57b389c7"` → `2025.4.8.220305-57b389c7`. */
function luxVersion(reply: Json | null | undefined): string | undefined {
  if (!reply) return undefined;
  const v = first(reply, 'VERSION').LUXminer;
  if (typeof v === 'string' && v) return v;
  const d = first(reply, 'STATUS').Description;
  const m = typeof d === 'string' ? /LUXminer\s+(\S+)/i.exec(d) : null;
  return m?.[1];
}

const makeOf = (model: string | undefined) => model?.split(/\s+/)[0] || 'Antminer';

/** The four board sensors of `temps` (TopLeft/TopRight/BottomLeft/BottomRight); LuxOS has no chip temps. */
function boardTemp(row: Json | undefined): number | undefined {
  if (!row) return undefined;
  const v = ['TopLeft', 'TopRight', 'BottomLeft', 'BottomRight']
    .map((k) => nonNeg(row[k]))
    .filter((x): x is number => x !== undefined && x > 0);
  return v.length ? Math.max(...v) : undefined;
}

// ---------------------------------------------------------------- sessions

/** Opens a session; `own` is false when another client's open session is borrowed. */
async function logon(t: AsicTarget): Promise<{ sid: string; own: boolean }> {
  let reply: Json;
  try {
    reply = await cgminerCommand(t, 'logon');
  } catch (err) {
    // 402 "Another session is active": LuxOS names the open session through `session`.
    if (!(err instanceof AsicError && err.reason === 'refused_command')) throw err;
    const cur = await cgminerCommand(t, 'session');
    const sid = first(cur, 'SESSION').SessionID;
    if (typeof sid === 'string' && sid) return { sid, own: false };
    throw new AsicError('refused_command', `${t.ip}: LuxOS refused a session (${err.message})`);
  }
  const sid = first(reply, 'SESSION').SessionID;
  if (typeof sid !== 'string' || !sid)
    throw new AsicError('malformed', `${t.ip}: logon answered no SessionID`);
  return { sid, own: true };
}

/**
 * Runs one write inside a session and logs off afterwards (even when the write failed); a borrowed
 * session is left to the client that opened it.
 */
async function withSession<T>(
  target: AsicTarget,
  fn: (sid: string, t: AsicTarget) => Promise<T>,
): Promise<T> {
  const t = rpcTarget(target);
  const { sid, own } = await logon(t);
  try {
    return await fn(sid, t);
  } finally {
    if (own) await cgminerCommand(t, 'logoff', sid).catch(() => undefined);
  }
}

interface Profile {
  name: string;
  watts: number;
}

function profilesOf(reply: Json | null): Profile[] {
  if (!reply) return [];
  return section(reply, 'PROFILES')
    .map((p) => ({ name: String(p['Profile Name'] ?? ''), watts: nonNeg(p.Watts) ?? Number.NaN }))
    .filter((p) => p.name && Number.isFinite(p.watts));
}

/** The largest profile whose nominal Watts do not exceed `watts`; undefined when none does. */
export function pickProfile(profiles: Profile[], watts: number): Profile | undefined {
  let best: Profile | undefined;
  for (const p of profiles) if (p.watts <= watts && (!best || p.watts > best.watts)) best = p;
  return best;
}

const control: PowerControl = {
  async sleep(t) {
    await withSession(t, (sid, rt) => cgminerCommand(rt, 'curtail', `${sid},sleep`));
  },
  async wake(t) {
    await withSession(t, (sid, rt) => cgminerCommand(rt, 'curtail', `${sid},wakeup`));
  },
  async reboot(t) {
    await withSession(t, (sid, rt) => cgminerCommand(rt, 'rebootdevice', sid));
  },
  async setPowerTarget(t, watts) {
    const profiles = profilesOf(await cgminerCommand(rpcTarget(t), 'profiles'));
    const p = pickProfile(profiles, watts);
    if (!p) {
      const min = profiles.length ? Math.min(...profiles.map((x) => x.watts)) : undefined;
      throw new AsicError(
        'refused_command',
        `${t.ip}: no LuxOS profile at or below ${watts} W${min !== undefined ? ` (smallest is ${min} W)` : ''}`,
      );
    }
    await withSession(t, (sid, rt) => cgminerCommand(rt, 'profileset', `${sid},${p.name}`));
  },
};

// ---------------------------------------------------------------- driver

export const luxosDriver: AsicDriver = {
  type: 'luxos',
  make: 'Antminer',
  defaultPort: RPC_PORT,
  // No credentials: LuxOS sessions are not authentication.

  async detect(p) {
    const [version, devdetails, page] = await Promise.all([
      p.rpc('version'),
      p.rpc('devdetails'),
      p.http('/'),
    ]);
    const rpcHit = [version, devdetails].some((r) => r && bannerText(r).includes('LUXMINER'));
    const webHit = !!page && /Luxor Firmware/i.test(page.text);
    if (!rpcHit && !webHit) return null;
    const model = version ? cleanModel(first(version, 'VERSION').Type) : undefined;
    const firmwareVersion = luxVersion(version) ?? luxVersion(devdetails);
    return {
      type: 'luxos',
      make: makeOf(model),
      ...(model ? { model } : {}),
      firmware: 'LuxOS',
      ...(firmwareVersion ? { firmwareVersion } : {}),
    };
  },

  async read(target, identity) {
    const t = rpcTarget(target);
    const opt = (c: string) => cgminerCommand(t, c).catch(() => null);
    const [summary, stats, devs, temps, fans, power, pools, config, profiles] = await Promise.all([
      cgminerCommand(t, 'summary'),
      opt('stats'),
      opt('devs'),
      opt('temps'),
      opt('fans'),
      opt('power'),
      opt('pools'),
      opt('config'),
      opt('profiles'),
    ]);
    const s = first(summary, 'SUMMARY');
    const cfg = config ? first(config, 'CONFIG') : {};
    const st = stats ? section(stats, 'STATS') : [];
    const head = st[0] ?? {};
    const body = st.find((x) => x.Elapsed !== undefined || x['GHS 5s'] !== undefined) ?? {};
    const unit = typeof body.rate_unit === 'string' ? body.rate_unit : 'GH';

    const tempRows = temps ? section(temps, 'TEMPS') : [];
    const devRows = (devs ? section(devs, 'DEVS') : [])
      .slice()
      .sort((a, b) => (num(a.ID) ?? 0) - (num(b.ID) ?? 0));
    const boards: AsicBoard[] = devRows.map((d, i) => {
      const id = num(d.ID) ?? i;
      const rate = toHs(d['MHS 5s'], 'MH');
      const chips = count(body[`chain_acn${id + 1}`]);
      const bt = boardTemp(tempRows.find((x) => num(x.ID) === id)) ?? (nonNeg(d.Temperature) || undefined);
      return {
        index: id,
        ...(rate !== undefined ? { hashrate: rate } : {}),
        ...(chips !== undefined ? { chips } : {}),
        ...(bt !== undefined ? { boardTemp: bt } : {}),
        status: d.Status === 'Alive' ? 'ok' : String(d.Status ?? 'unknown').toLowerCase(),
      };
    });
    const fanList: AsicFan[] = (fans ? section(fans, 'FANS') : [])
      .map((f, i) => ({ name: typeof f.FAN === 'string' ? f.FAN : `fan${i}`, rpm: nonNeg(f.RPM) }))
      .filter((f): f is AsicFan => f.rpm !== undefined);

    const model = cleanModel(cfg.Model) ?? cleanModel(head.Type) ?? identity?.model;
    const hashrate = toHs(s['GHS 5s'], 'GH');
    const curtail = typeof cfg.CurtailMode === 'string' ? cfg.CurtailMode : 'None';
    const sleeping = (curtail !== '' && curtail.toLowerCase() !== 'none') || cfg.IsPowerSupplyOn === false;
    const state: AsicState = sleeping ? 'sleeping' : hashrate && hashrate > 0 ? 'mining' : 'starting';
    const powerW = nonNeg(first(power ?? {}, 'POWER').Watts);
    const current = profilesOf(profiles).find((p) => p.name === cfg.Profile);
    const nominal =
      toHs(body.total_rateideal, unit) ??
      (nonNeg(cfg.NameplateTHS) ? toHs(cfg.NameplateTHS, 'TH') : undefined);

    const r: AsicReading = {
      make: makeOf(model),
      ...(model ? { model } : {}),
      firmware: 'LuxOS',
      ...((luxVersion(summary) ?? identity?.firmwareVersion)
        ? { firmwareVersion: luxVersion(summary) ?? identity?.firmwareVersion }
        : {}),
      ...(typeof cfg.SerialNumber === 'string' && cfg.SerialNumber ? { serial: cfg.SerialNumber } : {}),
      ...(typeof cfg.MACAddr === 'string' && cfg.MACAddr ? { mac: cfg.MACAddr } : {}),
      ...(typeof cfg.Hostname === 'string' && cfg.Hostname ? { hostname: cfg.Hostname } : {}),
      algorithm: 'SHA-256',
      ...(hashrate !== undefined ? { hashrate } : {}),
      ...(toHs(s['GHS av'], 'GH') !== undefined ? { hashrateAvg: toHs(s['GHS av'], 'GH') } : {}),
      ...(nominal ? { hashrateNominal: nominal } : {}),
      boards,
      fans: fanList,
      ...(powerW !== undefined ? { powerW } : {}),
      ...(current ? { powerLimitW: current.watts } : {}),
      pools: cgminerPools(pools),
      ...(count(s.Elapsed) !== undefined ? { uptimeS: count(s.Elapsed) } : {}),
      errors: boards.filter((b) => b.status !== 'ok').map((b) => `hash board ${b.index} ${b.status}`),
      warnings:
        typeof cfg.SystemStatus === 'string' && cfg.SystemStatus !== 'Normal'
          ? [`system status ${cfg.SystemStatus}`]
          : [],
      state,
    };
    return finishReading(r);
  },

  capabilities: () => controlCapabilities(control),
  control,
};
