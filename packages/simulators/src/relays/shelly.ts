import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from '../asics/serve.js';

/** One change of a relay output, as the simulated device saw it. */
export interface RelaySwitch {
  at: number;
  channel: number;
  on: boolean;
}

/** One switch command the device accepted and carried out (whether or not the state changed). */
export interface RelayCommand {
  at: number;
  channel: number;
  on: boolean;
  path: string;
}

export interface RelaySimOptions {
  host: string;
  /** 80 (the devices' only HTTP port) unless given. */
  port?: number;
  /** Number of outputs (default 1). */
  channels?: number;
  /** Initial output states (default all on: the ASIC behind it is running). */
  initial?: boolean[];
  /** Login required when set (Shelly Gen1: Basic with `user`; Gen2: Digest, user "admin"; Tasmota: query). */
  password?: string;
  /** Delay before every answer, ms (the state change itself happens at once). */
  slowMs?: number;
  /** Delay before the answer to a switch command only, ms (reads stay fast). */
  slowSetMs?: number;
}

type Answer = { status: number; body: string; headers?: Record<string, string>; set?: boolean };

/** A plain node:http smart plug: keeps output states, logs commands and changes, answers late on request. */
export abstract class RelaySimBase {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  slowMs: number;
  slowSetMs: number;
  readonly outputs: boolean[];
  /** State changes, in order. */
  readonly switches: RelaySwitch[] = [];
  /** Accepted switch commands, in order (one per request that was carried out). */
  readonly commands: RelayCommand[] = [];
  /** Every request path received (including refused ones). */
  readonly requests: string[] = [];
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: RelaySimOptions) {
    this.host = opts.host;
    this.port = opts.port ?? 80;
    this.password = opts.password;
    this.slowMs = opts.slowMs ?? 0;
    this.slowSetMs = opts.slowSetMs ?? 0;
    const n = opts.channels ?? 1;
    this.outputs = Array.from({ length: n }, (_, i) => opts.initial?.[i] ?? true);
    this.server = createServer((req, res) => this.serve(req, res));
  }

  protected abstract handle(req: IncomingMessage, url: URL): Answer;

  /** Carries out a switch command on `channel` (valid index), logging it. Returns the previous state. */
  protected switchTo(channel: number, on: boolean, path: string): boolean {
    const was = this.outputs[channel]!;
    const at = Date.now();
    this.commands.push({ at, channel, on, path });
    if (was !== on) {
      this.outputs[channel] = on;
      this.switches.push({ at, channel, on });
    }
    return was;
  }

  private serve(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '/';
    this.requests.push(path);
    const url = new URL(path, `http://${this.host}`);
    let a: Answer;
    try {
      a = this.handle(req, url);
    } catch (err) {
      a = { status: 500, body: String(err) };
    }
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(a.status, {
        'content-type': a.body.startsWith('{') ? 'application/json' : 'text/plain',
        'content-length': String(Buffer.byteLength(a.body)),
        ...a.headers,
      });
      res.end(a.body);
    };
    const delay = this.slowMs + (a.set ? this.slowSetMs : 0);
    if (delay <= 0) return send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, delay);
    this.timers.add(timer);
  }

  async start(): Promise<void> {
    await listen(this.server, this.host, this.port);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await closeServer(this.server);
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const json = (status: number, v: unknown, extra: Partial<Answer> = {}): Answer => ({
  status,
  body: JSON.stringify(v),
  ...extra,
});

export interface ShellySimOptions extends RelaySimOptions {
  generation: 1 | 2;
  /** Gen1 login user (default "admin"); Gen2's user is always "admin". */
  user?: string;
}

/**
 * A Shelly plug/relay. Gen1 (Shelly 1/Plug S firmware 1.14): `/relay/<i>[?turn=on|off|toggle]`,
 * Basic auth when a password is set, `/shelly` open. Gen2+ (Plus/Pro): `/rpc/Switch.GetStatus?id=`,
 * `/rpc/Switch.Set?id=&on=`, `/rpc/Switch.Toggle?id=`, SHA-256 Digest auth (user "admin", realm =
 * device id) when a password is set, `/shelly` open.
 */
export class ShellySim extends RelaySimBase {
  readonly generation: 1 | 2;
  readonly user: string;
  readonly deviceId: string;
  private readonly nonces = new Set<string>();

  constructor(opts: ShellySimOptions) {
    super(opts);
    this.generation = opts.generation;
    this.user = opts.generation === 2 ? 'admin' : (opts.user ?? 'admin');
    this.deviceId = opts.generation === 2 ? 'shellyplusplugs-e86beae12345' : 'shellyplug-s-C8C9A3123456';
  }

  protected handle(req: IncomingMessage, url: URL): Answer {
    return this.generation === 1 ? this.gen1(req, url) : this.gen2(req, url);
  }

  private gen1(req: IncomingMessage, url: URL): Answer {
    if (url.pathname === '/shelly')
      return json(200, {
        type: 'SHPLG-S',
        mac: 'C8C9A3123456',
        auth: this.password !== undefined,
        fw: '20230913-112234/v1.14.0-gcb84623',
        discoverable: false,
        num_outputs: this.outputs.length,
        num_meters: this.outputs.length,
      });
    if (this.password !== undefined) {
      const expected = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected)
        return {
          status: 401,
          body: '401 Unauthorized',
          headers: { 'www-authenticate': `Basic realm="${this.deviceId}"` },
        };
    }
    const m = /^\/relay\/(\d+)$/.exec(url.pathname);
    if (!m) return { status: 404, body: 'Not Found' };
    const ch = Number(m[1]);
    if (ch >= this.outputs.length) return { status: 404, body: 'Not Found' };
    const turn = url.searchParams.get('turn');
    let set = false;
    if (turn !== null) {
      if (turn !== 'on' && turn !== 'off' && turn !== 'toggle') return { status: 400, body: 'Bad turn!' };
      const on = turn === 'toggle' ? !this.outputs[ch] : turn === 'on';
      this.switchTo(ch, on, url.pathname + url.search);
      set = true;
    }
    return json(
      200,
      {
        ison: this.outputs[ch],
        has_timer: false,
        timer_started: 0,
        timer_duration: 0,
        timer_remaining: 0,
        overpower: false,
        source: 'http',
      },
      { set },
    );
  }

  private gen2(req: IncomingMessage, url: URL): Answer {
    if (url.pathname === '/shelly' || url.pathname === '/rpc/Shelly.GetDeviceInfo')
      return json(200, {
        name: null,
        id: this.deviceId,
        mac: 'E86BEAE12345',
        slot: 0,
        model: 'SNPL-00112EU',
        gen: 2,
        fw_id: '20241011-114449/1.4.4-g6d2a586',
        ver: '1.4.4',
        app: 'PlusPlugS',
        auth_en: this.password !== undefined,
        auth_domain: this.password !== undefined ? this.deviceId : null,
      });
    if (this.password !== undefined && !this.digestOk(req)) {
      const nonce = String(Math.floor(Date.now() / 1000) + this.nonces.size);
      this.nonces.add(nonce);
      return {
        status: 401,
        body: '',
        headers: {
          'www-authenticate': `Digest qop="auth", realm="${this.deviceId}", nonce="${nonce}", algorithm=SHA-256`,
        },
      };
    }
    const method = url.pathname.startsWith('/rpc/') ? url.pathname.slice(5) : '';
    const known = ['Switch.GetStatus', 'Switch.Set', 'Switch.Toggle'];
    if (!known.includes(method))
      return json(404, { code: 404, message: `No handler for ${method || url.pathname}` });
    const idArg = url.searchParams.get('id');
    const id = Number(idArg);
    if (idArg === null || !Number.isInteger(id))
      return json(400, { code: -103, message: "Missing required argument 'id'!" });
    if (id < 0 || id >= this.outputs.length)
      return json(404, { code: -105, message: `Argument 'id', value ${id} not found!` });
    if (method === 'Switch.GetStatus')
      return json(200, {
        id,
        source: 'http',
        output: this.outputs[id],
        apower: this.outputs[id] ? 3247.5 : 0,
        voltage: 229.8,
        current: this.outputs[id] ? 14.2 : 0,
        aenergy: { total: 18342.117, by_minute: [0, 0, 0], minute_ts: Math.floor(Date.now() / 1000) },
        temperature: { tC: 41.3, tF: 106.3 },
      });
    let on: boolean;
    if (method === 'Switch.Toggle') on = !this.outputs[id];
    else {
      const v = url.searchParams.get('on');
      if (v !== 'true' && v !== 'false')
        return json(400, { code: -103, message: "Missing required argument 'on'!" });
      on = v === 'true';
    }
    const was = this.switchTo(id, on, url.pathname + url.search);
    return json(200, { was_on: was }, { set: true });
  }

  /** RFC 7616 Digest, SHA-256, qop=auth, with a nonce this device issued. */
  private digestOk(req: IncomingMessage): boolean {
    const h = req.headers.authorization;
    if (!h || !/^digest /i.test(h)) return false;
    const field = (name: string) => new RegExp(`(?:^|[ ,])${name}="?([^",]*)"?`, 'i').exec(h.slice(7))?.[1];
    const nonce = field('nonce') ?? '';
    if (!this.nonces.has(nonce) || field('username') !== 'admin' || field('realm') !== this.deviceId)
      return false;
    const ha1 = sha256(`admin:${this.deviceId}:${this.password}`);
    const ha2 = sha256(`${req.method ?? 'GET'}:${field('uri') ?? ''}`);
    const expected = sha256(`${ha1}:${nonce}:${field('nc') ?? ''}:${field('cnonce') ?? ''}:auth:${ha2}`);
    return field('response') === expected && field('uri') === req.url;
  }
}
