import { v3Token } from '../drivers/whatsminer-crypto.js';
import { AsicError } from '../errors.js';
import { MalformedReply, parseLooseJson } from '../loose-json.js';
import type { AsicTarget } from '../model.js';
import type { Json } from './cgminer.js';
import { tcpExchange } from './tcp.js';

/**
 * Whatsminer API v3 (firmware from late 2024): TCP 4433, every request and reply framed as a 4-byte
 * little-endian length followed by that many bytes of JSON. Replies are `{code, when, msg, desc}`,
 * code 0 ok, -1 failed, -2 invalid command, -4 no permission (a bad token, or the per-IP limit on
 * salt requests).
 */
export const WHATSMINER_V3_PORT = 4433;

export const V3_CODES: Record<number, string> = {
  0: 'ok',
  [-1]: 'command failed',
  [-2]: 'invalid command',
  [-4]: 'no permission',
};

export function encodeV3Frame(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** Whether `buf` holds a whole frame (the length prefix and all its bytes). */
export function v3FrameComplete(buf: Buffer): boolean {
  return buf.length >= 4 && buf.length >= 4 + buf.readUInt32LE(0);
}

/** Sends one v3 request and returns the parsed reply object, whatever its code. */
export async function v3Request(t: AsicTarget, request: Json): Promise<Json> {
  const port = t.port ?? WHATSMINER_V3_PORT;
  const where = `${t.ip}:${port}`;
  const what = String(request.cmd ?? '?');
  const buf = await tcpExchange(t.ip, port, encodeV3Frame(JSON.stringify(request)), {
    timeoutMs: t.timeoutMs,
    maxBytes: t.maxBytes,
    complete: v3FrameComplete,
  });
  if (buf.length < 4) throw new AsicError('malformed', `${where}: ${what}: no v3 frame in the answer`);
  const len = buf.readUInt32LE(0);
  if (len === 0 || len > t.maxBytes)
    throw new AsicError(
      len > t.maxBytes ? 'too_large' : 'malformed',
      `${where}: ${what}: frame length ${len}`,
    );
  if (buf.length < 4 + len) throw new AsicError('malformed', `${where}: ${what}: answer cut short`);
  let value: unknown;
  try {
    value = parseLooseJson(buf.subarray(4, 4 + len).toString('utf8'));
  } catch (err) {
    if (err instanceof MalformedReply) throw new AsicError('malformed', `${where}: ${what}: ${err.message}`);
    throw err;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AsicError('malformed', `${where}: ${what}: answer is not an object`);
  return value as Json;
}

function codeOf(reply: Json): number | undefined {
  const c = reply.code;
  return typeof c === 'number' ? c : typeof c === 'string' && /^-?\d+$/.test(c) ? Number(c) : undefined;
}

function describe(reply: Json): string {
  const code = codeOf(reply);
  const msg = typeof reply.msg === 'string' ? reply.msg : '';
  return `${V3_CODES[code ?? 1] ?? `code ${code}`}${msg && msg !== V3_CODES[code ?? 1] ? ` (${msg})` : ''}`;
}

/** A read command (`get.*`); a non-zero code becomes `refused_command`. Returns `msg`. */
export async function v3Read(t: AsicTarget, cmd: string, param?: unknown): Promise<Json> {
  const reply = await v3Request(t, { cmd, ...(param !== undefined ? { param } : {}) });
  const code = codeOf(reply);
  if (code !== 0) throw new AsicError('refused_command', `${cmd}: ${describe(reply)}`);
  const msg = reply.msg;
  return typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as Json) : {};
}

/**
 * A write command (`set.*`), sent exactly once: the salt is fetched first (`get.device.info` param
 * `salt`), then the command goes with `ts`, `account` and the token. `-4` means the account or
 * password is wrong (reason `auth`); other non-zero codes are `refused_command`.
 */
export async function v3Write(
  t: AsicTarget,
  account: string,
  password: string,
  cmd: string,
  param?: unknown,
): Promise<Json> {
  const saltReply = await v3Request(t, { cmd: 'get.device.info', param: 'salt' });
  const saltCode = codeOf(saltReply);
  if (saltCode === -4)
    throw new AsicError('refused_command', `get.device.info salt: refused (per-IP limit on salt requests)`);
  const salt = (saltReply.msg as Json | undefined)?.salt;
  if (saltCode !== 0 || typeof salt !== 'string' || !salt)
    throw new AsicError('malformed', `get.device.info salt: ${describe(saltReply)}`);
  const ts = Math.floor(Date.now() / 1000);
  const request: Json = {
    cmd,
    ts,
    token: v3Token(cmd, password, salt, ts),
    account,
    ...(param !== undefined ? { param } : {}),
  };
  const reply = await v3Request(t, request);
  const code = codeOf(reply);
  if (code === -4)
    throw new AsicError('auth', `${cmd}: the miner refused account "${account}" or its password`);
  if (code !== 0) throw new AsicError('refused_command', `${cmd}: ${describe(reply)}`);
  return reply;
}
