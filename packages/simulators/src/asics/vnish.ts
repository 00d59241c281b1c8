import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { compactStyle, formatJson } from '../json-format.js';
import {
  asicFixturesDir,
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

const base = 'vnish/s9-vnish-3.8.6-nicehash_foreman/';

/** The recorded `stats` reply (bytes) and its parsed form (the `}{` join repaired). */
function legacyStats(): { text: string; json: Json } {
  const text = readFileSync(`${asicFixturesDir}${base}stats.txt`, 'utf8');
  return { text, json: JSON.parse(text.replace(/}\s*{/g, '},{')) as Json };
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));

/**
 * VNish (AnthillOS) on an Antminer S9.
 *
 * Port 4028 serves the only VNish recording there is, VNish 3.8.6 on an S9 (Foreman): `version`,
 * `pools` and `stats` — the latter with its `}{` join kept byte for byte. `devdetails` is
 * constructed (not recorded) with the same "vnish" Type.
 *
 * Port 80 is the VNish 1.x web API. NO VNish 1.x reply was recorded anywhere, so `GET /api/v1/info`
 * and `GET /api/v1/summary` are CONSTRUCTED from the OpenAPI description
 * (fixtures/asic/_specs/vnish-1.3.4.openapi.json: InfoJson, Summary/AntmMinerStats) with the numbers
 * of the 3.8.6 recording (rates, temps, fans, chains 6–8, per-chain consumption, pools), so both
 * ports describe the same machine. Auth as in the spec: `POST /api/v1/unlock {"pw"}` → `{"token"}`
 * (403 `{"unlock_timeout":null}` on a wrong password); `POST /api/v1/mining/pause|resume` (200, no
 * body) and `POST /api/v1/system/reboot` (`{"after":3}`) need `Authorization: Bearer <token>`
 * (401 otherwise). While paused `miner_state` is "stopped" and rates/power read 0. `GET /` is a
 * constructed page titled "AnthillOS".
 */
