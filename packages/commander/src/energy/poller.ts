/**
 * Reads every enabled energy source on its interval, stores each reading as history and keeps the
 * latest (with the source's health) in memory for the API and the solar loop. A source that fails
 * is marked failing with its reason; it is read again on the next interval.
 */
import type { EnergyReading } from '@mrm/protocol';
import type { AppContext } from '../context.js';
import type { EnergySourcesTable } from '../db/schema.js';
import { createReader, type SourceLive } from './sources.js';
import type { EnergyReader } from './types.js';

interface Running {
  row: EnergySourcesTable;
  reader: EnergyReader;
  timer: NodeJS.Timeout | undefined;
  busy: Promise<void> | undefined;
}

export class EnergyPoller {
  private running = new Map<string, Running>();
  private live = new Map<string, SourceLive>();
  private started = false;

  constructor(private readonly ctx: AppContext) {}

  latest(id: string): SourceLive | undefined {
    return this.live.get(id);
  }

  /** Starts polling every enabled source (called when the commander listens). */
  async start() {
    this.started = true;
    const rows = await this.ctx.store.db.selectFrom('energy_sources').selectAll().execute();
    for (const row of rows) this.schedule(row);
  }

  async stop() {
    this.started = false;
    const all = [...this.running.values()];
    this.running.clear();
    for (const r of all) clearInterval(r.timer);
    await Promise.all(
      all.map(async (r) => {
        await r.busy;
        await r.reader.close().catch(() => {});
      }),
    );
  }

  /** After a source was created, changed or deleted: restart its polling from the stored row. */
  async reload(id: string) {
    const old = this.running.get(id);
    if (old) {
      this.running.delete(id);
      clearInterval(old.timer);
      await old.busy;
      await old.reader.close().catch(() => {});
    }
    const row = await this.ctx.store.db
      .selectFrom('energy_sources')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) {
      this.live.delete(id);
      return;
    }
    if (this.started) this.schedule(row);
  }

  private schedule(row: EnergySourcesTable) {
    if (!row.enabled) return;
    const r: Running = {
      row,
      reader: createReader(row.kind as never, JSON.parse(row.config_json), row.timeout_ms),
      timer: undefined,
      busy: undefined,
    };
    this.running.set(row.id, r);
    r.timer = setInterval(() => void this.pollOnce(row.id), row.interval_ms);
    r.timer.unref();
    void this.pollOnce(row.id);
  }

  /** Reads one source now (also used by tests); resolves when the reading is stored. */
  pollOnce(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return Promise.resolve();
    r.busy ??= this.poll(r).finally(() => {
      r.busy = undefined;
    });
    return r.busy;
  }

  private async poll(r: Running) {
    const { db } = this.ctx.store;
    const at = this.ctx.now();
    try {
      const { values, models } = await r.reader.read();
      if (this.running.get(r.row.id) !== r) return;
      const reading: EnergyReading = { at, ...values };
      this.live.set(r.row.id, { reading, ok: true, error: null });
      await db
        .insertInto('energy_readings')
        .values({
          source_id: r.row.id,
          ts: at,
          pv_w: values.pvW,
          grid_w: values.gridW,
          battery_w: values.batteryW,
          battery_soc: values.batterySoc,
          load_w: values.loadW,
          controlled_w: null,
        })
        .onConflict((oc) => oc.columns(['source_id', 'ts']).doNothing())
        .execute();
      const modelsJson = models ? JSON.stringify(models) : r.row.models_json;
      await db
        .updateTable('energy_sources')
        .set({ last_ok_at: at, models_json: modelsJson })
        .where('id', '=', r.row.id)
        .execute();
      r.row = { ...r.row, models_json: modelsJson, last_ok_at: at };
    } catch (err) {
      if (this.running.get(r.row.id) !== r) return;
      const message = (err as Error).message || String(err);
      const prev = this.live.get(r.row.id);
      this.live.set(r.row.id, { reading: prev?.reading ?? null, ok: false, error: message });
      if (prev?.error !== message || prev.ok !== false)
        this.ctx.log.warn({ source: r.row.name, err: message }, 'energy source failing');
      await db
        .updateTable('energy_sources')
        .set({ last_error: message.slice(0, 500), last_error_at: at })
        .where('id', '=', r.row.id)
        .execute()
        .catch(() => {});
    }
  }

  /** Prunes readings older than the retention. */
  async prune(retentionDays: number) {
    await this.ctx.store.db
      .deleteFrom('energy_readings')
      .where('ts', '<', this.ctx.now() - retentionDays * 86_400_000)
      .execute();
  }
}
