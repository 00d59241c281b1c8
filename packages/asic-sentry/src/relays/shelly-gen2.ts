import { createHash, randomBytes } from 'node:crypto';
import { AsicError } from '../errors.js';
import { MalformedReply, parseLooseJson } from '../loose-json.js';
import { type HttpAnswer, httpCall } from '../transport/http.js';
import { type RelayDriver, type RelayTarget, relayChannel, relayHttpTarget, relayWhere } from './types.js';

/**
 * Shelly Gen2+ (Plus/Pro/Gen3/Gen4), RPC over HTTP GET:
 * - `GET /rpc/Switch.GetStatus?id=<ch>` → `{"id":0,"source":"http","output":true,…}`
 * - `GET /rpc/Switch.Set?id=<ch>&on=true|false` → `{"was_on":false}`
 * Authentication (off by default) is RFC 7616 Digest with SHA-256, user always "admin", realm the
 * device id; the 401 challenge is answered once per request. (transport/http's digest is MD5 only,
 * as the Antminer CGI wants, so the SHA-256 variant lives here.)
 */
const hash = (alg: string, s: string) =>
  createHash(/sha-?256/i.test(alg) ? 'sha256' : 'md5')
    .update(s)
    .digest('hex');

export function digestAuthorization(
  challenge: string,
  method: string,
  uri: string,
  user: string,
  password: string,
) {
  const field = (name: string) => new RegExp(`${name}="?([^",]*)"?`, 'i').exec(challenge)?.[1];
  const realm = field('realm') ?? '';
  const nonce = field('nonce') ?? '';
  const algorithm = field('algorithm') ?? 'MD5';
  const qop = field('qop');
  const opaque = field('opaque');
  const ha1 = hash(algorithm, `${user}:${realm}:${password}`);
  const ha2 = hash(algorithm, `${method}:${uri}`);
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = qop
    ? hash(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : hash(algorithm, `${ha1}:${nonce}:${ha2}`);
  return [
    `Digest username="${user}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${uri}"`,
    `algorithm=${algorithm}`,
    `response="${response}"`,
    ...(qop ? ['qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`] : []),
    ...(opaque ? [`opaque="${opaque}"`] : []),
  ].join(', ');
}

function answerJson(t: RelayTarget, path: string, a: HttpAnswer): Record<string, unknown> {
  const where = `${relayWhere(t)} ${path}`;
  if (a.status === 401 || a.status === 403)
    throw new AsicError('auth', `${where}: the relay refused the credentials (HTTP ${a.status})`);
  let v: unknown;
  try {
    v = parseLooseJson(a.text);
  } catch (err) {
    if (a.status < 200 || a.status >= 300) throw new AsicError('http_status', `${where}: HTTP ${a.status}`);
    if (err instanceof MalformedReply) throw new AsicError('malformed', `${where}: ${err.message}`);
    throw err;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new AsicError('malformed', `${where}: answer is not a JSON object`);
  const j = v as Record<string, unknown>;
  if (a.status < 200 || a.status >= 300) {
    // RPC errors come as {"code":-105,"message":"Argument 'id', value 3 not found!"}
    const msg = typeof j.message === 'string' ? `: ${j.message}` : '';
    throw new AsicError('http_status', `${where}: HTTP ${a.status}${msg}`);
  }
  return j;
}

/** One RPC call: sent once; when the device asks for Digest credentials, answered once with them. */
async function rpc(t: RelayTarget, path: string): Promise<Record<string, unknown>> {
  const at = relayHttpTarget(t);
  const first = await httpCall(at, { path });
  if (first.status !== 401 || t.password === undefined) return answerJson(t, path, first);
  const challenge = String(first.headers['www-authenticate'] ?? '');
  if (!/^digest/i.test(challenge)) return answerJson(t, path, first);
  const authorization = digestAuthorization(challenge, 'GET', path, t.user ?? 'admin', t.password);
  return answerJson(t, path, await httpCall(at, { path, headers: { authorization } }));
}

export const shellyGen2Relay: RelayDriver = {
  kind: 'shelly-gen2',
  async get(t) {
    const path = `/rpc/Switch.GetStatus?id=${relayChannel(t)}`;
    const j = await rpc(t, path);
    if (typeof j.output !== 'boolean')
      throw new AsicError('malformed', `${relayWhere(t)}: ${path} has no boolean "output"`);
    return j.output;
  },
  async set(t, on) {
    const path = `/rpc/Switch.Set?id=${relayChannel(t)}&on=${on}`;
    const j = await rpc(t, path); // sent once, never retried
    if (typeof j.was_on !== 'boolean')
      throw new AsicError('malformed', `${relayWhere(t)}: ${path} has no boolean "was_on"`);
    const now = await shellyGen2Relay.get(t);
    if (now !== on)
      throw new AsicError(
        'refused_command',
        `${relayWhere(t)}: asked to turn ${on ? 'on' : 'off'}, switch is still ${now ? 'on' : 'off'}`,
      );
  },
};
