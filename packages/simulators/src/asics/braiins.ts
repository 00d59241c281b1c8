import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  BaseAsicSim,
  cgminerServer,
  type HttpReply,
  httpServer,
  type Json,
  offsetKeys,
  render,
  scaleKeys,
  setKeys,
} from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

/**
 * Braiins OS on Antminer hardware.
 *
 * Default variant `bos-26.04-rest_asic-rs`: the REST API `/api/v1` on port 80 answering the asic-rs
 * recordings (Antminer S21 Pro, BOS 26.04). Every call but `POST /api/v1/auth/login` needs the token
 * in `Authorization`; wrong credentials answer 401. Control as in the 26.04 OpenAPI: `PUT
 * actions/pause|resume` (→ bool "was already"), `PUT actions/reboot` (204), `PUT
 * performance/power-target {"watt"}` (→ `{"watt"}`). While paused `miner/details.status` is 3
 * (MINER_STATUS_PAUSED) and the rates and approximated power read 0 (constructed: no paused
 * recording exists). On 4028 it answers `version` with the recorded BOSer banner (from the 21.09
 * capture, the only BOSer RPC recording) and `devdetails` (constructed).
 *
 * Variant `bosminer-0.2.0-s9_foreman`: old BOSminer on an S9, cgminer-compatible RPC only (summary,
 * devs, temps, fans, pools, version recorded; devdetails constructed), `pause`/`resume` on RPC
 * (answers constructed), no REST (404).
 *
 * `GET /` answers a constructed page with the "Braiins OS" title that identification keys on.
 */

const REST_VARIANTS = new Set(['bos-25.07-rest_asic-rs', 'bos-25.11-rest_asic-rs', 'bos-26.04-rest_asic-rs']);
const now = () => Math.floor(Date.now() / 1000);

