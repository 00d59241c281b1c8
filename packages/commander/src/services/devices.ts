import type { AsicPowerState, Device } from '@mrm/protocol';
import type { DevicesTable, SentriesTable } from '../db/schema.js';
import { parseExpected } from './wallet-guard.js';

/** An ASIC is known within its sentry by address (plus port when it is not the default). */
export function asicKey(ip: string, port?: number | null): string {
  return port ? `${ip}:${port}` : ip;
}

type Reading = { name: string; value: number };

interface LatestJson {
  temperatures?: Reading[];
  fans?: Reading[];
  pools?: Device['pools'];
  uptime?: number;
  details?: Record<string, unknown>;
}

/**
 * Honest status: a device is only as fresh as its sentry. When the sentry itself has gone
 * silent, every device it watches is `unreachable`, not "offline" or still "mining".
 */
function walletGuard(d: DevicesTable, sentryExpected: string | null): Device['walletGuard'] {
  if (d.kind !== 'asic') return null;
  const own = parseExpected(d.expected_pools);
  const group = own ? null : parseExpected(sentryExpected);
  const alert = d.pool_alert ? (JSON.parse(d.pool_alert) as { message: string; since: number }) : null;
  const expected = own ?? group;
  if (!expected) return { status: 'unset', source: null, expected: [], message: null, since: null };
  return {
    status: alert ? 'mismatch' : 'ok',
    source: own ? 'device' : 'sentry',
    expected,
    message: alert?.message ?? null,
    since: alert?.since ?? null,
  };
}

export function deviceView(
  d: DevicesTable,
  sentryLastSeen: number | null,
  now: number,
  offlineAfterMs: number,
  sentryExpectedPools: string | null = null,
): Device {
  const latest: LatestJson = d.latest ? (JSON.parse(d.latest) as LatestJson) : {};
  const sentrySilent = sentryLastSeen !== null && now - sentryLastSeen > offlineAfterMs;
  const status =
    d.status === 'pending' ? 'pending' : sentrySilent ? 'unreachable' : (d.status as Device['status']);
  return {
    id: d.id,
    sentryId: d.sentry_id,
    kind: d.kind as Device['kind'],
    name: d.name,
    status,
    make: d.make,
    model: d.model,
    firmware: d.firmware,
    algorithm: d.algorithm,
    hashrate: d.hashrate,
    power: d.power,
    temperatures: latest.temperatures ?? [],
    fans: latest.fans ?? [],
    pools: latest.pools ?? [],
    uptime: latest.uptime ?? null,
    lastSeen: d.last_seen,
    ip: d.kind === 'asic' ? (d.asic_ip ?? d.key) : null,
    alerts: d.pool_alert
      ? [{ kind: 'pool-mismatch', ...(JSON.parse(d.pool_alert) as { message: string; since: number }) }]
      : [],
    walletGuard: walletGuard(d, sentryExpectedPools),
    asic:
      d.kind === 'asic'
        ? {
            type: d.asic_type ?? 'auto',
            ip: d.asic_ip ?? d.key,
            port: d.asic_port,
            powerState: (d.power_state ?? 'on') as AsicPowerState,
          }
        : null,
    details: latest.details ?? null,
  };
}

export function sentryStatus(
  s: Pick<SentriesTable, 'revoked_at' | 'last_seen_at'>,
  now: number,
  offlineAfterMs: number,
) {
  if (s.revoked_at !== null) return 'revoked' as const;
  if (s.last_seen_at === null) return 'pending' as const;
  return now - s.last_seen_at > offlineAfterMs ? ('offline' as const) : ('online' as const);
}

/** The ASIC-only fields of GET /api/v1/devices/{id}. */
export function asicDetail(d: DevicesTable): Partial<Device> {
  const latest: LatestJson = d.latest ? (JSON.parse(d.latest) as LatestJson) : {};
  const details = latest.details ?? {};
  const power = (details.power ?? {}) as { actual?: string; capabilities?: string[] };
  const actual = ['on', 'sleep', 'off'].includes(power.actual ?? '') ? power.actual : 'unknown';
  return {
    boards: Array.isArray(details.boards) ? (details.boards as Record<string, unknown>[]) : [],
    powerW: d.power,
    powerState: (d.power_state ?? 'on') as AsicPowerState,
    actualPowerState: actual as 'on' | 'sleep' | 'off' | 'unknown',
    capabilities: Array.isArray(power.capabilities) ? power.capabilities.map(String) : [],
  };
}
