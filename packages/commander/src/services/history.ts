import { limits } from '@mrm/protocol';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';

export type Metric = 'hashrate' | 'power' | 'temperature' | 'fan';
export type Resolution = 'raw' | '5m' | '1h';

const column = { hashrate: 'hashrate', power: 'power', temperature: 'temp', fan: 'fan' } as const;
export const bucketMs = { '5m': 5 * 60_000, '1h': 3600_000 } as const;

/**
 * Picks the finest resolution that still holds the whole range (retention) and stays under the
 * point cap, assuming a report every 30 s.
 */
export function chooseResolution(from: number, to: number, now: number, config: Config): Resolution {
  const span = to - from;
  const rawKeptFrom = now - config.retention.rawHours * 3600_000;
  if (from >= rawKeptFrom && span / 30_000 <= limits.maxHistoryPoints) return 'raw';
  const fiveKeptFrom = now - config.retention.fiveMinuteDays * 86_400_000;
  if (from >= fiveKeptFrom && span / bucketMs['5m'] <= limits.maxHistoryPoints) return '5m';
  return '1h';
}

export async function readHistory(
  db: Kysely<Database>,
  deviceId: string,
  metric: Metric,
  from: number,
  to: number,
  resolution: Resolution,
) {
  const col = column[metric];
  const rows =
    resolution === 'raw'
      ? await db
          .selectFrom('telemetry_raw')
          .select(['ts as t', `${col} as v`])
          .where('device_id', '=', deviceId)
          .where('ts', '>=', from)
          .where('ts', '<=', to)
          .orderBy('ts')
          .limit(limits.maxHistoryPoints)
          .execute()
      : await db
          .selectFrom(resolution === '5m' ? 'telemetry_5m' : 'telemetry_1h')
          .select(['bucket as t', `${col} as v`])
          .where('device_id', '=', deviceId)
          .where('bucket', '>=', from - bucketMs[resolution])
          .where('bucket', '<=', to)
          .orderBy('bucket')
          .limit(limits.maxHistoryPoints)
          .execute();
  return rows.map((r) => [Number(r.t), r.v === null ? null : Number(r.v)] as [number, number | null]);
}