export class BraiinsSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'braiins';
  readonly make: string = 'Antminer';
  readonly model: string;
  private readonly variant: string;
  private readonly rest: boolean;
  private readonly tokens = new Set<string>();

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
    this.variant = opts.variant ?? 'bos-26.04-rest_asic-rs';
    this.rest = REST_VARIANTS.has(this.variant);
    if (this.rest) {
      const d = JSON.parse(render(this.file('miner_details.json'), this.state)) as Json;
      this.model = String((d.miner_identity as Json).miner_model);
    } else this.model = 'Antminer S9';
  }

  private file(name: string) {
    return `braiins/${this.variant}/${name}`;
  }

  private get password() {
    return this.opts.password ?? 'root';
  }

  // ------------------------------------------------------------ RPC

  /** Constructed: no devdetails reply from BOSminer/BOSer was recorded. Shape as cgminer's. */
  private devdetails(): string {
    const desc = this.rest ? 'BOSer boser-openwrt 0.1.0-11012d53' : 'BOSminer 0.2.0-d360818';
    const model = `Bitmain ${this.model}`;
    const rows = [0, 1, 2].map((i) => ({
      DEVDETAILS: i,
      Name: 'BC5053',
      ID: this.rest ? i + 1 : i + 6,
      Driver: 'BC5053',
      Kernel: '',
      Model: model,
      'Device Path': '',
      Chips: this.rest ? 65 : 63,
    }));
    return JSON.stringify({
      STATUS: [{ STATUS: 'S', When: now(), Code: 69, Msg: 'Device Details', Description: desc }],
      DEVDETAILS: rows,
      id: 1,
    });
  }

  private rpc(command: string, parameter: string | undefined): string | null {
    const s = this.state;
    const f = s.sleeping ? 0 : s.hashrateScale;
    const rates = (j: Json) => scaleKeys(j, /^MHS /, f);
    if (command === 'devdetails') return this.devdetails();
    if (this.rest) {
      // BOSer's cgminer API: only the banner replies are served here.
      if (command === 'version') return render('braiins/bos-21.09-graphql_asic-rs/version.json', s);
      return null;
    }
    switch (command) {
      case 'version':
        return render(this.file('version.json'), s);
      case 'summary':
        return render(this.file('summary.json'), s, rates);
      case 'devs':
        return render(this.file('devs.json'), s, rates);
      case 'temps':
        return render(this.file('temps.json'), s, (j) => offsetKeys(j, /^(Board|Chip)$/, s.tempOffset));
      case 'fans':
        return render(this.file('fans.json'), s);
      case 'pools':
        return render(this.file('pools.json'), s, (j) => {
          if (s.poolUser !== undefined) setKeys(j, /^User$/, s.poolUser);
        });
      case 'pause':
      case 'resume': {
        // Constructed (cgminer-style acknowledgement); no recording of BOSminer's answer exists.
        void parameter;
        s.sleeping = command === 'pause';
        this.controls.push(s.sleeping ? 'sleep' : 'wake');
        return JSON.stringify({
          STATUS: [
            {
              STATUS: 'S',
              When: now(),
              Code: 0,
              Msg: command === 'pause' ? 'Paused' : 'Resumed',
              Description: 'BOSminer 0.2.0-d360818',
            },
          ],
          id: 1,
        });
      }
      default:
        return null;
    }
  }

  // ------------------------------------------------------------ REST

  private authorised(req: IncomingMessage): boolean {
    const h = req.headers.authorization;
    return typeof h === 'string' && this.tokens.has(h.replace(/^Bearer\s+/i, ''));
  }

  private restGet(path: string): HttpReply {
    const s = this.state;
    const f = s.sleeping ? 0 : s.hashrateScale;
    const realRates = (real: unknown) => scaleKeys(real, /^gigahash_per_second$/, f);
    switch (path) {
      case 'miner/details':
        return {
          body: render(this.file('miner_details.json'), s, (j) => {
            if (s.sleeping) j.status = 3;
          }),
        };
      case 'miner/stats':
        return {
          body: render(this.file('miner_stats.json'), s, (j) => {
            realRates((j.miner_stats as Json).real_hashrate);
            if (s.sleeping) scaleKeys(j.power_stats, /^(watt|joule_per_terahash)$/, 0);
          }),
        };
      case 'miner/hw/hashboards':
        return {
          body: render(this.file('miner_hw_hashboards.json'), s, (j) => {
            for (const b of j.hashboards as Json[]) realRates((b.stats as Json).real_hashrate);
            offsetKeys(j, /^degree_c$/, s.tempOffset);
          }),
        };
      case 'cooling/state':
        return {
          body: render(this.file('cooling_state.json'), s, (j) => offsetKeys(j, /^degree_c$/, s.tempOffset)),
        };
      case 'pools':
      case 'pools/':
        return {
          body: render(this.file('pools.json'), s, (j) => {
            if (s.poolUser !== undefined) setKeys(j, /^user$/, s.poolUser);
          }),
        };
      case 'miner/errors':
        return { body: render(this.file('miner_errors.json'), s) };
      case 'performance/tuner-state':
        return {
          body: render(
            this.file('performance_tuner_state.json'),
            s,
            (j) => {
              const pt = (j.mode_state as Json | undefined)?.powertargetmodestate as Json | undefined;
              if (pt && s.powerLimitW !== undefined) pt.current_target = { watt: s.powerLimitW };
            },
            s.powerLimitW !== undefined,
          ),
        };
      case 'configuration/miner':
        return {
          body: render(
            this.file('configuration_miner.json'),
            s,
            (j) => {
              if (s.powerLimitW !== undefined) (j.tuner as Json).power_target = { watt: s.powerLimitW };
            },
            s.powerLimitW !== undefined,
          ),
        };
      case 'network':
      case 'network/':
        return { body: render(this.file('network.json'), s) };
      case 'version':
      case 'version/':
        return { body: render(this.file('version.json'), s) };
      case 'actions/locate':
        return { body: render(this.file('actions_locate.json'), s) };
      default:
        return { status: 404, body: '{"message":"Not Found"}' };
    }
  }

  private restPut(path: string, body: string): HttpReply {
    const s = this.state;
    switch (path) {
      case 'actions/pause':
      case 'actions/resume': {
        const pause = path === 'actions/pause';
        const already = s.sleeping === pause;
        s.sleeping = pause;
        this.controls.push(pause ? 'sleep' : 'wake');
        return { body: JSON.stringify(already) };
      }
      case 'actions/reboot':
        this.controls.push('reboot');
        return { status: 204, body: '' };
      case 'performance/power-target': {
        let watt: unknown;
        try {
          watt = (JSON.parse(body) as Json).watt;
        } catch {
          watt = undefined;
        }
        if (typeof watt !== 'number' || !Number.isInteger(watt) || watt < 0)
          return { status: 400, body: '{"message":"Invalid power target"}' };
        s.powerLimitW = watt;
        this.controls.push(`power-target ${watt}`);
        return { body: JSON.stringify({ watt }) };
      }
      default:
        return { status: 404, body: '{"message":"Not Found"}' };
    }
  }

  private web(req: IncomingMessage, url: URL, body: string): HttpReply {
    if (url.pathname === '/' && req.method === 'GET')
      // Constructed: the web UI's page title, which identification matches on.
      return {
        headers: { 'content-type': 'text/html' },
        body: '<!DOCTYPE html><html><head><title>Braiins OS</title></head><body><div id="root"></div></body></html>',
      };
    if (!this.rest || !url.pathname.startsWith('/api/v1/')) return { status: 404, body: 'Not Found' };
    const path = url.pathname.slice('/api/v1/'.length);
    if (path === 'auth/login' && req.method === 'POST') {
      let creds: Json = {};
      try {
        creds = JSON.parse(body) as Json;
      } catch {
        return { status: 400, body: '{"message":"Invalid request body"}' };
      }
      if (creds.username !== 'root' || creds.password !== this.password)
        return { status: 401, body: '{"message":"Invalid username or password"}' };
      const token = randomBytes(12).toString('base64url');
      this.tokens.add(token);
      return { body: JSON.stringify({ token, timeout_s: 3600 }) };
    }
    if (!this.authorised(req)) return { status: 401, body: '{"message":"Unauthorized"}' };
    if (req.method === 'GET') return this.restGet(path);
    if (req.method === 'PUT') return this.restPut(path, body);
    return { status: 405, body: '{"message":"Method Not Allowed"}' };
  }

  protected build() {
    const rpc = cgminerServer(this.state, (req) =>
      this.rpc(String(req.command ?? ''), req.parameter === undefined ? undefined : String(req.parameter)),
    );
    const web = httpServer(this.state, (req, url, body) => this.web(req, url, body));
    return [
      { server: rpc, port: this.opts.ports?.rpc ?? 4028 },
      { server: web, port: this.opts.ports?.http ?? 80 },
    ];
  }
}
