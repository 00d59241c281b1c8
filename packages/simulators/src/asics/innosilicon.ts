import { BaseAsicSim, cgminerServer, type Json, offsetKeys, render, scaleKeys, setKeys } from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const base = 'innosilicon/a9-new-fw_foreman/';

/**
 * Innosilicon A9 on the cgminer API (4028) from Foreman's recording (summary, stats, pools). No
 * `version` reply was recorded; the one served here is built from the banner the recorded replies
 * carry ("innominer a9-1.1.0"), in the same compact layout.
 */
export class InnosiliconSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'innosilicon';
  readonly make = 'Innosilicon';
  readonly model = 'A9';

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
  }

  protected build() {
    const s = this.state;
    const rates = (j: Json) => {
      scaleKeys(j, /^MHS /, s.sleeping ? 0 : s.hashrateScale);
      offsetKeys(j, /^Temp( max| min)?$/, s.tempOffset);
    };
    const rpc = cgminerServer(s, (req) => {
      const now = Math.floor(Date.now() / 1000);
      switch (String(req.command ?? '')) {
        case 'version':
          return `{"STATUS":[{"STATUS":"S","When":${now},"Code":22,"Msg":"CGMiner versions","Description":"innominer a9-1.1.0"}],"VERSION":[{"CGMiner":"a9-1.1.0","API":"3.7"}],"id":1}`;
        case 'summary':
          return render(`${base}summary.json`, s, rates);
        case 'stats':
          return render(`${base}stats.json`, s, rates);
        case 'pools':
          return render(`${base}pools.json`, s, (j) => {
            if (s.poolUser !== undefined) setKeys(j, /^User$/, s.poolUser);
          });
        default:
          return null;
      }
    });
    return [{ server: rpc, port: this.opts.ports?.rpc ?? 4028 }];
  }
}
