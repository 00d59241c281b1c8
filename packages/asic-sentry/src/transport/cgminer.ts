import { AsicError } from '../errors.js';
import { MalformedReply, parseLooseJson } from '../loose-json.js';
import type { AsicTarget } from '../model.js';
import { tcpExchange } from './tcp.js';

export const CGMINER_PORT = 4028;

export type Json = Record<string, unknown>;

/**
 * Sends one cgminer-API command (`{"command":…,"parameter":…}`) on TCP 4028 and parses the reply
 * with the quirk repairs. `extra` adds top-level keys (Antminer's `new_api`). A reply whose
 * STATUS is `E` becomes a `refused_command` error carrying the miner's own message.
 */
export async function cgminerCommand(
  t: AsicTarget,
  command: string,
  parameter?: string,
  extra?: Json,
): Promise<Json> {
  const port = t.port ?? CGMINER_PORT;
  const req = JSON.stringify({ command, ...(parameter !== undefined ? { parameter } : {}), ...extra });
  const buf = await tcpExchange(t.ip, port, req, {
    timeoutMs: t.timeoutMs,
    maxBytes: t.maxBytes,
    complete: (b) => b[b.length - 1] === 0,
  });
  if (buf.length === 0) throw new AsicError('malformed', `${t.ip}:${port}: empty answer to ${command}`);
  let value: unknown;
  try {
    value = parseLooseJson(buf.toString('utf8'));
  } catch (err) {
    if (err instanceof MalformedReply)
      throw new AsicError('malformed', `${t.ip}:${port}: ${command}: ${err.message}`);
    throw err;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AsicError('malformed', `${t.ip}:${port}: ${command}: answer is not an object`);
  const obj = value as Json;
  const status = statusOf(obj);
  if (status && status.STATUS === 'E')
    throw new AsicError('refused_command', `${command}: ${String(status.Msg ?? 'refused by the miner')}`);
  return obj;
}

/** The STATUS block: `[ {STATUS, Msg, Description} ]` in cgminer, flat `STATUS:"S"` in btminer's get_*. */
export function statusOf(obj: Json): Json | undefined {
  const s = obj.STATUS;
  if (Array.isArray(s)) return (s[0] as Json) ?? undefined;
  if (typeof s === 'string') return { STATUS: s, Msg: obj.Msg };
  return undefined;
}

/** The first object in a section (`SUMMARY`, `VERSION`, …), or an empty object. */
export function section(obj: Json, name: string): Json[] {
  const v = obj[name];
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Json[]) : [];
}

export function first(obj: Json, name: string): Json {
  return section(obj, name)[0] ?? {};
}

/** The text of every `Description`/banner field, upper-cased, for identification. */
export function bannerText(obj: Json): string {
  return JSON.stringify(obj).toUpperCase();
}
