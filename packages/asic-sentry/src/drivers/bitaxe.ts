import { AsicError } from '../errors.js';
import type { AsicFan, AsicIdentity, AsicPool, AsicReading, AsicTarget } from '../model.js';
import { finishReading } from '../model.js';
import { httpCall, httpJson } from '../transport/http.js';
import { count, nonNeg, toHs } from '../units.js';
import { type AsicDriver, controlCapabilities, type PowerControl } from './types.js';

/**
 * Bitaxe and its relatives on ESP-Miner / AxeOS (and the NerdQAxe/NerdAxe fork, identified as make
 * `NerdQAxe`): an unauthenticated JSON REST API on port 80 (`GET /api/system/info`, hashrates in
 * GH/s), reachable only from RFC 1918 client addresses. Control: `POST /api/system/pause`,
 * `/resume` (current firmware; older builds answer 404) and `/restart`. No power target (only
 * frequency/voltage), so no `setPowerTarget`. Research note §1.12, spec `_specs/esp-miner-axeos.openapi.yaml`.
 */

type Json = Record<string, unknown>;

/** ASIC chip → Bitaxe family name (pyasic's table; research §1.12). */
const familyOf: Record<string, string> = {
  BM1397: 'Max',
  BM1366: 'Ultra',
  BM1368: 'Supra',
  BM1370: 'Gamma',
};

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

function makeOf(pageOrInfo: string): 'Bitaxe' | 'NerdQAxe' {
  return /nerd/i.test(pageOrInfo) ? 'NerdQAxe' : 'Bitaxe';
}

/** `deviceModel` where the firmware gives it (NerdQAxe, newer AxeOS), else the family of the chip. */
function modelOf(info: Json, make: string): string | undefined {
  const device = str(info.deviceModel) ?? str(info.minerModel);
  if (device) return /^(bitaxe|nerd)/i.test(device) ? device : `${make} ${device}`;
  const asic = str(info.ASICModel);
  if (!asic) return undefined;
  const family = familyOf[asic.toUpperCase()];
  return family ? `${make} ${family}` : `${make} ${asic}`;
}

const firmwareName = (make: string) => (make === 'NerdQAxe' ? 'NerdQAxe' : 'AxeOS');

async function info(t: AsicTarget): Promise<Json> {
  return httpJson({ ...t, port: t.port ?? 80 }, { path: '/api/system/info' });
}

function pools(i: Json): AsicPool[] {
  const out: AsicPool[] = [];
  const fallback = i.isUsingFallbackStratum === 1 || i.isUsingFallbackStratum === true;
  const url = (host: unknown, port: unknown) => {
    const h = str(host);
    if (!h) return undefined;
    const p = count(port);
    return p !== undefined && !/:\d+$/.test(h) ? `${h}:${p}` : h;
  };
  const main = url(i.stratumURL, i.stratumPort);
  if (main) {
    out.push({
      url: main,
      ...(str(i.stratumUser) ? { user: str(i.stratumUser) } : {}),
      status: fallback ? 'standby' : 'active',
      ...(!fallback && count(i.sharesAccepted) !== undefined ? { accepted: count(i.sharesAccepted) } : {}),
      ...(!fallback && count(i.sharesRejected) !== undefined ? { rejected: count(i.sharesRejected) } : {}),
    });
  }
  const fb = url(i.fallbackStratumURL, i.fallbackStratumPort);
  if (fb) {
    out.push({
      url: fb,
      ...(str(i.fallbackStratumUser) ? { user: str(i.fallbackStratumUser) } : {}),
      status: fallback ? 'active' : 'standby',
      ...(fallback && count(i.sharesAccepted) !== undefined ? { accepted: count(i.sharesAccepted) } : {}),
      ...(fallback && count(i.sharesRejected) !== undefined ? { rejected: count(i.sharesRejected) } : {}),
    });
  }
  return out;
}

function fans(i: Json): AsicFan[] {
  const out: AsicFan[] = [];
  const f1 = nonNeg(i.fanrpm);
  if (f1 !== undefined) out.push({ name: 'fan1', rpm: f1 });
  const f2 = nonNeg(i.fan2rpm);
  if (f2 !== undefined) out.push({ name: 'fan2', rpm: f2 });
  return out;
}

