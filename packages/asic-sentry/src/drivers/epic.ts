import { AsicError } from '../errors.js';
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
import { httpJson } from '../transport/http.js';
import { count, nonNeg, toHs } from '../units.js';
import { type AsicDriver, controlCapabilities, type PowerControl, withDefaults } from './types.js';

/**
 * ePIC UMC / PowerPlay firmware (on Antminer and ePIC hardware): an HTTP JSON API on port **4028**
 * (the port other makes use for raw cgminer JSON). Reads are plain GETs: `/summary` (boards with
 * `Hashrate[0]` in MH/s, PSU power, fans, session, operating state), `/capabilities` (model),
 * `/network` (MAC). Writes are POSTs whose JSON body carries the password: `/miner`
 * `{"param":"Stop"|"Autostart"}` for sleep/wake, `/reboot` `{"param":0}`; the answer is
 * `{"result":bool,"error":…}` (PowerPlay OpenAPI, `_specs/epic-powerplay-1.30.0.json`).
 * Factory password `letmein` (pyasic's default_epic_web_password). Research §1.7 and §2.
 */

type Json = Record<string, unknown>;

const EPIC_PORT = 4028;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};

function apiTarget(t: AsicTarget): AsicTarget {
  return { ...t, port: t.port ?? EPIC_PORT };
}

/** Operating State → our state (MinerState enum of the PowerPlay OpenAPI). */
function stateOf(op: string | undefined, hashrate: number): AsicState {
  switch (op) {
    case 'Mining':
      return hashrate > 0 ? 'mining' : 'starting';
    case 'Idling':
    case 'Stopping':
      return 'sleeping';
    case 'Initializing':
    case 'Loading':
    case 'PreInitCooldown':
    case 'AdjustingClockVoltage':
    case 'Testing':
    case 'Rebooting':
    case 'SoftRebooting':
    case 'UpdatingFirmware':
      return 'starting';
    case undefined:
      return hashrate > 0 ? 'mining' : 'error';
    default:
      return hashrate > 0 ? 'mining' : 'error';
  }
}

function boardsOf(s: Json): AsicBoard[] {
  const hbs = Array.isArray(s.HBs) ? (s.HBs as Json[]) : [];
  const boards: AsicBoard[] = hbs.map((b, i) => {
    const rate = Array.isArray(b.Hashrate) ? toHs(b.Hashrate[0], 'MH') : undefined;
    const temp = nonNeg(b.Temperature);
    return {
      index: count(b.Index) ?? i,
      ...(rate !== undefined ? { hashrate: rate } : {}),
      ...(temp !== undefined && temp > 0 ? { boardTemp: temp } : {}),
      status: 'ok',
    };
  });
  // Boards detected but switched off or failed appear only in HBStatus.
  for (const st of Array.isArray(s.HBStatus) ? (s.HBStatus as Json[]) : []) {
    const index = count(st.Index);
    if (index === undefined || boards.some((b) => b.index === index)) continue;
    boards.push({
      index,
      status: st.Detected === false ? 'missing' : st.Enabled === false ? 'disabled' : 'idle',
    });
  }
  return boards.sort((a, b) => a.index - b.index);
}

function fansOf(s: Json): AsicFan[] {
  const rpm = obj(s['Fans Rpm']);
  return Object.entries(rpm)
    .map(([k, v]) => ({ k, n: Number(/(\d+)\s*$/.exec(k)?.[1] ?? 0), rpm: nonNeg(v) }))
    .filter((f): f is { k: string; n: number; rpm: number } => f.rpm !== undefined)
    .sort((a, b) => a.n - b.n)
    .map((f) => ({ name: `fan${f.n}`, rpm: f.rpm }));
}

