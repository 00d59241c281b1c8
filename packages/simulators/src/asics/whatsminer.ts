import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import {
  asicFixture,
  BaseAsicSim,
  cgminerServer,
  faulty,
  type Json,
  offsetKeys,
  render,
  scaleKeys,
  setKeys,
} from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const v2Dir = 'whatsminer/api-v2.0.5-fw20230803_asic-rs/';
const v3Dir = 'whatsminer/api-v3-m60s_asic-rs/';

export type WhatsminerSimOptions = AsicSimOptions & {
  /** Which firmware generation to imitate: API 2.0.5 on 4028 only, or a 2024-11+ firmware with API v3 on 4433. */
  api?: 'v2' | 'v3';
};

// ------------------------------------------------------------------ crypto of the firmware side
// Written separately from the driver's whatsminer-crypto.ts on purpose: the simulator checks the
// driver's tokens with its own implementation.

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function md5CryptHash(password: string, salt: string): string {
  const md5 = (...b: Buffer[]) => b.reduce((h, x) => h.update(x), createHash('md5')).digest();
  const pw = Buffer.from(password);
  const sb = Buffer.from(salt.slice(0, 8));
  const alt = md5(pw, sb, pw);
  const parts: Buffer[] = [pw, Buffer.from('$1$'), sb];
  for (let n = pw.length; n > 0; n -= 16) parts.push(alt.subarray(0, Math.min(16, n)));
  for (let n = pw.length; n > 0; n >>= 1) parts.push(n & 1 ? Buffer.alloc(1) : pw.subarray(0, 1));
  let f = md5(...parts);
  for (let i = 0; i < 1000; i++)
    f = md5(i & 1 ? pw : f, i % 3 ? sb : Buffer.alloc(0), i % 7 ? pw : Buffer.alloc(0), i & 1 ? f : pw);
  const groups: Array<[number, number, number]> = [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ];
  let out = '';
  const enc = (v: number, n: number) => {
    for (let i = 0; i < n; i++, v >>= 6) out += ITOA64[v & 63];
  };
  for (const [a, b, c] of groups) enc((f[a]! << 16) | (f[b]! << 8) | f[c]!, 4);
  enc(f[11]!, 2);
  return out;
}

