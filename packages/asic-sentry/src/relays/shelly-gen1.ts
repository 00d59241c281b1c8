import { AsicError } from '../errors.js';
import { httpJson } from '../transport/http.js';
import { type RelayDriver, type RelayTarget, relayChannel, relayHttpTarget, relayWhere } from './types.js';

/**
 * Shelly Gen1 (Shelly 1/1PM/2.5/Plug S…): `GET /relay/<index>` answers the relay object
 * (`{"ison":false,"has_timer":false,…,"source":"http"}`); `GET /relay/<index>?turn=on|off` switches
 * and answers the same object. Login (Settings → restrict login) is HTTP Basic; factory default: no
 * login; the user name is free-form, usually "admin".
 */
function basicAuth(t: RelayTarget): Record<string, string> {
  if (t.password === undefined && t.user === undefined) return {};
  const token = Buffer.from(`${t.user ?? 'admin'}:${t.password ?? ''}`).toString('base64');
  return { authorization: `Basic ${token}` };
}

async function relayObject(t: RelayTarget, query = ''): Promise<boolean> {
  const path = `/relay/${relayChannel(t)}${query}`;
  const j = await httpJson(relayHttpTarget(t), { path, headers: basicAuth(t) });
  if (typeof j.ison !== 'boolean')
    throw new AsicError('malformed', `${relayWhere(t)}: ${path} has no boolean "ison"`);
  return j.ison;
}

export const shellyGen1Relay: RelayDriver = {
  kind: 'shelly-gen1',
  get: (t) => relayObject(t),
  async set(t, on) {
    await relayObject(t, `?turn=${on ? 'on' : 'off'}`); // sent once, never retried
    const now = await relayObject(t);
    if (now !== on)
      throw new AsicError(
        'refused_command',
        `${relayWhere(t)}: asked to turn ${on ? 'on' : 'off'}, relay is still ${now ? 'on' : 'off'}`,
      );
  },
};
