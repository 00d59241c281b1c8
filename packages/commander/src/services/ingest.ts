import { randomUUID } from 'node:crypto';
import type { DeviceReport, ReportBatch, ReportResponse } from '@mrm/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { Database, DevicesTable, SentriesTable, TelemetryRawTable } from '../db/schema.js';
import { ApiError } from '../errors.js';
import { effectiveExpected, groupsOf } from './devices.js';
import { poolMismatch } from './wallet-guard.js';

/** Rows per multi-row INSERT or IN list; well under SQLite's and PostgreSQL's bind-parameter caps. */
const CHUNK = 500;

function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const maxOf = (readings: { value: number }[] | undefined) =>
  readings?.length ? Math.max(...readings.map((r) => r.value)) : null;
const avgOf = (readings: { value: number }[] | undefined) =>
  readings?.length ? readings.reduce((a, r) => a + r.value, 0) / readings.length : null;

function latestJson(r: DeviceReport): string {
  return JSON.stringify({
    temperatures: r.temperatures,
    fans: r.fans,
    pools: r.pools,
    uptime: r.uptime,
    details: r.details,
  });
}

function asicAddress(key: string): { ip: string | null; port: number | null } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(key);
  return m ? { ip: m[1]!, port: m[2] ? Number(m[2]) : null } : { ip: null, port: null };
}

/**
 * Stores report batches exactly once. Each batch's sequence number must be above the sentry's
 * last stored one; the conditional update makes that check and the claim atomic, so a batch sent
 * twice (a retry after a lost answer) is acknowledged but not stored again.
 */
export async function ingestReport(
  db: Kysely<Database>,
  sentry: SentriesTable,
  batches: ReportBatch[],
  now: number,
): Promise<ReportResponse> {
  const ordered = [...batches].sort((a, b) => a.seq - b.seq);
  if (sentry.kind === 'rig') {
    for (const b of ordered) {
      const bad = b.devices.find((d) => d.key !== 'rig');
      if (bad)
        throw new ApiError(
          422,
          'unprocessable',
          `a rig sentry reports only its own machine (key "rig"), not "${bad.key}"`,
        );
    }
  }
  return db.transaction().execute(async (trx) => {
    let stored = 0;
    let duplicates = 0;
    for (const batch of ordered) {
      const claimed = await trx
        .updateTable('sentries')
        .set({ last_seq: batch.seq })
        .where('id', '=', sentry.id)
        .where('last_seq', '<', batch.seq)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) {
        duplicates++;
        continue;
      }
      await storeDevices(trx, sentry, batch.devices, now);
      stored++;
    }
    const row = await trx
      .updateTable('sentries')
      .set({ last_seen_at: now })
      .where('id', '=', sentry.id)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    return { ackSeq: row.last_seq, stored, duplicates };
  });
}

/** The driver type the ASIC sentry reports in details, else one derived from the make. */
function asicTypeOf(r: DeviceReport): string {
  const t = r.details?.asicType;
  if (typeof t === 'string' && /^[a-z0-9-]{1,32}$/.test(t)) return t;
  return r.make?.toLowerCase().replace(/[^a-z0-9-]/g, '') || 'auto';
}

/**
 * The wallet guard's verdict for one report: a JSON alert, null when the pools match, undefined
 * to keep what is stored (no expectation change is visible, or the report carries no pools).
 */
function poolAlert(
  d: Pick<DevicesTable, 'expected_pools' | 'pool_alert'>,
  groups: { expected_pools: string | null }[],
  sentryExpected: string | null,
  r: DeviceReport,
  now: number,
): string | null | undefined {
  const expected = effectiveExpected(d.expected_pools, groups, sentryExpected)?.expected;
  if (!expected) return d.pool_alert === null ? undefined : null;
  if (!r.pools?.length) return undefined;
  const message = poolMismatch(expected, r.pools);
  if (!message) return d.pool_alert === null ? undefined : null;
  const since = d.pool_alert ? (JSON.parse(d.pool_alert) as { since: number }).since : now;
  return JSON.stringify({ message, since });
}

async function storeDevices(
  trx: Transaction<Database>,
  sentry: SentriesTable,
  reports: DeviceReport[],
  now: number,
) {
  if (!reports.length) return;
  // The newest report per key wins for "latest"; every report goes to history.
  const newest = new Map<string, DeviceReport>();
  for (const r of reports) {
    const seen = newest.get(r.key);
    if (!seen || r.at >= seen.at) newest.set(r.key, r);
  }
  const known = new Map<string, Pick<DevicesTable, 'id' | 'last_seen' | 'expected_pools' | 'pool_alert'>>();
  // The wallet guard's widest expectation: the sentry's (its row came with the token check).
  const sentryExpected = sentry.kind === 'asic' ? sentry.expected_pools : null;
  for (const keys of chunks([...newest.keys()])) {
    const rows = await trx
      .selectFrom('devices')
      .select(['id', 'key', 'last_seen', 'expected_pools', 'pool_alert'])
      .where('sentry_id', '=', sentry.id)
      .where('key', 'in', keys)
      .execute();
    for (const r of rows) known.set(r.key, r);
  }
  const kind = sentry.kind === 'rig' ? 'rig' : 'asic';
  const groups =
    kind === 'asic'
      ? await groupsOf(
          trx,
          [...known.values()].map((d) => d.id),
        )
      : new Map<string, never[]>();
  for (const [key, r] of newest) {
    const tempMax = maxOf(r.temperatures);
    const fields = {
      status: r.status,
      make: r.make ?? null,
      model: r.model ?? null,
      firmware: r.firmware ?? null,
      algorithm: r.algorithm ?? null,
      hashrate: r.hashrate ?? null,
      power: r.power ?? null,
      temp_max: tempMax,
      latest: latestJson(r),
      last_seen: r.at,
    };
    const existing = known.get(key);
    if (existing) {
      // A late batch from a sentry's outbox must not overwrite fresher state.
      if (existing.last_seen === null || r.at >= existing.last_seen) {
        const alert = poolAlert(existing, groups.get(existing.id) ?? [], sentryExpected, r, now);
        await trx
          .updateTable('devices')
          .set({ ...fields, ...(alert !== undefined ? { pool_alert: alert } : {}) })
          .where('id', '=', existing.id)
          .execute();
      }
    } else {
      // An ASIC the sentry found or was given locally: the commander learns of it here.
      const id = randomUUID();
      const addr = asicAddress(key);
      await trx
        .insertInto('devices')
        .values({
          id,
          sentry_id: sentry.id,
          kind,
          key,
          name: r.name ?? key,
          ...fields,
          asic_type: kind === 'asic' ? asicTypeOf(r) : null,
          asic_ip: addr.ip,
          asic_port: addr.port,
          power_state: kind === 'asic' ? 'on' : null,
          expected_pools: null,
          power_target_w: null,
          pool_alert:
            kind === 'asic'
              ? (poolAlert({ expected_pools: null, pool_alert: null }, [], sentryExpected, r, now) ?? null)
              : null,
          created_at: now,
        })
        .execute();
      known.set(key, { id, last_seen: r.at, expected_pools: null, pool_alert: null });
    }
  }
  const history: TelemetryRawTable[] = reports.map((r) => ({
    device_id: known.get(r.key)!.id,
    ts: r.at,
    hashrate: r.hashrate ?? null,
    power: r.power ?? null,
    temp: maxOf(r.temperatures),
    fan: avgOf(r.fans),
  }));
  for (const rows of chunks(history, 150)) await trx.insertInto('telemetry_raw').values(rows).execute();
}