function poolsOf(s: Json): AsicPool[] {
  const stratum = obj(s.Stratum);
  const session = obj(s.Session);
  const current = str(stratum['Current Pool']);
  const connected = stratum.IsPoolConnected === true;
  const configs = Array.isArray(s.StratumConfigs) ? (s.StratumConfigs as Json[]) : [];
  const pools: AsicPool[] = configs
    .filter((c) => str(c.pool))
    .map((c) => {
      const url = str(c.pool)!;
      const isCurrent = current !== undefined && url.replace(/^[a-z+]+:\/\//i, '') === current;
      return {
        url,
        ...(str(c.login) ? { user: str(c.login) } : {}),
        status: isCurrent ? (connected ? 'active' : 'dead') : 'standby',
        ...(isCurrent && count(session.Accepted) !== undefined ? { accepted: count(session.Accepted) } : {}),
        ...(isCurrent && count(session.Rejected) !== undefined ? { rejected: count(session.Rejected) } : {}),
      };
    });
  if (pools.length === 0 && current) {
    pools.push({
      url: current,
      ...(str(stratum['Current User']) ? { user: str(stratum['Current User']) } : {}),
      status: connected ? 'active' : 'dead',
    });
  }
  return pools;
}

function macOf(net: Json | undefined): string | undefined {
  for (const iface of Object.values(net ?? {})) {
    const mac = str(obj(iface).mac_address);
    if (mac) return mac;
  }
  return undefined;
}

/** One POST carrying the password; `{"result":false,"error":"BadPassword"}` → `auth`. */
async function command(target: AsicTarget, path: string, param: unknown): Promise<void> {
  const t = apiTarget(withDefaults(epicDriver, target));
  const res = await httpJson(t, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ param, password: t.password ?? 'letmein' }),
  });
  if (res.result === true) return;
  const err = res.error;
  const text = typeof err === 'string' ? err : JSON.stringify(err ?? res).slice(0, 200);
  if (text === 'BadPassword')
    throw new AsicError('auth', `${t.ip}:${t.port}${path}: the miner refused the password`);
  throw new AsicError('refused_command', `${t.ip}:${t.port}${path}: refused (${text})`);
}

const control: PowerControl = {
  sleep: (t) => command(t, '/miner', 'Stop'),
  wake: (t) => command(t, '/miner', 'Autostart'),
  reboot: (t) => command(t, '/reboot', 0),
};

export const epicDriver: AsicDriver = {
  type: 'epic',
  make: 'ePIC',
  defaultPort: EPIC_PORT,
  // PowerPlay's factory password, sent in the body of every write.
  defaultCredentials: { password: 'letmein' },

  async detect(p) {
    // The port-80 dashboard names itself; a host whose port 80 answers something else is not ePIC.
    const page = await p.http('/');
    if (page && !page.text.includes('Miner Web Dashboard')) return null;
    const caps = await p.http('/capabilities', EPIC_PORT);
    if (caps?.status !== 200) return null;
    let c: Json;
    try {
      c = obj(JSON.parse(caps.text));
    } catch {
      return null;
    }
    const model = str(c.Model);
    if (!model) return null;
    return { type: 'epic', make: 'ePIC', model, firmware: 'ePIC' };
  },

  async read(target, identity?: AsicIdentity) {
    const t = apiTarget(target);
    const [summary, caps, net] = await Promise.all([
      httpJson(t, { path: '/summary' }),
      httpJson(t, { path: '/capabilities' }).catch(() => undefined),
      httpJson(t, { path: '/network' }).catch(() => undefined),
    ]);
    const s = summary;
    const boards = boardsOf(s);
    const hashrate = boards.reduce((sum, b) => sum + (b.hashrate ?? 0), 0);
    const session = obj(s.Session);
    const status = obj(s.Status);
    const op = str(status['Operating State']);
    const state = stateOf(op, hashrate);
    const avg = toHs(session['Average MHs'], 'MH');
    const power = nonNeg(obj(s['Power Supply Stats'])['Input Power']);
    const limit = nonNeg(obj(s.PresetInfo)['Target Power']);
    const errors: string[] = [];
    const lastError = status['Last Error'];
    if (lastError !== null && lastError !== undefined)
      errors.push(typeof lastError === 'string' ? lastError : JSON.stringify(lastError));
    const model = str(caps?.Model) ?? identity?.model;
    const software = str(s.Software);
    const mac = macOf(net);
    const uptime = nonNeg(session.Uptime);
    const algorithm = str(obj(s.Mining).Algorithm);
    const reading: AsicReading = {
      make: 'ePIC',
      ...(model ? { model } : {}),
      firmware: 'ePIC',
      ...(software ? { firmwareVersion: software } : {}),
      ...(mac ? { mac } : {}),
      ...(str(s.Hostname) ? { hostname: str(s.Hostname) } : {}),
      ...(algorithm ? { algorithm } : {}),
      hashrate,
      ...(avg !== undefined ? { hashrateAvg: avg } : {}),
      boards,
      fans: fansOf(s),
      ...(power !== undefined && power > 0 ? { powerW: power } : {}),
      ...(limit !== undefined ? { powerLimitW: limit } : {}),
      pools: poolsOf(s),
      ...(uptime !== undefined ? { uptimeS: uptime } : {}),
      errors,
      warnings: [],
      state,
    };
    return finishReading(reading);
  },

  capabilities() {
    return controlCapabilities(control);
  },

  control,
};
