import { BaseAsicSim, type HttpReply, httpServer, type Json, render, setKeys } from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const base = 'epic/umc-v1_asic-rs/';

/**
 * ePIC's port-80 dashboard as identification sees it. Constructed (no recording of the page exists):
 * its title "Miner Web Dashboard" is what pyasic keys on (research §3.1).
 */
const indexPage =
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Miner Web Dashboard</title></head>' +
  '<body><div id="root"></div></body></html>';

/** GET paths on 4028 and their recordings (asic-rs's ePIC UMC v1 test data). */
const reads: Record<string, string> = {
  '/capabilities': 'capabilities.json',
  '/network': 'network.json',
  '/temps': 'temps.json',
  '/temps/chip': 'chip_temps.json',
  '/hashrate': 'chip_hashrates.json',
  '/clocks': 'chip_clocks.json',
  '/voltages': 'chip_voltages.json',
};

/**
 * ePIC UMC (PowerPlay-BMS v1.5.13, "AntMiner S19 XP"): the dashboard page on port 80 and the HTTP
 * JSON API on port 4028 serving the asic-rs recordings. Writes (`POST /miner`, `/reboot`) take
 * `{"param":…, "password":…}` and answer `{"result":true,"error":null}`; a wrong password answers
 * `{"result":false,"error":"BadPassword"}` (the OpenAPI's JsonResponse/ApiError; the exact replies
 * are constructed from that schema). While stopped ("Stop") the summary's Operating State reads
 * "Idling" and the boards' hashrates read zero (constructed from the MinerState enum).
 * A cgminer-style JSON probe sent to 4028 is not HTTP: Node's parser answers 400 and closes.
 */
export class EpicSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'epic';
  readonly make = 'ePIC';
  readonly model = 'AntMiner S19 XP';

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
  }

  private summary(): string {
    const s = this.state;
    return render(`${base}summary.json`, s, (j) => {
      const f = s.sleeping ? 0 : s.hashrateScale;
      for (const hb of j.HBs as Json[]) {
        const rate = hb.Hashrate as number[];
        rate[0] = Math.round(rate[0]! * f * 100) / 100;
        if (s.sleeping) rate[1] = 0;
        if (typeof hb.Temperature === 'number' && hb.Temperature > 0) hb.Temperature += s.tempOffset;
      }
      const session = j.Session as Json;
      if (typeof session['Average MHs'] === 'number') session['Average MHs'] *= s.hashrateScale;
      if (s.sleeping) (j.Status as Json)['Operating State'] = 'Idling';
      if (s.poolUser !== undefined) {
        setKeys(j.StratumConfigs, /^login$/, s.poolUser);
        (j.Stratum as Json)['Current User'] = s.poolUser;
      }
    });
  }

  private write(path: string, body: string): HttpReply {
    let req: Json;
    try {
      req = JSON.parse(body) as Json;
    } catch {
      return { status: 400, body: '{"result":false,"error":"MissingParam"}' };
    }
    if (req.password !== (this.opts.password ?? 'letmein'))
      return { body: '{"result":false,"error":"BadPassword"}' };
    if (path === '/miner') {
      if (req.param === 'Stop') {
        this.state.sleeping = true;
        this.controls.push('sleep');
      } else if (req.param === 'Autostart') {
        this.state.sleeping = false;
        this.controls.push('wake');
      } else return { body: '{"result":false,"error":"MissingParam"}' };
      return { body: '{"result":true,"error":null}' };
    }
    // /reboot
    if (typeof req.param !== 'number') return { body: '{"result":false,"error":"MissingParam"}' };
    this.controls.push('reboot');
    return { body: '{"result":true,"error":null}' };
  }

  protected build() {
    const s = this.state;
    const page = httpServer(s, (req, url) => {
      if ((req.method ?? 'GET') === 'GET' && url.pathname === '/')
        return { headers: { 'content-type': 'text/html' }, body: indexPage };
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    });
    const api = httpServer(s, (req, url, body) => {
      const method = req.method ?? 'GET';
      const p = url.pathname;
      if (method === 'GET') {
        if (p === '/summary') return { body: this.summary() };
        const file = reads[p];
        if (file) return { body: render(`${base}${file}`, s) };
      } else if (method === 'POST' && (p === '/miner' || p === '/reboot')) return this.write(p, body);
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    });
    return [
      { server: api, port: this.opts.ports?.rpc ?? 4028 },
      { server: page, port: this.opts.ports?.http ?? 80 },
    ];
  }
}
