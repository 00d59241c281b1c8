import { driverFor, driverTypes, identificationOrder } from './drivers/index.js';
import { type AsicDriver, Probes } from './drivers/types.js';
import { AsicError } from './errors.js';
import type { AsicIdentity, AsicTarget } from './model.js';

/** The ports identification and the scanner look at: web UI, cgminer API, Whatsminer API v3. */
export const probePorts = [80, 4028, 4433] as const;

/**
 * Who is at this address. The cheap shared probes (cgminer `version` on 4028 and `GET /` on 80)
 * start together; then each driver, in the fixed order, looks at them and may ask one more
 * question of its own. The first driver to recognise the host wins.
 */
export async function identify(
  t: AsicTarget,
  closedPorts: ReadonlySet<number> = new Set(),
  p: Probes = new Probes(t, closedPorts),
): Promise<AsicIdentity | null> {
  void p.rpc('version');
  void p.http('/');
  for (const d of identificationOrder) {
    const id = await d.detect(p).catch(() => null);
    if (id) return id;
  }
  return null;
}

/**
 * The `add` check: the ASIC answers and is of the stated type (or, for `auto`, of some type).
 * Throws an AsicError that says what is wrong; the caller saves nothing then.
 */
export async function checkAsic(
  t: AsicTarget,
  type: string,
): Promise<{ identity: AsicIdentity; driver: AsicDriver }> {
  if (type === 'auto') {
    const identity = await identify(t);
    if (!identity)
      throw new AsicError(
        'wrong_type',
        `${t.ip}: no known miner answers there (tried ${driverTypes.join(', ')}; is it on, and are ports 80/4028 reachable?)`,
      );
    return { identity, driver: driverFor(identity.type)! };
  }
  const driver = driverFor(type);
  if (!driver)
    throw new AsicError(
      'unsupported',
      `unknown ASIC type "${type}" (known: auto, ${driverTypes.join(', ')})`,
    );
  // One set of probes: what the stated type's check asked is not asked again to name the real type.
  const probes = new Probes(t);
  const identity = await driver.detect(probes).catch(() => null);
  if (identity) return { identity, driver };
  const actual = await identify(t, undefined, probes);
  if (actual)
    throw new AsicError(
      'wrong_type',
      `${t.ip} is a ${actual.make} ${actual.model ?? ''} (type ${actual.type}), not ${type}`.replace(
        /\s+\(/,
        ' (',
      ),
    );
  throw new AsicError(
    'unreachable',
    `${t.ip}: no ${type} miner answers there (is it on and reachable on its API port?)`,
  );
}
