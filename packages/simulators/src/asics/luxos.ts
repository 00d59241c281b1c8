import { randomBytes } from 'node:crypto';
import {
  BaseAsicSim,
  cgminerServer,
  httpServer,
  type Json,
  offsetKeys,
  render,
  scaleKeys,
  setKeys,
} from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const base = 'luxos/luxminer-2025.4.8-s19kpro_asic-rs/';
const tooling = 'luxos/luxos-tooling-testdata/';
const BANNER = 'LUXminer 2025.4.8.220305-57b389c7';

/**
 * LuxOS (LUXminer 2025.4.8) on an Antminer S19k Pro: cgminer-style RPC on 4028 answering the asic-rs
 * recordings (summary, stats, devs, temps, fans, power, pools, config, profiles, version, events,
 * healthchipget/voltageget 0-2) plus `atm`/`groups` from luxos-tooling's test data.
 *
 * Sessions as LuxOS documents them: `logon` opens the single session (constructed reply
 * `SESSION[0].SessionID`), a second `logon` while it lives answers STATUS E code 402 "Another
 * session is active" (the code and text luxos-tooling checks for), `session` names the open one,
 * `logoff <sid>` ends it, and it expires `sessionTtlMs` (60 s) after its last use. Writes
 * (`curtail <sid>,sleep|wakeup`, `rebootdevice <sid>`, `profileset <sid>,<name>`) need the live id;
 * a wrong one gets a constructed STATUS E. Curtail sleep turns the boards and PSU off: rates and
 * power read 0, `config.CurtailMode` "Sleep", `IsPowerSupplyOn` false; wakeup restores them. The
 * replies to logon/logoff/curtail/profileset/rebootdevice/devdetails and the web page at `/`
 * (title "Luxor Firmware") are constructed — nothing of them was recorded.
 */
