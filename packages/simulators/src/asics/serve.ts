import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { detectStyle, formatJson } from '../json-format.js';
import type { AsicSimState } from './types.js';

export type Json = Record<string, unknown>;

/** fixtures/asic/ beside src/ and dist/. */
export const asicFixturesDir = fileURLToPath(new URL('../../fixtures/asic/', import.meta.url));

export interface AsicFixture {
  text: string;
  json: Json;
}

const cache = new Map<string, AsicFixture>();

/** A recorded answer, kept as text so an unchanged state serves it byte for byte. */
export function asicFixture(rel: string): AsicFixture {
  let f = cache.get(rel);
  if (!f) {
    const text = readFileSync(asicFixturesDir + rel, 'utf8');
    f = { text, json: JSON.parse(text) as Json };
    cache.set(rel, f);
  }
  return f;
}

const pristine = (s: AsicSimState) =>
  s.hashrateScale === 1 && s.tempOffset === 0 && s.poolUser === undefined && !s.sleeping;

/**
 * Serves a fixture through `patch` (which edits a deep copy for the live state): the recorded bytes
 * when the state is as recorded and no patch is forced, else the patched object in the fixture's
 * own layout.
 */
export function render(rel: string, state: AsicSimState, patch?: (j: Json) => void, force = false): string {
  const f = asicFixture(rel);
  if (!patch || (pristine(state) && !force)) return f.text;
  const copy = structuredClone(f.json);
  patch(copy);
  return formatJson(copy, detectStyle(f.text));
}

/** Multiplies every number (or numeric string) under keys matching `re`, anywhere in `j`. */
export function scaleKeys(j: unknown, re: RegExp, factor: number): void {
  if (factor === 1 || j === null || typeof j !== 'object') return;
  for (const [k, v] of Object.entries(j as Json)) {
    if (re.test(k)) {
      if (typeof v === 'number') (j as Json)[k] = Math.round(v * factor * 100) / 100;
      else if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v))
        (j as Json)[k] = String(Math.round(Number(v) * factor * 100) / 100);
      else if (Array.isArray(v))
        (j as Json)[k] = v.map((x) => (typeof x === 'number' ? Math.round(x * factor * 100) / 100 : x));
      else scaleKeys(v, re, factor);
    } else scaleKeys(v, re, factor);
  }
}

/** Adds `delta` to every positive number under keys matching `re` (temperatures). */
export function offsetKeys(j: unknown, re: RegExp, delta: number): void {
  if (delta === 0 || j === null || typeof j !== 'object') return;
  for (const [k, v] of Object.entries(j as Json)) {
    if (re.test(k)) {
      if (typeof v === 'number' && v > 0) (j as Json)[k] = v + delta;
      else if (Array.isArray(v))
        (j as Json)[k] = v.map((x) => (typeof x === 'number' && x > 0 ? x + delta : x));
      else offsetKeys(v, re, delta);
    } else offsetKeys(v, re, delta);
  }
}

/** Sets every string under keys matching `re` to `value` (pool users). */
export function setKeys(j: unknown, re: RegExp, value: string): void {
  if (j === null || typeof j !== 'object') return;
  for (const [k, v] of Object.entries(j as Json)) {
    if (re.test(k) && typeof v === 'string') (j as Json)[k] = value;
    else setKeys(v, re, value);
  }
}

const TEN_MIB = 10 * 1024 * 1024;

