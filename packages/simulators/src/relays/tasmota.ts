import type { IncomingMessage } from 'node:http';
import { RelaySimBase, type RelaySimOptions } from './shelly.js';

export interface TasmotaSimOptions extends RelaySimOptions {
  /** Pre-12 firmware: wrong credentials answered with HTTP 200 instead of 401 (same JSON). */
  legacyAuth?: boolean;
}

const NEED_AUTH = { WARNING: 'Need user=<username>&password=<password>' };

/**
 * A Tasmota plug (Sonoff S31, Athom, Nous A1T…): `GET /cm?[user=admin&password=…&]cmnd=Power<n>[ On|Off|Toggle|1|0]`.
 * One-relay devices answer `{"POWER":"ON"}`, several relays `{"POWER<n>":"ON"}`; an output that
 * does not exist gives `{"Command":"Unknown"}`; missing cmnd gives `{"WARNING":"Enter command cmnd="}`.
 * With a web password set, wrong or missing credentials (user is always "admin") give HTTP 401
 * (current firmware) with `{"WARNING":"Need user=<username>&password=<password>"}`.
 */
export class TasmotaSim extends RelaySimBase {
  readonly legacyAuth: boolean;

  constructor(opts: TasmotaSimOptions) {
    super(opts);
    this.legacyAuth = opts.legacyAuth ?? false;
  }

  protected handle(_req: IncomingMessage, url: URL) {
    const body = (status: number, v: unknown, set = false) => ({ status, body: JSON.stringify(v), set });
    if (url.pathname !== '/cm') return { status: 404, body: `File Not Found\n\nURI: ${url.pathname}\n` };
    const q = url.searchParams;
    if (this.password !== undefined && !(q.get('user') === 'admin' && q.get('password') === this.password))
      return body(this.legacyAuth ? 200 : 401, NEED_AUTH);
    const cmnd = (q.get('cmnd') ?? '').trim();
    if (!cmnd) return body(200, { WARNING: 'Enter command cmnd=' });
    const m = /^power(\d*)(?:\s+(\S+))?$/i.exec(cmnd);
    if (!m) return body(200, { Command: 'Unknown' });
    const n = m[1] ? Number(m[1]) : 1;
    if (n < 1 || n > this.outputs.length) return body(200, { Command: 'Unknown' });
    const ch = n - 1;
    let set = false;
    if (m[2] !== undefined) {
      const p = m[2].toLowerCase();
      let on: boolean;
      if (p === 'on' || p === '1' || p === 'true') on = true;
      else if (p === 'off' || p === '0' || p === 'false') on = false;
      else if (p === 'toggle' || p === '2') on = !this.outputs[ch];
      else return body(200, { Command: 'Unknown' });
      this.switchTo(ch, on, url.pathname + url.search);
      set = true;
    }
    const key = this.outputs.length === 1 ? 'POWER' : `POWER${n}`;
    return body(200, { [key]: this.outputs[ch] ? 'ON' : 'OFF' }, set);
  }
}