export class VnishSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'vnish';
  readonly make = 'Antminer';
  readonly model = 'Antminer S9';
  /** Firmware version the constructed web API reports (the spec's version). */
  readonly fwVersion = '1.3.4';
  private readonly tokens = new Set<string>();

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
  }

  private get password() {
    return this.opts.password ?? 'admin';
  }

  // ------------------------------------------------------------ RPC (recorded)

  private stats(): string {
    const s = this.state;
    const { text, json } = legacyStats();
    if (s.hashrateScale === 1 && s.tempOffset === 0 && !s.sleeping) return text;
    const copy = structuredClone(json);
    scaleKeys(copy, /^(GHS |chain_rate\d|total_rate$)/, s.sleeping ? 0 : s.hashrateScale);
    offsetKeys(copy, /^(temp\d+|temp2_\d+|temp_max)$/, s.tempOffset);
    return formatJson(copy, compactStyle);
  }

  private rpc(command: string): string | null {
    const s = this.state;
    switch (command) {
      case 'version':
        return render(`${base}version.json`, s);
      case 'stats':
        return this.stats();
      case 'pools':
        return render(`${base}pools.json`, s, (j) => {
          if (s.poolUser !== undefined) setKeys(j, /^User$/, s.poolUser);
        });
      case 'devdetails':
        // Constructed: VNish 3.8.6's devdetails was not recorded.
        return JSON.stringify({
          STATUS: [
            {
              STATUS: 'S',
              When: Math.floor(Date.now() / 1000),
              Code: 69,
              Msg: 'Device Details',
              Description: 'cgminer 4.11.1',
            },
          ],
          DEVDETAILS: [6, 7, 8].map((id, i) => ({
            DEVDETAILS: i,
            Name: 'BC50',
            ID: id,
            Driver: 'bitmain-soc',
            Kernel: '',
            Model: 'Antminer S9 (vnish 3.8.6)',
            'Device Path': '',
          })),
          id: 1,
        });
      default:
        return null;
    }
  }

  // ------------------------------------------------------------ web API (constructed)

  /** InfoJson, constructed from the OpenAPI schema. */
  info(): Json {
    return {
      fw_name: 'Vnish',
      fw_version: this.fwVersion,
      build_time: '2024-06-10 12:00:00',
      build_name: '',
      build_uuid: '00000000-0000-0000-0000-000000000000',
      platform: 'xil',
      install_type: 'nand',
      miner: this.model,
      model: 's9',
      algorithm: 'sha256d',
      hr_measure: 'GH/s',
      serial: '',
      system: {
        os: 'GNU/Linux',
        miner_name: this.model,
        file_system_version: 'Antminer S9 VNish',
        network_status: {
          mac: '02:00:00:00:13:09',
          ip: this.host,
          netmask: '255.255.255.0',
          gateway: '',
          dns: [],
          hostname: 'antminer',
          dhcp: true,
        },
        uptime: '1:00',
        mem_total: 1024000,
        mem_free: 512000,
        mem_free_percent: 50,
        mem_buf: 10240,
        mem_buf_percent: 1,
      },
    };
  }

  /** Summary (AntmMinerStats), constructed from the schema with the 3.8.6 recording's numbers. */
  summary(): Json {
    const s = this.state;
    const st = (legacyStats().json.STATS as Json[])[1]!;
    const pools = (JSON.parse(render(`${base}pools.json`, s)) as Json).POOLS as Json[];
    const f = s.sleeping ? 0 : s.hashrateScale;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const ids = [6, 7, 8].filter((i) => num(st[`chain_acn${i}`]) > 0);
    const t = (k: string) => num(st[k]) + s.tempOffset;
    const chains = ids.map((i, n) => {
      const rt = r2(num(st[`chain_rate${i}`]) * f);
      const ideal = num(st[`chain_rateideal${i}`]);
      return {
        id: n,
        frequency: num(st[`freq_avg${i}`]),
        voltage: num(st[`chain_vol${i}`]),
        power_consumption: s.sleeping ? 0 : num(st[`chain_consumption${i}`]),
        hashrate_ideal: ideal,
        hashrate_rt: rt,
        hashrate_percentage: ideal ? r2((rt / ideal) * 100) : 0,
        hr_error: 0,
        hw_errors: num(st[`chain_hw${i}`]),
        pcb_temp: { min: t(`temp${i}`), max: t(`temp${i}`) },
        chip_temp: { min: t(`temp2_${i}`), max: t(`temp2_${i}`) },
        chip_statuses: { red: 0, orange: 0, grey: 0 },
        status: { state: s.sleeping ? 'stopped' : 'mining', description: null },
      };
    });
    const power = chains.reduce((a, c) => a + c.power_consumption, 0);
    const rt = r2(num(st['GHS 5s']) * f);
    const av = r2(num(st['GHS av']) * f);
    const eff = rt > 0 ? r2(power / (rt / 1000)) : 0;
    const pcb = chains.map((c) => c.pcb_temp.max);
    const chip = chains.map((c) => c.chip_temp.max);
    const fans = [5, 6]
      .map((i) => num(st[`fan${i}`]))
      .map((rpm, id) => ({ id, rpm: s.sleeping ? 0 : rpm, status: 'ok', max_rpm: 6000 }));
    return {
      miner: {
        miner_status: {
          miner_state: s.sleeping ? 'stopped' : 'mining',
          miner_state_time: s.sleeping ? 0 : num(st.Elapsed),
          throttled: 100,
          description: null,
          failure_code: null,
        },
        miner_type: this.model,
        hr_stock: num(st.total_rateideal),
        hr_nominal: num(st.total_rateideal),
        hr_realtime: rt,
        hr_average: av,
        instant_hashrate: r2(rt * 1000),
        average_hashrate: r2(av * 1000),
        pcb_temp: { min: Math.min(...pcb), max: Math.max(...pcb) },
        chip_temp: { min: Math.min(...chip), max: Math.max(...chip) },
        power_consumption: power,
        power_efficiency: eff,
        // Deprecated: "Same as power_efficiency" — an efficiency, NOT watts.
        power_usage: Math.round(eff),
        hw_errors_percent: num(st['Device Hardware%']),
        hr_error: 0,
        hw_errors: chains.reduce((a, c) => a + c.hw_errors, 0),
        devfee_percent: 0,
        devfee: 0,
        pools: pools.map((p) => ({
          id: p.POOL,
          url: p.URL,
          pool_type: 'UserPool',
          user: s.poolUser ?? p.User,
          status: p.Status !== 'Alive' ? 'offline' : p['Stratum Active'] ? 'active' : 'working',
          asic_boost: true,
          diff: p.Diff,
          accepted: p.Accepted,
          rejected: p.Rejected,
          stale: p.Stale,
          ls_diff: p['Last Share Difficulty'],
          ls_time: p['Last Share Time'],
          diffa: p['Difficulty Accepted'],
          ping: 0,
        })),
        cooling: {
          fan_num: fans.length,
          fans,
          settings: { mode: { name: 'auto', param: 80 } },
          fan_duty: 80,
        },
        chains,
        found_blocks: 0,
        best_share: Math.max(...pools.map((p) => num(p['Best Share']) || 0)),
        restart_count: 0,
        psu: null,
      },
    };
  }

  private bearer(req: IncomingMessage): boolean {
    const m = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    return !!m && this.tokens.has(m[1]!);
  }

  private web(req: IncomingMessage, url: URL, body: string): HttpReply {
    const s = this.state;
    const p = url.pathname;
    if (p === '/' && req.method === 'GET')
      return {
        headers: { 'content-type': 'text/html' },
        body: '<!DOCTYPE html><html><head><title>AnthillOS</title></head><body><div id="app"></div></body></html>',
      };
    if (req.method === 'GET' && p === '/api/v1/info') return { body: JSON.stringify(this.info()) };
    if (req.method === 'GET' && p === '/api/v1/summary') return { body: JSON.stringify(this.summary()) };
    if (req.method === 'POST' && p === '/api/v1/unlock') {
      let pw: unknown;
      try {
        pw = (JSON.parse(body) as Json).pw;
      } catch {
        return { status: 500, body: '{"err":"invalid body"}' };
      }
      if (pw !== this.password) return { status: 403, body: '{"unlock_timeout":null}' };
      const token = randomBytes(16).toString('hex');
      this.tokens.add(token);
      return { body: JSON.stringify({ token }) };
    }
    const writes: Record<string, () => HttpReply> = {
      '/api/v1/mining/pause': () => {
        s.sleeping = true;
        this.controls.push('sleep');
        return { body: '' };
      },
      '/api/v1/mining/resume': () => {
        s.sleeping = false;
        this.controls.push('wake');
        return { body: '' };
      },
      '/api/v1/system/reboot': () => {
        this.controls.push('reboot');
        return { body: '{"after":3}' };
      },
    };
    const w = req.method === 'POST' ? writes[p] : undefined;
    if (w) return this.bearer(req) ? w() : { status: 401, body: '' };
    return { status: 404, body: '' };
  }

  protected build() {
    const rpc = cgminerServer(this.state, (req) => this.rpc(String(req.command ?? '')));
    const web = httpServer(this.state, (req, url, body) => this.web(req, url, body));
    return [
      { server: rpc, port: this.opts.ports?.rpc ?? 4028 },
      { server: web, port: this.opts.ports?.http ?? 80 },
    ];
  }
}
