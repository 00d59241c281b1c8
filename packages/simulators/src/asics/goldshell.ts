import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  asicFixture,
  BaseAsicSim,
  type HttpReply,
  httpServer,
  type Json,
  render,
  scaleKeys,
  setKeys,
} from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const ck5 = 'goldshell/ck5_foreman/';
const detect = 'goldshell/detect_foreman/';

/**
 * Goldshell web page as identification sees it. Constructed (no recording of the page exists): the
 * Goldshell web UI's markup carries the `cloud-box` class pyasic keys on (research §3.1).
 */
const indexPage =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Goldshell</title></head>' +
  '<body><div id="app" class="cloud-box"></div></body></html>';

const SLEEP_LEVEL = 3;

/**
 * Goldshell CK5: `/mcb/status` and `/mcb/setting` from Foreman's detection recording, devs and pools
 * from its CK5 recording (with the mis-encoded "Â°C" kept). Reads need no token, as recorded;
 * writes (`PUT /mcb/setting`, `PUT /mcb/restart`) need the JWT from `GET /user/login`.
 *
 * Constructed, since nothing was recorded for them: the login reply `{"JWT Token": …}` (pyasic's
 * field name), HTTP 401 for a wrong password or a missing token, the empty JSON answers to PUTs, and
 * a level-3 ("sleep") power plan appended to the recorded single level-0 plan, so the sleep/wake
 * mapping (pyasic: sleep = level 3, normal = level 0) can be exercised. While asleep the boards
 * report hashrate 0 and `powerplan` 3.
 */
export class GoldshellSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'goldshell';
  readonly make = 'Goldshell';
  readonly model = 'Goldshell CK5';
  private readonly tokens = new Set<string>();
  private readonly setting: Json;

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
    const recorded = structuredClone(asicFixture(`${detect}mcb_setting.json`).json);
    recorded.powerplans = [...(recorded.powerplans as Json[]), { info: 'sleep', level: SLEEP_LEVEL }];
    this.setting = recorded;
    if (this.state.sleeping) this.setting.select = (this.setting.powerplans as Json[]).length - 1;
  }

  private authorised(req: IncomingMessage): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    return m !== null && this.tokens.has(m[1]!);
  }

  private devs(): string {
    const s = this.state;
    return render(`${ck5}mcb_cgminer_cgminercmd-devs.json`, s, (j) => {
      scaleKeys(j, /^(hashrate|av_hashrate)$/, s.hashrateScale);
      for (const row of j.data as Json[]) {
        if (s.sleeping) {
          row.hashrate = 0;
          row.powerplan = SLEEP_LEVEL;
        }
        if (s.tempOffset && typeof row.temp === 'string')
          row.temp = row.temp.replace(/-?\d+(\.\d+)?/g, (n) =>
            Number(n) > 0 ? (Number(n) + s.tempOffset).toFixed(1) : n,
          );
      }
    });
  }

  private put(path: string, body: string): HttpReply {
    if (path === '/mcb/restart') {
      this.controls.push('reboot');
      return { body: '{}' };
    }
    let next: Json;
    try {
      next = JSON.parse(body) as Json;
    } catch {
      return { status: 400, body: '{"error":"bad request"}' };
    }
    const plans = this.setting.powerplans as Json[];
    const idx = Number(next.select);
    const plan = plans[idx];
    if (!Number.isInteger(idx) || !plan) return { status: 400, body: '{"error":"bad select"}' };
    this.setting.select = idx;
    this.state.sleeping = plan.level === SLEEP_LEVEL;
    this.controls.push(
      plan.level === SLEEP_LEVEL ? 'sleep' : plan.level === 0 ? 'wake' : `power-plan ${String(plan.level)}`,
    );
    return { body: '{}' };
  }

  protected build() {
    const s = this.state;
    const web = httpServer(s, (req, url, body) => {
      const method = req.method ?? 'GET';
      const p = url.pathname;
      if (method === 'GET') {
        switch (p) {
          case '/':
            return { headers: { 'content-type': 'text/html' }, body: indexPage };
          case '/user/logout':
            return { body: '{}' };
          case '/user/login': {
            const ok =
              url.searchParams.get('username') === 'admin' &&
              url.searchParams.get('password') === (this.opts.password ?? '123456789') &&
              url.searchParams.get('cipher') === 'false';
            if (!ok) return { status: 401, body: '{"error":"username or password error"}' };
            const token = randomBytes(24).toString('base64url');
            this.tokens.add(token);
            return { body: JSON.stringify({ 'JWT Token': token }) };
          }
          case '/mcb/status':
            return { body: render(`${detect}mcb_status.json`, s) };
          case '/mcb/cgminer':
            if (url.searchParams.get('cgminercmd') === 'devs') return { body: this.devs() };
            break;
          case '/mcb/pools':
            return {
              body: render(`${ck5}mcb_pools.json`, s, (j) => {
                if (s.poolUser !== undefined) setKeys(j, /^user$/, s.poolUser);
              }),
            };
          case '/mcb/setting':
            return { body: JSON.stringify(this.setting) };
        }
      } else if (method === 'PUT' && (p === '/mcb/setting' || p === '/mcb/restart')) {
        if (!this.authorised(req)) return { status: 401, body: '{"error":"Unauthorized"}' };
        return this.put(p, body);
      }
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    });
    return [{ server: web, port: this.opts.ports?.http ?? 80 }];
  }
}
