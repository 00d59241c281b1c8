import { connect } from 'node:net';
import { AsicError, fromSocketError } from '../errors.js';

export interface TcpExchangeOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Ends the read early once the buffer holds a whole answer (NUL, a length frame, …). */
  complete?: (buf: Buffer) => boolean;
}

/**
 * One request/answer over a fresh TCP connection. Reads until the peer closes, `complete` says
 * the answer is whole, the deadline passes or the size cap is hit: cgminer closes after each
 * reply, other firmwares keep the socket open, so "read to end" alone would hang.
 */
export function tcpExchange(
  host: string,
  port: number,
  payload: Buffer | string,
  opts: TcpExchangeOptions,
): Promise<Buffer> {
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const sock = connect({ host, port });
    const finish = (err: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value ?? Buffer.alloc(0));
    };
    const timer = setTimeout(
      () => finish(new AsicError('timeout', `${where}: no complete answer within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (d: Buffer) => {
      size += d.length;
      if (size > opts.maxBytes) {
        finish(new AsicError('too_large', `${where}: answer larger than ${opts.maxBytes} bytes`));
        return;
      }
      chunks.push(d);
      if (opts.complete) {
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (opts.complete(all)) finish(null, all);
      }
    });
    sock.on('end', () => finish(null, Buffer.concat(chunks)));
    sock.on('close', () => finish(null, Buffer.concat(chunks)));
    sock.on('error', (err) => finish(fromSocketError(err, where)));
  });
}

/** Whether a TCP port accepts a connection within `timeoutMs` (the scanner's cheap first step). */
export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