async function post(t: AsicTarget, action: 'pause' | 'resume' | 'restart'): Promise<void> {
  const path = `/api/system/${action}`;
  const a = await httpCall(
    { ...t, port: t.port ?? 80 },
    { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '' },
  );
  if (a.status === 401 || a.status === 403)
    throw new AsicError(
      'auth',
      `${t.ip}${path}: refused (HTTP ${a.status}); AxeOS answers only private-network clients`,
    );
  if (a.status === 404)
    throw new AsicError('unsupported', `${t.ip}${path}: this firmware has no ${action} (HTTP 404)`);
  if (a.status < 200 || a.status >= 300)
    throw new AsicError('http_status', `${t.ip}${path}: HTTP ${a.status}`);
}

const control: PowerControl = {
  sleep: (t) => post(t, 'pause'),
  wake: (t) => post(t, 'resume'),
  reboot: (t) => post(t, 'restart'),
};

export const bitaxeDriver: AsicDriver = {
  type: 'bitaxe',
  make: 'Bitaxe',
  defaultPort: 80,
  // No credentials: AxeOS has no login (it filters by client address instead).
  defaultCredentials: {},

  async detect(p) {
    const page = await p.http('/');
    if (!page || !/axeos|nerd ?q?axe/i.test(page.text)) return null;
    let make = makeOf(page.text);
    let i: Json;
    try {
      i = await info({ ...p.target, port: 80 });
    } catch {
      return null;
    }
    if (typeof i.ASICModel !== 'string' && i.hashRate === undefined) return null;
    if (make === 'Bitaxe' && /nerd/i.test(String(i.deviceModel ?? ''))) make = makeOf(String(i.deviceModel));
    const version = str(i.axeOSVersion) ?? str(i.version);
    const model = modelOf(i, make);
    return {
      type: 'bitaxe',
      make,
      ...(model ? { model } : {}),
      firmware: firmwareName(make),
      ...(version ? { firmwareVersion: version } : {}),
    };
  },

  async read(target, identity?: AsicIdentity) {
    const i = await info(target);
    const make = identity?.make ?? (/nerd/i.test(String(i.deviceModel ?? '')) ? 'NerdQAxe' : 'Bitaxe');
    const hashrate = toHs(i.hashRate, 'GH');
    const avg = toHs(i.hashRate_1h ?? i.hashRate_10m, 'GH');
    const nominal = toHs(i.expectedHashrate, 'GH');
    const chipTemp = nonNeg(i.temp);
    const boardTemp = nonNeg(i.temp2);
    const chips = count(i.asicCount);
    const paused = i.miningPaused === true || i.miningPaused === 1;
    const errors: string[] = [];
    const warnings: string[] = [];
    if (i.overheat_mode === 1 || i.overheat_mode === true)
      errors.push('overheat mode: the firmware cut the ASIC voltage to protect it');
    const vr = nonNeg(i.vrTemp);
    if (vr !== undefined && vr >= 90) warnings.push(`voltage regulator at ${vr} °C`);
    const version = str(i.axeOSVersion) ?? str(i.version);
    const model = modelOf(i, make) ?? identity?.model;
    const reading: AsicReading = {
      make,
      ...(model ? { model } : {}),
      firmware: firmwareName(make),
      ...(version ? { firmwareVersion: version } : {}),
      ...(str(i.macAddr) ? { mac: str(i.macAddr) } : {}),
      ...(str(i.hostname) ? { hostname: str(i.hostname) } : {}),
      algorithm: 'SHA-256',
      ...(hashrate !== undefined ? { hashrate: paused ? 0 : hashrate } : {}),
      ...(avg !== undefined ? { hashrateAvg: avg } : {}),
      ...(nominal !== undefined ? { hashrateNominal: nominal } : {}),
      boards: [
        {
          index: 0,
          ...(hashrate !== undefined ? { hashrate: paused ? 0 : hashrate } : {}),
          ...(chips !== undefined ? { chips } : {}),
          ...(boardTemp !== undefined ? { boardTemp } : {}),
          ...(chipTemp !== undefined ? { chipTemp } : {}),
          status: 'ok',
        },
      ],
      fans: fans(i),
      ...(nonNeg(i.power) !== undefined ? { powerW: nonNeg(i.power) } : {}),
      pools: pools(i),
      ...(nonNeg(i.uptimeSeconds) !== undefined ? { uptimeS: nonNeg(i.uptimeSeconds) } : {}),
      errors,
      warnings,
      state: paused ? 'sleeping' : hashrate !== undefined && hashrate > 0 ? 'mining' : 'starting',
    };
    return finishReading(reading);
  },

  capabilities() {
    return controlCapabilities(control);
  },

  control,
};
