import { AsicError } from '../errors.js';
import { httpJson } from '../transport/http.js';
import { type RelayDriver, type RelayTarget, relayChannel, relayHttpTarget, relayWhere } from './types.js';

/**
 * Tasmota: `GET /cm?cmnd=Power<n>` reads and `GET /cm?cmnd=Power<n>%20On|Off` switches output n
 * (1-based, so n = channel + 1). The answer is `{"POWER":"ON"}` on a one-relay device and
 * `{"POWER<n>":"ON"}` when it has several. With a web admin password set (none by factory
 * default; the user is always "admin") the credentials go in the query: `user=admin&password=…`.
 * Current firmware refuses wrong ones with HTTP 401, older firmware with HTTP 200; both answer
 * `{"WARNING":"Need user=<username>&password=<password>"}`.
 */
function commandPath(t: RelayTarget, cmnd: string): string {
  const auth =
    t.password === undefined
      ? ''
      : `user=${encodeURIComponent(t.user ?? 'admin')}&password=${encodeURIComponent(t.password)}&`;
  return `/cm?${auth}cmnd=${encodeURIComponent(cmnd)}`;
}

async function power(t: RelayTarget, payload?: 'On' | 'Off'): Promise<boolean> {
  const n = relayChannel(t) + 1;
  const cmnd = payload ? `Power${n} ${payload}` : `Power${n}`;
  const j = await httpJson(relayHttpTarget(t), { path: commandPath(t, cmnd) });
  const where = `${relayWhere(t)} (${cmnd})`;
  if (typeof j.WARNING === 'string' && /user=/i.test(j.WARNING))
    throw new AsicError('auth', `${where}: the relay refused the credentials (${j.WARNING})`);
  const v = j[`POWER${n}`] ?? (n === 1 ? j.POWER : undefined);
  if (v === undefined) {
    if (j.Command === 'Unknown')
      throw new AsicError('unsupported', `${where}: the device has no output ${n}`);
    throw new AsicError('malformed', `${where}: answer has no POWER${n === 1 ? '' : n} field`);
  }
  if (v === 'ON' || v === 1) return true;
  if (v === 'OFF' || v === 0) return false;
  throw new AsicError('malformed', `${where}: power state ${JSON.stringify(v)} is neither ON nor OFF`);
}

export const tasmotaRelay: RelayDriver = {
  kind: 'tasmota',
  get: (t) => power(t),
  async set(t, on) {
    await power(t, on ? 'On' : 'Off'); // sent once, never retried
    const now = await power(t);
    if (now !== on)
      throw new AsicError(
        'refused_command',
        `${relayWhere(t)}: asked to turn ${on ? 'on' : 'off'}, output is still ${now ? 'on' : 'off'}`,
      );
  },
};
