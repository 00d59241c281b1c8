import { type Kysely, sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database } from '../db/schema.js';
import { bucketMs } from './history.js';

const WATERMARK_5M = 'rollup_5m_watermark';
const WATERMARK_1H = 'rollup_1h_watermark';
const PRUNED_RAW = 'raw_pruned_before';
const PRUNED_5M = 'rollup_5m_pruned_before';

async function getNumber(db: Kysely<Database>, key: string): Promise<number | null> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row ? Number(row.value) : null;
}

async function setNumber(db: Kysely<Database>, key: string, value: number) {
  await db
    .insertInto('settings')
    .values({ key, value: String(value) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(value) }))
    .execute();
}

const floorTo = (t: number, step: number) => Math.floor(t / step) * step;
const ceilTo = (t: number, step: number) => Math.ceil(t / step) * step;

/**
 * Rolls raw samples into 5-minute averages and those into hourly ones, then prunes by retention.
 * Buckets are recomputed whole and upserted, so a run is idempotent and two commanders running it
 * at once agree. Late reports (from a sentry's outbox after an outage) mark the range dirty so
 * their buckets are recomputed too.
 */
export class TelemetryMaintenance {
  private dirtyFrom: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly ctx: AppContext) {}

  /** Ingest calls this with the oldest sample time it stored. */
  noteIngested(oldestAt: number) {
    if (this.dirtyFrom === null || oldestAt < this.dirtyFrom) this.dirtyFrom = oldestAt;
  }

  start() {
    this.timer = setInterval(() => void this.runOnce(), this.ctx.config.maintenanceIntervalMs);
    this.timer.unref();
  }

  async stop() {
    clearInterval(this.timer);
    await this.running;
  }

  runOnce(): Promise<void> {
    this.running ??= this.run()
      .catch((err) => this.ctx.log.error({ err }, 'telemetry maintenance failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async run() {
    const { db } = this.ctx.store;
    const now = this.ctx.now();
    const dirty = this.dirtyFrom;
    this.dirtyFrom = null;

    const step5 = bucketMs['5m'];
    const step1 = bucketMs['1h'];
    const retention = this.ctx.config.retention;
    // Only buckets none of whose source samples were pruned can be recomputed: a late sample older
    // than that stays in raw history until pruned rather than skewing a bucket it cannot complete.
    const rawKeptFrom = ceilTo((await getNumber(db, PRUNED_RAW)) ?? Number.NEGATIVE_INFINITY, step5);
    const fiveKeptFrom = ceilTo((await getNumber(db, PRUNED_5M)) ?? Number.NEGATIVE_INFINITY, step1);

    const end5 = floorTo(now, step5);
    const mark5 = (await getNumber(db, WATERMARK_5M)) ?? floorTo(now - retention.rawHours * 3600_000, step5);
    const from5 = Math.max(
      rawKeptFrom,
      floorTo(Math.min(mark5 - step5, dirty ?? Number.POSITIVE_INFINITY), step5),
    );
    if (end5 > from5) {
      await this.rollRaw(from5, end5);
      await setNumber(db, WATERMARK_5M, end5);
    }

    const end1 = floorTo(now, step1);
    const mark1 = (await getNumber(db, WATERMARK_1H)) ?? floorTo(from5, step1);
    const from1 = Math.max(fiveKeptFrom, floorTo(Math.min(mark1 - step1, from5), step1));
    if (end1 > from1) {
      await this.rollFiveMinute(from1, end1);
      await setNumber(db, WATERMARK_1H, end1);
    }
    await this.prune(now);
  }

  private async rollRaw(from: number, to: number) {
    const step = bucketMs['5m'];
    const bucket = sql<number>`(ts - (ts % ${sql.lit(step)}))`;
    await this.ctx.store.db
      .insertInto('telemetry_5m')
      .columns(['device_id', 'bucket', 'hashrate', 'power', 'temp', 'fan', 'samples'])
      .expression((eb) =>
        eb
          .selectFrom('telemetry_raw')
          .select((s) => [
            'device_id',
            bucket.as('bucket'),
            s.fn.avg<number>('hashrate').as('hashrate'),
            s.fn.avg<number>('power').as('power'),
            s.fn.avg<number>('temp').as('temp'),
            s.fn.avg<number>('fan').as('fan'),
            s.fn.countAll<number>().as('samples'),
          ])
          .where('ts', '>=', from)
          .where('ts', '<', to)
          .groupBy(['device_id', bucket]),
      )
      .onConflict((oc) =>
        oc.columns(['device_id', 'bucket']).doUpdateSet((eb) => ({
          hashrate: eb.ref('excluded.hashrate'),
          power: eb.ref('excluded.power'),
          temp: eb.ref('excluded.temp'),
          fan: eb.ref('excluded.fan'),
          samples: eb.ref('excluded.samples'),
        })),
      )
      .execute();
  }

  private async rollFiveMinute(from: number, to: number) {
    const step = bucketMs['1h'];
    const bucket = sql<number>`(bucket - (bucket % ${sql.lit(step)}))`;
    // Weighted by sample count, so an hour with a gap is not skewed by its sparse buckets.
    const weighted = (col: 'hashrate' | 'power' | 'temp' | 'fan') =>
      sql<number>`sum(${sql.ref(col)} * samples) / nullif(sum(case when ${sql.ref(col)} is null then 0 else samples end), 0)`;
    await this.ctx.store.db
      .insertInto('telemetry_1h')
      .columns(['device_id', 'bucket', 'hashrate', 'power', 'temp', 'fan', 'samples'])
      .expression((eb) =>
        eb
          .selectFrom('telemetry_5m')
          .select((s) => [
            'device_id',
            bucket.as('bucket'),
            weighted('hashrate').as('hashrate'),
            weighted('power').as('power'),
            weighted('temp').as('temp'),
            weighted('fan').as('fan'),
            s.fn.sum<number>('samples').as('samples'),
          ])
          .where('bucket', '>=', from)
          .where('bucket', '<', to)
          .groupBy(['device_id', bucket]),
      )
      .onConflict((oc) =>
        oc.columns(['device_id', 'bucket']).doUpdateSet((eb) => ({
          hashrate: eb.ref('excluded.hashrate'),
          power: eb.ref('excluded.power'),
          temp: eb.ref('excluded.temp'),
          fan: eb.ref('excluded.fan'),
          samples: eb.ref('excluded.samples'),
        })),
      )
      .execute();
  }

  private async prune(now: number) {
    const { db } = this.ctx.store;
    const r = this.ctx.config.retention;
    const rawCutoff = now - r.rawHours * 3600_000;
    const fiveCutoff = now - r.fiveMinuteDays * 86_400_000;
    await db.deleteFrom('telemetry_raw').where('ts', '<', rawCutoff).execute();
    await setNumber(db, PRUNED_RAW, rawCutoff);
    await db.deleteFrom('telemetry_5m').where('bucket', '<', fiveCutoff).execute();
    await setNumber(db, PRUNED_5M, fiveCutoff);
    if (r.hourlyDays !== undefined)
      await db
        .deleteFrom('telemetry_1h')
        .where('bucket', '<', now - r.hourlyDays * 86_400_000)
        .execute();
  }
}
