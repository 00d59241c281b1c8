import { createHash, randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { AsicError, fromSocketError } from '../errors.js';
import { MalformedReply, parseLooseJson } from '../loose-json.js';
import type { AsicTarget } from '../model.js';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface HttpCall {
  method?: string;
  path: string;
  /** Defaults to the target's port, else 80. */
  port?: number;
  headers?: Record<string, string>;
  body?: string;
  /** HTTP Digest credentials (Antminer CGI): answered after the 401 challenge. */
  digest?: { user: string; password: string };
}

function once(t: AsicTarget, call: HttpCall, extraHeaders: Record<string, string>): Promise<HttpAnswer> {
  const port = call.port ?? t.port ?? 80;
  const where = `${t.ip}:${port}`;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, value?: HttpAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(value!);
    };
    const headers: Record<string, string> = { ...call.headers, ...extraHeaders };
    if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
    const req = request({
      host: t.ip,
      port,
      path: call.path,
      method: call.method ?? 'GET',
      headers,
      agent: false,
    });
    const timer = setTimeout(
      () =>
        finish(new AsicError('timeout', `${where}${call.path}: no complete answer within ${t.timeoutMs} ms`)),
      t.timeoutMs,
    );
    req.on('error', (err) => finish(fromSocketError(err, where)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size > t.maxBytes) {
          res.destroy();
          finish(new AsicError('too_large', `${where}${call.path}: answer larger than ${t.maxBytes} bytes`));
        } else chunks.push(d);
      });
      res.on('end', () =>
        finish(null, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (err) => finish(fromSocketError(err, where)));
    });
    if (call.body !== undefined) req.write(call.body);
    req.end();
  });
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** RFC 7616 Digest (MD5, qop=auth), as the Antminer CGI asks for. */
function digestHeader(
  challenge: string,
  method: string,
  path: string,
  user: string,
  password: string,
  count = 1,
) {
  const field = (name: string) => new RegExp(`${name}="?([^",]*)"?`, 'i').exec(challenge)?.[1];
  const realm = field('realm') ?? '';
  const nonce = field('nonce') ?? '';
  const qop = field('qop');
  const opaque = field('opaque');
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${path}`);
  const cnonce = randomBytes(8).toString('hex');
  const nc = count.toString(16).padStart(8, '0');
  const response = qop ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  return [
    `Digest username="${user}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${path}"`,
    `response="${response}"`,
    ...(qop ? ['qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`] : []),
    ...(opaque ? [`opaque="${opaque}"`] : []),
  ].join(', ');
}

/**
 * The last Digest challenge per miner, so later calls answer it at once instead of taking a 401
 * first (a round trip less per CGI call on small controller CPUs). A stale nonce just brings a new
 * 401 and one retry. Bounded: the oldest entry goes when full.
 */
const challenges = new Map<string, { challenge: string; nc: number }>();
const maxChallenges = 10_000;

function digestFor(key: string, challenge: string, call: HttpCall): string {
  const entry = challenges.get(key);
  const nc = entry && entry.challenge === challenge ? entry.nc + 1 : 1;
  challenges.delete(key);
  if (challenges.size >= maxChallenges) challenges.delete(challenges.keys().next().value!);
  challenges.set(key, { challenge, nc });
  return digestHeader(
    challenge,
    call.method ?? 'GET',
    call.path,
    call.digest!.user,
    call.digest!.password,
    nc,
  );
}

/** One HTTP call to a miner, bounded in time and size, with Digest auth when asked. */
export async function httpCall(t: AsicTarget, call: HttpCall): Promise<HttpAnswer> {
  const key = `${t.ip}:${call.port ?? t.port ?? 80}`;
  const known = call.digest ? challenges.get(key) : undefined;
  const first = await once(t, call, known ? { authorization: digestFor(key, known.challenge, call) } : {});
  if (first.status === 401 && call.digest) {
    const challenge = String(first.headers['www-authenticate'] ?? '');
    if (!/^digest/i.test(challenge)) return first;
    return once(t, call, { authorization: digestFor(key, challenge, call) });
  }
  return first;
}

/** An HTTP call whose answer must be a 2xx JSON object; anything else is a clear AsicError. */
export async function httpJson(t: AsicTarget, call: HttpCall): Promise<Record<string, unknown>> {
  const a = await httpCall(t, call);
  const where = `${t.ip}${call.path}`;
  if (a.status === 401 || a.status === 403)
    throw new AsicError('auth', `${where}: the miner refused the credentials (HTTP ${a.status})`);
  if (a.status < 200 || a.status >= 300) throw new AsicError('http_status', `${where}: HTTP ${a.status}`);
  let v: unknown;
  try {
    v = parseLooseJson(a.text);
  } catch (err) {
    if (err instanceof MalformedReply) throw new AsicError('malformed', `${where}: ${err.message}`);
    throw err;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new AsicError('malformed', `${where}: answer is not a JSON object`);
  return v as Record<string, unknown>;
}
