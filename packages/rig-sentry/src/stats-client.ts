import { request } from 'node:http';
import { connect } from 'node:net';
import type { MinerStats, StatsAdapter } from './adapters/types.js';

// Answers may end with a NUL byte (cgminer-style APIs send one).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL terminator is what this matches
const TRAILING_BRACE = /\}\s*\u0000?\s*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL terminator is what this matches
const TRAILING_BAR = /\|\s*\u0000?$/;

export const statsLimits = {
  /** A miner's API must answer within this, or the poll counts as "no stats". */
  timeoutMs: 3_000,
  /** Largest API answer read; beyond it the poll fails rather than buffering without end. */
  maxBytes: 1024 * 1024,
} as const;

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', timeout: statsLimits.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > statsLimits.maxBytes) req.destroy(new Error('answer too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400) reject(new Error(`HTTP ${res.statusCode}`));
          else resolve(Buffer.concat(chunks).toString('utf8'));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Raw TCP APIs answer and close (cgminer style) or end with a terminator; read until either. */
function tcpRequest(port: number, payload: string, terminator: RegExp | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | null) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(
      () => done(chunks.length ? null : new Error('timed out')),
      statsLimits.timeoutMs,
    );
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (c: Buffer) => {
      size += c.length;
      if (size > statsLimits.maxBytes) return done(new Error('answer too large'));
      chunks.push(c);
      if (terminator?.test(Buffer.concat(chunks).toString('utf8'))) done(null);
    });
    socket.on('end', () => done(null));
    socket.on('error', (e) => done(e));
  });
}

/** Reads a miner's API over its transport and parses it with the program's adapter. */
export async function readStats(adapter: StatsAdapter, port: number): Promise<MinerStats> {
  const t = adapter.transport;
  if (t.kind === 'http') return adapter.parse(await Promise.all(t.paths.map((p) => httpGet(port, p))));
  if (t.kind === 'tcp-json') return adapter.parse([await tcpRequest(port, t.request, TRAILING_BRACE)]);
  return adapter.parse([await tcpRequest(port, t.request, TRAILING_BAR)]);
}
