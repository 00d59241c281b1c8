import { BaseAsicSim, cgminerServer, type Json, render, scaleKeys, setKeys } from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const base = 'avalon/a1566-fw24102401_pyasic/';

/** Rewrites `Key[…]` values inside Avalon's MM string. */
function editMm(mm: string, edits: Record<string, (vals: string[]) => string[]>): string {
  return mm.replace(/([A-Za-z_]\w*)\[([^\]]*)\]/g, (whole, key: string, body: string) => {
    const edit = edits[key];
    if (!edit) return whole;
    return `${key}[${edit(body.trim().split(/\s+/)).join(' ')}]`;
  });
}

const scaleAll = (f: number) => (vals: string[]) =>
  vals.map((v) => (Math.round(Number(v) * f * 100) / 100).toFixed(2));
const addAll = (d: number) => (vals: string[]) => vals.map((v) => String(Number(v) + d));

/**
 * AvalonMiner 1566 on its cgminer API (4028), from pyasic's recording: version, estats/stats (the
 * MM ID0 string), devs, pools; `ascset 0,softoff|softon|reboot,…` answered as the Avalon Q capture
 * does, with the MM string showing SoftOFF[1] and zero rates while asleep.
 */
export class AvalonSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'avalon';
  readonly make = 'Avalon';
  readonly model = 'Avalon 15-194';

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
  }

  private stats(file: string): string {
    const s = this.state;
    return render(`${base}${file}`, s, (j) => {
      const f = s.sleeping ? 0 : s.hashrateScale;
      for (const st of j.STATS as Json[]) {
        for (const k of Object.keys(st)) {
          if (!/^MM ID\d/.test(k) || typeof st[k] !== 'string') continue;
          st[k] = editMm(st[k] as string, {
            GHSmm: scaleAll(f),
            GHSspd: scaleAll(f),
            GHSavg: scaleAll(f),
            MGHS: scaleAll(f),
            MTmax: addAll(s.tempOffset),
            MTavg: addAll(s.tempOffset),
            TMax: addAll(s.tempOffset),
            TAvg: addAll(s.tempOffset),
            SoftOFF: () => [s.sleeping ? '1' : '0'],
            WALLPOWER: (v) => (s.sleeping ? ['18'] : v),
          });
        }
      }
    });
  }

  private ascset(parameter: string): string {
    const [, action] = parameter.split(',');
    const now = Math.floor(Date.now() / 1000);
    let msg: string;
    if (action === 'softoff' || action === 'softon') {
      this.state.sleeping = action === 'softoff';
      this.controls.push(action === 'softoff' ? 'sleep' : 'wake');
      const when = /1:(\d+)/.exec(parameter)?.[1] ?? String(now);
      msg = `ASC 0 set info: success ${action}:${when}`;
    } else if (action === 'reboot') {
      this.controls.push('reboot');
      msg = 'ASC 0 set info: success reboot';
    } else {
      return `{"STATUS":[{"STATUS":"E","When":${now},"Code":120,"Msg":"ASC 0 set info: failed","Description":"cgminer 4.11.1"}],"id":1}`;
    }
    return render(
      'avalon/avalon-q-fw25052801_asic-rs/ascset_softoff.json',
      this.state,
      (j) => {
        const st = (j.STATUS as Json[])[0]!;
        st.Msg = msg;
        st.When = now;
      },
      true,
    );
  }

  protected build() {
    const s = this.state;
    const rpc = cgminerServer(s, (req) => {
      switch (String(req.command ?? '')) {
        case 'version':
          return render(`${base}rpc_version.json`, s);
        case 'estats':
          return this.stats('rpc_estats.json');
        case 'stats':
          return this.stats('rpc_stats.json');
        case 'devs':
          return render(`${base}rpc_devs.json`, s, (j) =>
            scaleKeys(j, /^MHS /, s.sleeping ? 0 : s.hashrateScale),
          );
        case 'pools':
          return render(`${base}rpc_pools.json`, s, (j) => {
            if (s.poolUser !== undefined) setKeys(j, /^User$/, s.poolUser);
          });
        case 'ascset':
          return this.ascset(String(req.parameter ?? ''));
        default:
          return null;
      }
    });
    return [{ server: rpc, port: this.opts.ports?.rpc ?? 4028 }];
  }
}
