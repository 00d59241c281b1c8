/**
 * A simulated mining program: `fake-miner <program> <the real program's arguments>`. It prints a
 * banner and one `SIM-STARTED …` line, serves the program's real API shape on the address its
 * flags give (and nowhere else), prints a speed line every second, and hashes nothing.
 *
 * Environment knobs for tests: MRM_SIM_HASHRATE (total H/s; 0 = runs but does not hash),
 * MRM_SIM_CRASH_AFTER_MS (exit 1 after that long), MRM_SIM_NO_API=1 (never open the API port),
 * MRM_SIM_EXACT=1 (answer with the fixture bytes unchanged), MRM_SIM_VERSION (set by the archive
 * launcher: the version the API reports).
 *
 * Exit codes: 0 on SIGTERM/SIGINT, 1 simulated crash, 2 usage, 3 API address unusable, 4 fixture missing.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { loadFixture } from './fixtures.js';
import { detectStyle, formatJson } from './json-format.js';
import { Flags } from './miners/args.js';
import type { HttpApi, SimState, SimulatedProgram, TcpApi } from './miners/types.js';
import { programs } from './programs.js';

// A closed stdout (the supervisor went away) must not take the API down with an EPIPE.
process.stdout.on('error', () => {});

const say = (line: string) => process.stdout.write(`${line}\n`);

function fail(code: number, message: string): never {
  process.stderr.write(`fake-miner: ${message}\n`);
  process.exit(code);
}

function envHashrate(fallback: number): number {
  const raw = process.env.MRM_SIM_HASHRATE;
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) fail(2, `MRM_SIM_HASHRATE must be a number of H/s >= 0, got "${raw}"`);
  return n;
}

function httpHandler(api: HttpApi, state: SimState) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const file = api.routes[path];
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    const refused = api.refuse?.(req.headers, state) ?? null;
    if (refused !== null) {
      res.writeHead(refused).end();
      return;
    }
    const fixture = loadFixture(file);
    const body = state.exact
      ? fixture.bytes
      : formatJson(api.render(path, fixture, state), detectStyle(fixture.text));
    res.writeHead(200, { 'content-type': api.contentType ?? 'application/json' }).end(body);
  };
}

/** Whether a request on a raw socket has fully arrived: whole JSON, whole HTTP head, or a text command. */
function complete(text: string): boolean {
  const t = text.replace(/[\s\0]+$/, '');
  if (t.startsWith('{')) {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  }
  if (/^[A-Z]+ \//.test(t)) return text.includes('\r\n\r\n') || text.includes('\n\n');
  return t.length > 0;
}

function tcpHandler(api: TcpApi, state: SimState) {
  return (socket: Socket) => {
    let received = '';
    let answered = false;
    const respond = () => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      const out = api.answer(received, state, loadFixture);
      // Like cgminer and cpuminer-opt: one answer per connection, then close.
      if (out === null) socket.end();
      else socket.end(out);
    };
    // A client that sends a partial command and waits still gets an answer (or a close).
    const timer = setTimeout(respond, 500);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (complete(received)) respond();
    });
    socket.on('end', respond);
    socket.on('error', () => clearTimeout(timer));
    socket.on('close', () => clearTimeout(timer));
  };
}

function main() {
  const [name, ...args] = process.argv.slice(2);
  const program: SimulatedProgram | undefined = name ? programs[name] : undefined;
  if (!name || !program) {
    fail(2, `unknown program "${name ?? ''}" (known: ${Object.keys(programs).join(', ')})`);
  }
  const version = process.env.MRM_SIM_VERSION || null;
  if (args.includes('--version')) {
    say(`${program.displayName} ${version ?? '(simulated)'}`);
    process.exit(0);
  }
  const start = program.parseArgs(args);
  const state: SimState = {
    program: program.name,
    start,
    flags: new Flags(args, program.flagOptions),
    startedAt: Date.now(),
    hashrate: envHashrate(program.defaultHashrate),
    accepted: 0,
    rejected: 0,
    version,
    exact: process.env.MRM_SIM_EXACT === '1',
  };
  const api = program.api;
  const files = api.kind === 'http' ? Object.values(api.routes) : api.fixtures;
  for (const file of new Set(files)) {
    try {
      loadFixture(file);
    } catch (err) {
      fail(4, `${program.name}: fixture ${file} unreadable: ${(err as Error).message}`);
    }
  }

  for (const line of program.banner(state)) say(line);
  const address = start.apiPort === null ? null : { host: start.apiHost ?? '127.0.0.1', port: start.apiPort };
  const announce = () =>
    say(
      `SIM-STARTED program=${program.name} pool=${start.pool || '-'} wallet=${start.wallet || '-'} worker=${start.worker || '-'} api=${address ? `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}` : '-'} pid=${process.pid}`,
    );

  const timer = setInterval(() => {
    if (state.hashrate > 0) state.accepted++;
    say(program.speedLine(state));
  }, 1000);
  const crashAfter = Number(process.env.MRM_SIM_CRASH_AFTER_MS ?? 0);
  if (crashAfter > 0) {
    setTimeout(() => {
      process.stderr.write(`fake-miner: ${program.name}: simulated crash after ${crashAfter} ms\n`);
      process.exit(1);
    }, crashAfter);
  }

  let server: Server | null = null;
  const stop = (signal: string) => {
    clearInterval(timer);
    say(`${program.displayName}: ${signal} received, shutting down`);
    server?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  if (!address || process.env.MRM_SIM_NO_API === '1') {
    if (address) say(`(simulator) API ${address.host}:${address.port} not opened: MRM_SIM_NO_API=1`);
    announce();
    return;
  }
  server =
    api.kind === 'http' ? createHttpServer(httpHandler(api, state)) : createTcpServer(tcpHandler(api, state));
  server.on('error', (err: NodeJS.ErrnoException) => {
    const why = err.code === 'EADDRINUSE' ? 'the port is already in use' : err.message;
    fail(3, `${program.name}: cannot listen on ${address.host}:${address.port}: ${why}`);
  });
  // Exactly the address from the flags: no fallback to another port or to all interfaces.
  server.listen({ host: address.host, port: address.port, exclusive: true }, announce);
}

main();