function aes(key: Buffer, data: Buffer, decrypt: boolean): Buffer {
  const c = decrypt ? createDecipheriv('aes-256-ecb', key, null) : createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

const zeroPad = (s: string) => {
  const b = Buffer.from(s);
  const out = Buffer.alloc(Math.ceil(Math.max(1, b.length) / 16) * 16);
  b.copy(out);
  return out;
};

const SALT_CHARS = ITOA64.slice(2);
const randomSalt = () => Array.from(randomBytes(8), (b) => SALT_CHARS[b % SALT_CHARS.length]).join('');

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Whatsminer (MicroBT btminer). `api: 'v2'` (default): API 2.0.5, firmware 20230803.11.REL, on 4028,
 * serving asic-rs's recorded summary/devs/pools/get_version/get_miner_info/get_psu/status/get_error_code;
 * `devdetails` and `get_token` are constructed (their layout from pyasic and MicroBT's API 2.0.5 doc, the
 * model `M50S_VH50` chosen to fit the recording's 126 TH/s factory rate, 3 boards). Writes need the
 * AES/MD5-crypt token of password `admin` (or opts.password).
 *
 * `api: 'v3'`: the M60S_VK40 recording on 4433 (length-framed JSON) plus 4028 answering only
 * `get_version` and `devdetails`, both constructed from the v3 recording's device info. Writes need the
 * SHA-256 token of account `super`/`admin` with password `super` (or opts.password).
 */
export class WhatsminerSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'whatsminer';
  readonly make = 'Whatsminer';
  readonly model: string;
  readonly api: 'v2' | 'v3';
  private readonly password: string;
  /** get_token salt: fixed per miner (it is derived from the stored password hash on the real one). */
  private readonly salt = randomSalt();
  private readonly tokens: Array<{ time: string; newsalt: string }> = [];

  constructor(
    private readonly opts: WhatsminerSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
    this.api = opts.api ?? 'v2';
    this.password = opts.password ?? (this.api === 'v3' ? 'super' : 'admin');
    this.model = this.api === 'v3' ? 'M60S VK40' : 'M50S VH50';
  }

  // ---------------------------------------------------------------- API v2 (4028)

  private v2Rates = (j: Json) => {
    const s = this.state;
    scaleKeys(j, /^(MHS |HS RT)/, s.sleeping ? 0 : s.hashrateScale);
    offsetKeys(j, /^(Temperature|Chip Temp )/, s.tempOffset);
    if (s.sleeping) for (const row of (j.SUMMARY as Json[] | undefined) ?? []) row.Power = 0;
    if (s.powerLimitW !== undefined)
      for (const row of (j.SUMMARY as Json[] | undefined) ?? []) row['Power Limit'] = s.powerLimitW;
  };

  private v2Read(command: string): string | null {
    const s = this.state;
    const force = s.powerLimitW !== undefined;
    switch (command) {
      case 'summary':
        return render(`${v2Dir}summary.json`, s, this.v2Rates, force);
      case 'devs':
      case 'edevs':
        return render(`${v2Dir}devs.json`, s, this.v2Rates);
      case 'pools':
        return render(`${v2Dir}pools.json`, s, (j) => {
          if (s.poolUser !== undefined) setKeys(j, /^User$/, s.poolUser);
        });
      case 'status':
        return render(
          `${v2Dir}status.json`,
          s,
          (j) => {
            const m = j.Msg as Json;
            m.mineroff = s.sleeping ? 'true' : 'false';
            if (s.sleeping) m.mineroff_reason = 'api';
            if (s.powerLimitW !== undefined) m.power_limit_set = String(s.powerLimitW);
          },
          force,
        );
      case 'get_version':
      case 'get_miner_info':
      case 'get_psu':
      case 'get_error_code':
        return render(`${v2Dir}${command}.json`, s);
      case 'devdetails':
        return this.devdetails('M50S_VH50', 3);
      case 'get_token': {
        const time = String(now());
        const newsalt = randomSalt();
        this.tokens.push({ time, newsalt });
        if (this.tokens.length > 32) this.tokens.shift();
        return JSON.stringify({
          STATUS: 'S',
          When: now(),
          Code: 134,
          Msg: { time, salt: this.salt, newsalt },
          Description: '',
        });
      }
      default:
        return null;
    }
  }

  /** btminer's `devdetails`, constructed (one row per board, driver `bitmicro`). */
  private devdetails(model: string, boards: number): string {
    return JSON.stringify({
      STATUS: [{ STATUS: 'S', When: now(), Code: 69, Msg: 'Device Details', Description: 'cgminer 4.9.2' }],
      DEVDETAILS: Array.from({ length: boards }, (_, i) => ({
        DEVDETAILS: i,
        Name: 'SM',
        ID: i,
        Driver: 'bitmicro',
        Kernel: '',
        Model: model,
      })),
      id: 1,
    });
  }

  private v2Error(code: number, msg: string): string {
    return JSON.stringify({ STATUS: 'E', When: now(), Code: code, Msg: msg, Description: '' });
  }

  /** A privileged v2 request `{"enc":1,"data":…}`: decrypt, check the token, run, answer encrypted. */
  private v2Privileged(data: unknown): string {
    if (typeof data !== 'string') return this.v2Error(23, 'invalid JSON message');
    const hostPasswdMd5 = md5CryptHash(this.password, this.salt);
    const key = createHash('sha256').update(hostPasswdMd5).digest();
    let req: Json;
    try {
      const raw = Buffer.from(data, 'base64');
      if (raw.length === 0 || raw.length % 16) return this.v2Error(137, 'base64 decode error');
      req = JSON.parse(aes(key, raw, true).toString('utf8').replace(/\0+$/, '')) as Json;
    } catch {
      // A key from another password decrypts to garbage.
      return this.v2Error(135, 'check token error');
    }
    const valid = this.tokens.some((t) => md5CryptHash(hostPasswdMd5 + t.time, t.newsalt) === req.token);
    if (!valid) return this.v2Error(135, 'check token error');
    const cmd = String(req.cmd ?? req.command ?? '');
    const s = this.state;
    const msg: unknown = '';
    switch (cmd) {
      case 'power_off':
        s.sleeping = true;
        this.controls.push('sleep');
        break;
      case 'power_on':
        s.sleeping = false;
        this.controls.push('wake');
        break;
      case 'reboot':
        this.controls.push('reboot');
        break;
      case 'restart_btminer':
        this.controls.push('restart');
        break;
      case 'adjust_power_limit': {
        const w = Number(req.power_limit);
        if (!Number.isFinite(w) || w <= 0)
          return this.encrypt(key, this.v2Error(14, 'invalid API command or data'));
        s.powerLimitW = w;
        this.controls.push(`power-target ${w}`);
        break;
      }
      default:
        return this.encrypt(key, this.v2Error(14, 'invalid API command or data'));
    }
    return this.encrypt(
      key,
      JSON.stringify({ STATUS: 'S', When: now(), Code: 131, Msg: msg, Description: '' }),
    );
  }

  private encrypt(key: Buffer, text: string): string {
    return JSON.stringify({ enc: aes(key, zeroPad(text), false).toString('base64') });
  }

  // ---------------------------------------------------------------- API v3 (4433)

  private readonly v3Salt = (asicFixture(`${v3Dir}get_device_info.json`).json.msg as Json).salt as string;

  private v3Answer(req: Json): string {
    const s = this.state;
    const cmd = String(req.cmd ?? '');
    const param = req.param;
    const reply = (code: number, msg: unknown) => JSON.stringify({ code, when: now(), msg, desc: cmd });
    if (cmd === 'get.device.info') {
      if (param === 'salt') return reply(0, { salt: this.v3Salt });
      return render(`${v3Dir}get_device_info.json`, s, (j) => {
        const miner = (j.msg as Json).miner as Json;
        miner.working = s.sleeping ? 'false' : 'true';
      });
    }
    if (cmd === 'get.miner.status') {
      const f = s.sleeping ? 0 : s.hashrateScale;
      const rates = (j: Json) => {
        scaleKeys(j, /^hash-(realtime|average|1min|15min)$/, f);
        offsetKeys(j, /^(chip-temp-|board-temperature$)/, s.tempOffset);
        const sum = (j.msg as Json).summary as Json | undefined;
        if (sum && s.sleeping) {
          sum['power-realtime'] = 0;
          sum['power-5min'] = 0;
        }
        if (sum && s.powerLimitW !== undefined) sum['power-limit'] = s.powerLimitW;
      };
      switch (param) {
        case 'summary':
          return render(`${v3Dir}get_miner_status_summary.json`, s, rates, s.powerLimitW !== undefined);
        case 'edevs':
          return render(`${v3Dir}get_miner_status_edevs.json`, s, rates);
        case 'pools':
          // MicroBT's worker: an idle firmware refuses the pools-only view.
          if (s.sleeping) return reply(-1, 'fail');
          return render(`${v3Dir}get_miner_status_pools.json`, s, (j) => {
            if (s.poolUser !== undefined) setKeys(j, /^account$/, s.poolUser);
          });
        default:
          return reply(-2, 'invalid param');
      }
    }
    if (cmd.startsWith('set.')) {
      const account = String(req.account ?? '');
      const ts = String(req.ts ?? '');
      const expect = createHash('sha256')
        .update(`${cmd}${this.password}${this.v3Salt}${ts}`)
        .digest('base64')
        .slice(0, 8);
      if (!['super', 'admin'].includes(account) || req.token !== expect) return reply(-4, 'no permission');
      switch (cmd) {
        case 'set.miner.service':
          if (param === 'stop') {
            s.sleeping = true;
            this.controls.push('sleep');
          } else if (param === 'start' || param === 'restart') {
            s.sleeping = false;
            this.controls.push('wake');
          } else return reply(-1, 'invalid param');
          return reply(0, 'ok');
        case 'set.system.reboot':
          this.controls.push('reboot');
          return reply(0, 'ok');
        case 'set.miner.power_limit': {
          const w = Number(param);
          if (!Number.isFinite(w) || w < 0 || w > 99999) return reply(-1, 'invalid param');
          s.powerLimitW = w;
          this.controls.push(`power-target ${w}`);
          return reply(0, 'ok');
        }
        default:
          return reply(-2, 'invalid command');
      }
    }
    return reply(-2, 'invalid command');
  }

  /** The framed server: 4-byte LE length + JSON each way; the connection stays open for more. */
  private v3Server(): TcpServer {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      let buf = Buffer.alloc(0);
      socket.on('data', async (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0)) {
          const len = buf.readUInt32LE(0);
          const body = buf.subarray(4, 4 + len).toString('utf8');
          buf = buf.subarray(4 + len);
          let req: Json;
          try {
            req = JSON.parse(body) as Json;
          } catch {
            req = {};
          }
          const answer = this.v3Answer(req);
          if (this.state.slowMs > 0) await sleep(this.state.slowMs);
          if (socket.destroyed) return;
          const out = faulty(answer, this.state);
          const head = Buffer.alloc(4);
          head.writeUInt32LE(out.length, 0);
          socket.write(Buffer.concat([head, out]));
        }
      });
    });
    server.on('close', () => {
      for (const s of sockets) s.destroy();
    });
    return server;
  }

  /** 4028 on a v3 firmware: identification answers only, constructed from the v3 device info. */
  private v3LegacyRead(command: string): string | null {
    const info = asicFixture(`${v3Dir}get_device_info.json`).json.msg as Json;
    const system = info.system as Json;
    const miner = info.miner as Json;
    if (command === 'get_version')
      return JSON.stringify({
        STATUS: 'S',
        When: now(),
        Code: 131,
        Msg: { api_ver: system.api, fw_ver: system.fwversion, platform: system.platform },
        Description: '',
      });
    if (command === 'devdetails') return this.devdetails(String(miner.type), Number(miner['board-num']) || 3);
    return null;
  }

  protected build() {
    const s = this.state;
    const rpc = cgminerServer(s, (req) => {
      if (this.api === 'v3') return this.v3LegacyRead(String(req.command ?? ''));
      if (req.enc !== undefined) return this.v2Privileged(req.data);
      if (req.command === undefined && req.cmd !== undefined)
        return this.v2Error(14, "Missing JSON 'command'");
      return this.v2Read(String(req.command ?? ''));
    });
    const servers = [{ server: rpc as TcpServer, port: this.opts.ports?.rpc ?? 4028 }];
    if (this.api === 'v3') servers.push({ server: this.v3Server(), port: this.opts.ports?.v3 ?? 4433 });
    return servers;
  }
}
