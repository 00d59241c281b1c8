import { BaseAsicSim, httpServer, type Json, offsetKeys, render, scaleKeys, setKeys } from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const base = 'bitaxe/axeos-2.0.0_asic-rs/';

/**
 * AxeOS web page as identification sees it. Constructed (no recording of the page exists): ESP-Miner
 * serves an Angular app whose document title is "AxeOS", which is what research §3.1 keys on.
 */
const indexPage =
  '<!doctype html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n  <title>AxeOS</title>\n' +
  '  <base href="/">\n</head>\n<body>\n  <app-root></app-root>\n</body>\n</html>\n';

/**
 * Bitaxe Supra (BM1368) on AxeOS: unauthenticated REST on port 80. `GET /api/system/info` serves the
 * asic-rs recording (firmware v2.4.5). Pause/resume/restart answer `{"message": …}` as the ESP-Miner
 * OpenAPI's GenericResponse; the messages are constructed. The recorded build predates
 * `miningPaused`, so the field appears only once the simulated unit has been paused or resumed, as on
 * current firmware.
 */
export class BitaxeSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'bitaxe';
  readonly make = 'Bitaxe';
  readonly model = 'Bitaxe Supra';
  private pauseKnown = false;

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
  }

  private info(): string {
    const s = this.state;
    return render(
      `${base}api_system_info.json`,
      s,
      (j: Json) => {
        scaleKeys(j, /^hashRate(_\w+)?$/, s.sleeping ? 0 : s.hashrateScale);
        if (s.sleeping) j.hashRate = 0;
        offsetKeys(j, /^(temp|temp2|vrTemp)$/, s.tempOffset);
        if (s.poolUser !== undefined) setKeys(j, /^(stratumUser|fallbackStratumUser)$/, s.poolUser);
        if (this.pauseKnown || s.sleeping) j.miningPaused = s.sleeping;
      },
      this.pauseKnown,
    );
  }

  protected build() {
    const s = this.state;
    const web = httpServer(s, (req, url) => {
      const method = req.method ?? 'GET';
      if (method === 'GET' && url.pathname === '/')
        return { headers: { 'content-type': 'text/html' }, body: indexPage };
      if (method === 'GET' && url.pathname === '/api/system/info') return { body: this.info() };
      if (method === 'POST') {
        switch (url.pathname) {
          case '/api/system/pause':
            s.sleeping = true;
            this.pauseKnown = true;
            this.controls.push('sleep');
            return { body: '{"message":"Mining paused"}' };
          case '/api/system/resume':
            s.sleeping = false;
            this.pauseKnown = true;
            this.controls.push('wake');
            return { body: '{"message":"Mining resumed"}' };
          case '/api/system/restart':
            this.controls.push('reboot');
            return { body: '{"message":"System will restart shortly."}' };
        }
      }
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    });
    return [{ server: web, port: this.opts.ports?.http ?? 80 }];
  }
}
