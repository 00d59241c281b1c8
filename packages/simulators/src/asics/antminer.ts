import { DigestGate } from './digest-auth.js';
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

const base = 'antminer/stock-bmminer-s19pro-2022_asic-rs/';

/**
 * Antminer S19 Pro on stock firmware: cgminer API on 4028 (version, summary, stats, pools, devs from
 * the asic-rs recording) and the Digest-protected CGI on port 80 (get/set_miner_conf, reboot,
 * get_system_info). While asleep (miner-mode 1) the rates read zero, as the sleeping captures show.
 */
export class AntminerSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'antminer';
  readonly make = 'Antminer';
  readonly model = 'Antminer S19 Pro';
  private readonly gate: DigestGate;
  private conf: Json;

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
    this.gate = new DigestGate('antMiner Configuration', 'root', () => opts.password ?? 'root');
    // The X19 get_miner_conf.cgi layout (pyasic's recording), with this unit's pools.
    this.conf = structuredClone(
      JSON.parse(render('antminer/stock-x19_pyasic/get_miner_conf.cgi.json', this.state)),
    );
  }

  private answer(command: string): string | null {
    const s = this.state;
    const rates = (j: Json) => {
      const f = s.sleeping ? 0 : s.hashrateScale;
      scaleKeys(j, /^(GHS |MHS |chain_rate\d|total rate|rate_30m|total_rate$)/, f);
      offsetKeys(j, /^(temp\d|temp2_\d)$/, s.tempOffset);
    };
    switch (command) {
      case 'version':
        return render(`${base}version.json`, s);
      case 'summary':
        return render(`${base}summary.json`, s, rates);
      case 'devs':
        return render(`${base}devs.json`, s, rates);
      case 'stats':
        return render(`${base}stats.json`, s, (j) => {
          rates(j);
          if (s.tempOffset) {
            const st = (j.STATS as Json[])[1]!;
            for (const k of Object.keys(st))
              if (/^temp_(pcb|chip|pic)\d$/.test(k) && typeof st[k] === 'string')
                st[k] = (st[k] as string)
                  .split('-')
                  .map((v) => (Number(v) > 0 ? String(Number(v) + s.tempOffset) : v))
                  .join('-');
          }
        });
      case 'pools':
        return render(`${base}pools.json`, s, (j) => {
          if (s.poolUser !== undefined) setKeys(j, /^User$/, s.poolUser);
        });
      default:
        return null;
    }
  }

  protected build() {
    const s = this.state;
    const rpc = cgminerServer(s, (req) => this.answer(String(req.command ?? '')));
    const web = httpServer(s, (req, url, body) => {
      if (url.pathname === '/')
        return this.gate.check(req) ?? { body: '<html><title>Antminer</title></html>' };
      const denied = this.gate.check(req);
      if (denied) return denied;
      switch (url.pathname) {
        case '/cgi-bin/get_system_info.cgi':
          return {
            body: render(`${base}get_system_info.cgi.json`, s, (j) => (j.minertype = this.model), true),
          };
        case '/cgi-bin/get_miner_conf.cgi':
          return {
            body: JSON.stringify({
              ...this.conf,
              'bitmain-work-mode': s.sleeping ? '1' : '0',
              'miner-mode': s.sleeping ? 1 : 0,
            }),
          };
        case '/cgi-bin/set_miner_conf.cgi': {
          let next: Json;
          try {
            next = JSON.parse(body) as Json;
          } catch {
            return { body: '{"stats":"error","code":"M001","msg":"bad json"}' };
          }
          const mode = String(next['miner-mode'] ?? next['bitmain-work-mode'] ?? '0');
          s.sleeping = mode === '1';
          this.controls.push(s.sleeping ? 'sleep' : 'wake');
          return { body: '{"stats":"success","code":"M000","msg":"OK!"}' };
        }
        case '/cgi-bin/reboot.cgi':
          this.controls.push('reboot');
          return { body: '{"stats":"success","code":"R000","msg":"OK!"}' };
        default:
          return { status: 404, body: 'not found' };
      }
    });
    return [
      { server: rpc, port: this.opts.ports?.rpc ?? 4028 },
      { server: web, port: this.opts.ports?.http ?? 80 },
    ];
  }
}
