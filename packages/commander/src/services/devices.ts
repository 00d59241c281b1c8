import type { AsicPowerState, Device, ExpectedPool } from '@mrm/protocol';
import type { Kysely } from 'kysely';
import type { Database, DevicesTable, SentriesTable } from '../db/schema.js';
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
/** What deviceView needs besides the row: the sentry's and the groups' wallet-guard lists. */
export interface DeviceContext {
  sentryExpectedPools?: string | null;
  groups?: { id: string; expected_pools: string | null }[];
}

/** The expectation that applies: the ASIC's own, else its groups' (joined), else its sentry's. */
export function effectiveExpected(
  own: string | null,
  groups: { expected_pools: string | null }[],
  sentry: string | null | undefined,
): { expected: ExpectedPool[]; source: 'device' | 'group' | 'sentry' } | null {
  const mine = parseExpected(own);
  if (mine) return { expected: mine, source: 'device' };
  const fromGroups = groups.flatMap((g) => parseExpected(g.expected_pools) ?? []);
  if (fromGroups.length) return { expected: fromGroups, source: 'group' };
  const s = parseExpected(sentry);
  return s ? { expected: s, source: 'sentry' } : null;
}

function walletGuard(d: DevicesTable, c: DeviceContext): Device['walletGuard'] {
  if (d.kind !== 'asic') return null;
  const eff = effectiveExpected(d.expected_pools, c.groups ?? [], c.sentryExpectedPools);
  const alert = d.pool_alert ? (JSON.parse(d.pool_alert) as { message: string; since: number }) : null;
  if (!eff) return { status: 'unset', source: null, expected: [], message: null, since: null };
  const { expected, source } = eff;
  return {
    status: alert ? 'mismatch' : 'ok',
    source,
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
  c: DeviceContext = {},
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
    walletGuard: walletGuard(d, c),
    groupIds: (c.groups ?? []).map((g) => g.id),
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
    powerTargetW: d.power_target_w,
    actualPowerState: actual as 'on' | 'sleep' | 'off' | 'unknown',
    capabilities: Array.isArray(power.capabilities) ? power.capabilities.map(String) : [],
  };
}

/** Group memberships (with their wallet-guard lists) of the given devices, in one query. */
export async function groupsOf(
  db: Kysely<Database>,
  deviceIds: string[],
): Promise<Map<string, { id: string; expected_pools: string | null }[]>> {
  const out = new Map<string, { id: string; expected_pools: string | null }[]>();
  for (let i = 0; i < deviceIds.length; i += 500) {
    const rows = await db
      .selectFrom('device_group_members')
      .innerJoin('device_groups', 'device_groups.id', 'device_group_members.group_id')
      .select(['device_group_members.device_id', 'device_groups.id', 'device_groups.expected_pools'])
      .where('device_group_members.device_id', 'in', deviceIds.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const list = out.get(r.device_id) ?? [];
      list.push({ id: r.id, expected_pools: r.expected_pools });
      out.set(r.device_id, list);
    }
  }
  return out;
}