/** What a hostile firmware sends instead of `answer`. */
export function faulty(answer: string, state: AsicSimState): Buffer {
  switch (state.fault) {
    case 'garbage':
      return randomBytes(512);
    case 'oversized':
      return Buffer.concat([Buffer.from('{"STATUS":[{"STATUS":"S","Msg":"'), Buffer.alloc(TEN_MIB, 0x41)]);
    case 'truncated':
      return Buffer.from(answer.slice(0, Math.max(1, Math.floor(answer.length / 3))));
    case 'invalid-utf8':
      return Buffer.concat([
        Buffer.from(answer.slice(0, 20)),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from(answer.slice(20)),
      ]);
    case 'nan':
      return Buffer.from(
        answer.replace(
          /(":\s*)(\d+(?:\.\d+)?)/g,
          (_m, p: string, n: string) => `${p}${Number(n) > 0 ? '-' : ''}${n === '0' ? 'nan' : n}`,
        ),
      );
    default:
      return Buffer.from(answer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts listening; resolves once bound. */
export function listen(server: TcpServer | HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function closeServer(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * A cgminer-API server: reads one JSON (or `cmd|param` text) request, answers with the handler's
 * text plus the NUL byte, and closes, as cgminer does. `null` from the handler answers the
 * cgminer "Invalid command" error.
 */
export function cgminerServer(
  state: AsicSimState,
  handler: (req: Json, socket: Socket) => string | null | Promise<string | null>,
  opts: { nul?: boolean } = {},
): TcpServer {
  const nul = opts.nul ?? true;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = '';
    let handled = false;
    socket.on('data', async (d) => {
      if (handled) return;
      buf += d.toString('utf8');
      let req: Json | null = null;
      const trimmed = buf.trim();
      try {
        req = JSON.parse(trimmed) as Json;
      } catch {
        if (/^[a-z_+.]+(\|.*)?$/i.test(trimmed)) {
          const [command, parameter] = trimmed.split('|');
          req = { command, ...(parameter !== undefined ? { parameter } : {}) };
        } else if (trimmed.endsWith('}') || buf.length > 65536) req = {};
        else return; // wait for the rest
      }
      handled = true;
      // A handler that throws answers like an unknown command rather than crashing the process.
      const answer =
        (await Promise.resolve()
          .then(() => handler(req!, socket))
          .catch(() => null)) ??
        `{"STATUS":[{"STATUS":"E","When":${Math.floor(Date.now() / 1000)},"Code":14,"Msg":"Invalid command","Description":"cgminer"}],"id":1}`;
      if (state.slowMs > 0) await sleep(state.slowMs);
      if (socket.destroyed) return;
      const body = faulty(answer, state);
      socket.end(state.fault === 'none' && nul ? Buffer.concat([body, Buffer.from([0])]) : body);
    });
  });
  // net.Server only closes once its connections end: a client holding a half-sent request would
  // keep stop() waiting, so closing destroys them first.
  const close = server.close.bind(server);
  server.close = (cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  };
  return server;
}

export interface HttpReply {
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

/** An HTTP server whose handler gets the parsed URL and body; slowness and faults applied after. */
export function httpServer(
  state: AsicSimState,
  handler: (req: IncomingMessage, url: URL, body: string) => HttpReply | Promise<HttpReply>,
): HttpServer {
  return createHttpServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://sim');
    let reply: HttpReply;
    try {
      reply = await handler(req, url, Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      reply = { status: 500, body: String((err as Error).message) };
    }
    if (state.slowMs > 0) await sleep(state.slowMs);
    if (res.destroyed) return;
    const body = reply.status && reply.status >= 300 ? Buffer.from(reply.body) : faulty(reply.body, state);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(body);
  });
}

/** Base for make simulators: owns the servers and the shared state. */
export abstract class BaseAsicSim {
  readonly controls: string[] = [];
  protected servers: Array<{ server: TcpServer | HttpServer; port: number }> = [];

  constructor(
    readonly host: string,
    readonly state: AsicSimState,
  ) {}

  get ports(): number[] {
    return this.servers.map((s) => s.port);
  }

  protected abstract build(): Array<{ server: TcpServer | HttpServer; port: number }>;

  async start(): Promise<void> {
    this.servers = this.build();
    for (const s of this.servers) await listen(s.server, this.host, s.port);
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => closeServer(s.server)));
  }
}