export class LuxosSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'luxos';
  readonly make = 'Antminer';
  readonly model = 'Antminer S19k Pro';
  /** Session lifetime after last use; tests may shorten it. */
  sessionTtlMs = 60_000;
  private session: { id: string; lastUse: number } | null = null;
  private profile: string | null = null;

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
  }

  /** The live session id, or null (expired sessions are dropped). */
  get sessionId(): string | null {
    if (this.session && Date.now() - this.session.lastUse > this.sessionTtlMs) this.session = null;
    return this.session?.id ?? null;
  }

  private status(code: number, msg: string, ok = true): Json {
    return {
      Code: code,
      Description: BANNER,
      Msg: msg,
      STATUS: ok ? 'S' : 'E',
      When: Math.floor(Date.now() / 1000),
    };
  }

  private reply(code: number, msg: string, extra: Json = {}, ok = true): string {
    return JSON.stringify({ ...extra, STATUS: [this.status(code, msg, ok)], id: 1 });
  }

  /** Checks the session id (first parameter) and refreshes the session; an error reply when wrong. */
  private checkSession(param: string): { rest: string[] } | { error: string } {
    const [sid, ...rest] = param.split(',');
    const live = this.sessionId;
    if (!live || sid !== live) return { error: this.reply(401, 'Invalid session id', {}, false) };
    this.session!.lastUse = Date.now();
    return { rest };
  }

  private profiles(): Json[] {
    return (JSON.parse(render(`${base}profiles.json`, this.state)) as Json).PROFILES as Json[];
  }

  private answer(command: string, parameter: string): string | null {
    const s = this.state;
    const f = s.sleeping ? 0 : s.hashrateScale;
    const rates = (j: Json) => {
      scaleKeys(j, /^(GHS |MHS |chain_rate\d|total rate|rate_30m|Total MH)/, f);
    };
    const temps = (j: Json) => {
      offsetKeys(
        j,
        /^(Temperature|temp\d|temp2_\d|temp_max|TopLeft|TopRight|BottomLeft|BottomRight)$/,
        s.tempOffset,
      );
    };
    const changedConfig = s.sleeping || this.profile !== null;
    switch (command) {
      case 'version':
        return render(`${base}version.json`, s);
      case 'summary':
        return render(`${base}summary.json`, s, rates);
      case 'stats':
        return render(`${base}stats.json`, s, (j) => {
          rates(j);
          temps(j);
        });
      case 'devs':
        return render(`${base}devs.json`, s, (j) => {
          rates(j);
          temps(j);
        });
      case 'temps':
        return render(`${base}temps.json`, s, temps);
      case 'fans':
        return render(`${base}fans.json`, s);
      case 'power':
        return render(`${base}power.json`, s, (j) => {
          if (s.sleeping) for (const p of j.POWER as Json[]) p.Watts = 0;
        });
      case 'pools':
        return render(`${base}pools.json`, s, (j) => {
          if (s.poolUser !== undefined) setKeys(j, /^User$/, s.poolUser);
        });
      case 'config':
        return render(
          `${base}config.json`,
          s,
          (j) => {
            const c = (j.CONFIG as Json[])[0]!;
            if (s.sleeping) {
              c.CurtailMode = 'Sleep';
              c.IsPowerSupplyOn = false;
            }
            if (this.profile !== null) c.Profile = this.profile;
          },
          changedConfig,
        );
      case 'profiles':
        return render(`${base}profiles.json`, s);
      case 'events':
        return render(`${base}events.json`, s);
      case 'healthchipget':
      case 'voltageget': {
        const board = /^[0-2]$/.test(parameter) ? parameter : '0';
        return render(`${base}${command}_${board}.json`, s);
      }
      case 'atm':
        return render(`${tooling}atm.json`, s);
      case 'groups':
        return render(`${tooling}groups.json`, s);
      case 'devdetails':
        return this.reply(69, 'Device Details', {
          DEVDETAILS: [0, 1, 2].map((i) => ({
            DEVDETAILS: i,
            Name: 'BHB56903',
            ID: i,
            Driver: 'LUXminer',
            Kernel: '',
            Model: this.model,
            'Device Path': '',
          })),
        });
      case 'logon': {
        if (this.sessionId) return this.reply(402, 'Another session is active', {}, false);
        this.session = { id: randomBytes(4).toString('hex'), lastUse: Date.now() };
        return this.reply(314, 'Logon', { SESSION: [{ SessionID: this.session.id }] });
      }
      case 'session':
        return this.reply(313, 'Session', { SESSION: [{ SessionID: this.sessionId ?? '' }] });
      case 'logoff': {
        const c = this.checkSession(parameter);
        if ('error' in c) return c.error;
        this.session = null;
        return this.reply(315, 'Logoff');
      }
      case 'curtail': {
        const c = this.checkSession(parameter);
        if ('error' in c) return c.error;
        const mode = c.rest[0];
        if (mode !== 'sleep' && mode !== 'wakeup')
          return this.reply(404, `Invalid curtail mode '${mode ?? ''}'`, {}, false);
        s.sleeping = mode === 'sleep';
        this.controls.push(s.sleeping ? 'sleep' : 'wake');
        return this.reply(340, `Curtail ${mode} requested`);
      }
      case 'rebootdevice': {
        const c = this.checkSession(parameter);
        if ('error' in c) return c.error;
        this.controls.push('reboot');
        return this.reply(345, 'Device reboot requested');
      }
      case 'profileset': {
        const c = this.checkSession(parameter);
        if ('error' in c) return c.error;
        const name = c.rest[0] ?? '';
        const p = this.profiles().find((x) => x['Profile Name'] === name);
        if (!p) return this.reply(404, `Profile '${name}' not found`, {}, false);
        this.profile = name;
        s.powerLimitW = Number(p.Watts);
        this.controls.push(`power-target ${p.Watts}`);
        return this.reply(342, `Profile set to ${name}`, { PROFILE: [{ Profile: name, Board: -1 }] });
      }
      default:
        return null;
    }
  }

  protected build() {
    const s = this.state;
    const rpc = cgminerServer(s, (req) =>
      this.answer(String(req.command ?? ''), req.parameter === undefined ? '' : String(req.parameter)),
    );
    const web = httpServer(s, (_req, url) =>
      url.pathname === '/'
        ? {
            headers: { 'content-type': 'text/html' },
            body: '<!DOCTYPE html><html><head><title>Luxor Firmware</title></head><body><div id="app"></div></body></html>',
          }
        : { status: 404, body: 'Not Found' },
    );
    return [
      { server: rpc, port: this.opts.ports?.rpc ?? 4028 },
      { server: web, port: this.opts.ports?.http ?? 80 },
    ];
  }
}
