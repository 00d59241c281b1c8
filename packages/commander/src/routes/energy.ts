import { randomUUID } from 'node:crypto';
import {
  type EnergySourceKind,
  energyHistoryQuerySchema,
  energyHistorySchema,
  energySourceCreateSchema,
  energySourceSchema,
  energySourceUpdateSchema,
  energyTestResultSchema,
  froniusConfigSchema,
  httpConfigSchema,
  mqttConfigSchema,
  SECRET_MASK,
  sunspecConfigSchema,
} from '@mrm/protocol';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import type { EnergySourcesTable } from '../db/schema.js';
import {
  configKeys,
  createReader,
  DEFAULT_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  maskConfig,
  pickConfig,
  secretKeys,
  sourceView,
} from '../energy/sources.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { audit } from '../services/audit.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';

const kindSchemas = {
  sunspec: sunspecConfigSchema,
  fronius: froniusConfigSchema,
  mqtt: mqttConfigSchema,
  http: httpConfigSchema,
} as const;

/** Energy sources: CRUD, test connection, latest values and history. */
export function energyRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  const load = async (id: string) => {
    const row = await db.selectFrom('energy_sources').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('energy source');
    return row;
  };
  const view = (row: EnergySourcesTable) => sourceView(row, ctx.energy.latest(row.id));
  const nameTaken = async (name: string, except?: string) => {
    const r = await db.selectFrom('energy_sources').select('id').where('name', '=', name).executeTakeFirst();
    return r !== undefined && r.id !== except;
  };
  /** Validates a kind's config (after a merge) with the kind's schema; a 400 names the field. */
  const validConfig = (kind: EnergySourceKind, cfg: Record<string, unknown>) => {
    const r = kindSchemas[kind].safeParse(cfg);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new ApiError(400, 'validation_failed', `body.${i.path.join('.')}: ${i.message}`);
    }
    if (kind === 'mqtt' || kind === 'http') {
      const fields = (r.data as unknown as { fields: Record<string, unknown> }).fields;
      if (!Object.values(fields).some(Boolean))
        throw new ApiError(400, 'validation_failed', 'body.fields: map at least one value (pvW, gridW, …)');
    }
    return r.data as Record<string, unknown>;
  };

  app.get(
    '/api/v1/energy-sources',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['energy'],
        summary: 'Energy sources with their status and latest values',
        response: { 200: z.object({ items: z.array(energySourceSchema) }) },
      },
    },
    async () => {
      const rows = await db.selectFrom('energy_sources').selectAll().orderBy('name').execute();
      return { items: rows.map(view) };
    },
  );

  app.get(
    '/api/v1/energy-sources/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['energy'],
        summary:
          'One energy source: latest {at, pvW, gridW, batteryW, batterySoc, loadW}, status, SunSpec models',
        params: idParams,
        response: { 200: energySourceSchema },
      },
    },
    async (request) => view(await load(request.params.id)),
  );

  app.post(
    '/api/v1/energy-sources',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['energy'],
        summary:
          'Add an energy source: sunspec {host, port, unitId}, fronius {url}, mqtt {url, fields}, http {url, fields}',
        body: energySourceCreateSchema,
        response: { 201: energySourceSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const body = request.body as Record<string, unknown> & { kind: EnergySourceKind; name: string };
      if (await nameTaken(body.name)) throw conflict(`an energy source named "${body.name}" exists`);
      const cfg = validConfig(body.kind, pickConfig(body.kind, body));
      const now = ctx.now();
      const row: EnergySourcesTable = {
        id: randomUUID(),
        name: body.name,
        kind: body.kind,
        enabled: body.enabled === false ? 0 : 1,
        interval_ms: (body.intervalMs as number | undefined) ?? DEFAULT_INTERVAL_MS,
        timeout_ms: (body.timeoutMs as number | undefined) ?? DEFAULT_TIMEOUT_MS,
        config_json: JSON.stringify(cfg),
        models_json: null,
        last_ok_at: null,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('energy_sources').values(row).execute();
        await audit(
          trx,
          p,
          {
            action: 'energy_source.created',
            entityType: 'energy_source',
            entityId: row.id,
            after: { name: row.name, kind: row.kind, config: maskConfig(cfg) },
          },
          now,
        );
      });
      await ctx.energy.reload(row.id);
      return reply.status(201).send(view(row));
    },
  );

  app.patch(
    '/api/v1/energy-sources/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['energy'],
        summary: 'Change an energy source (a secret left out or sent back masked is kept)',
        params: idParams,
        body: energySourceUpdateSchema,
        response: { 200: energySourceSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await load(request.params.id);
      const kind = before.kind as EnergySourceKind;
      const body = request.body as Record<string, unknown>;
      const foreign = Object.keys(body).filter(
        (k) => !['name', 'enabled', 'intervalMs', 'timeoutMs'].includes(k) && !configKeys[kind].includes(k),
      );
      if (foreign.length)
        throw new ApiError(400, 'validation_failed', `body.${foreign[0]}: not a setting of a ${kind} source`);
      if (typeof body.name === 'string' && (await nameTaken(body.name, before.id)))
        throw conflict(`an energy source named "${body.name}" exists`);
      const old = JSON.parse(before.config_json) as Record<string, unknown>;
      const patch = pickConfig(kind, body);
      for (const k of secretKeys) if (patch[k] === SECRET_MASK) delete patch[k];
      const cfg = validConfig(kind, { ...old, ...patch });
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('energy_sources')
          .set({
            ...(typeof body.name === 'string' ? { name: body.name } : {}),
            ...(typeof body.enabled === 'boolean' ? { enabled: body.enabled ? 1 : 0 } : {}),
            ...(typeof body.intervalMs === 'number' ? { interval_ms: body.intervalMs } : {}),
            ...(typeof body.timeoutMs === 'number' ? { timeout_ms: body.timeoutMs } : {}),
            config_json: JSON.stringify(cfg),
            updated_at: now,
          })
          .where('id', '=', before.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: 'energy_source.updated',
            entityType: 'energy_source',
            entityId: before.id,
            before: { name: before.name, enabled: before.enabled === 1, config: maskConfig(old) },
            after: {
              name: body.name ?? before.name,
              enabled: body.enabled ?? before.enabled === 1,
              config: maskConfig(cfg),
            },
          },
          now,
        );
      });
      await ctx.energy.reload(before.id);
      return view(await load(before.id));
    },
  );

  app.delete(
    '/api/v1/energy-sources/:id',
    {
      config: { access: 'operator' },
      schema: { tags: ['energy'], params: idParams, response: { 200: okSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await load(request.params.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('energy_readings').where('source_id', '=', before.id).execute();
        await trx.deleteFrom('energy_sources').where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'energy_source.deleted',
            entityType: 'energy_source',
            entityId: before.id,
            before: { name: before.name, kind: before.kind },
          },
          ctx.now(),
        );
      });
      await ctx.energy.reload(before.id);
      return { ok: true as const };
    },
  );

  const test = async (kind: EnergySourceKind, cfg: Record<string, unknown>, timeoutMs: number) => {
    const reader = createReader(kind, cfg, timeoutMs);
    const t0 = performance.now();
    try {
      const r = await reader.read();
      return {
        ok: true,
        error: null,
        values: r.values,
        ...(r.models ? { models: r.models } : {}),
        ms: Math.round(performance.now() - t0),
      };
    } catch (err) {
      return {
        ok: false,
        error: (err as Error).message,
        values: null,
        ms: Math.round(performance.now() - t0),
      };
    } finally {
      await reader.close().catch(() => {});
    }
  };

  app.post(
    '/api/v1/energy-sources/test',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['energy'],
        summary: 'Test connection: read a source that is not saved yet, once',
        body: energySourceCreateSchema,
        response: { 200: energyTestResultSchema },
      },
    },
    async (request) => {
      const body = request.body as Record<string, unknown> & { kind: EnergySourceKind };
      const cfg = validConfig(body.kind, pickConfig(body.kind, body));
      return test(body.kind, cfg, (body.timeoutMs as number | undefined) ?? DEFAULT_TIMEOUT_MS);
    },
  );

  app.post(
    '/api/v1/energy-sources/:id/test',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['energy'],
        summary: 'Test connection: read a saved source once, now',
        params: idParams,
        response: { 200: energyTestResultSchema },
      },
    },
    async (request) => {
      const row = await load(request.params.id);
      return test(row.kind as EnergySourceKind, JSON.parse(row.config_json), row.timeout_ms);
    },
  );

  app.get(
    '/api/v1/energy-sources/:id/history',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['energy'],
        summary: 'Readings between from and to (epoch ms), raw or averaged per stepMs',
        params: idParams,
        querystring: energyHistoryQuerySchema,
        response: { 200: energyHistorySchema },
      },
    },
    async (request) => {
      const { from, to, stepMs } = request.query;
      if (to < from) throw new ApiError(400, 'validation_failed', 'querystring.to: must not be before from');
      await load(request.params.id);
      const rows = await db
        .selectFrom('energy_readings')
        .selectAll()
        .where('source_id', '=', request.params.id)
        .where('ts', '>=', from)
        .where('ts', '<=', to)
        // The newest readings first, so a range longer than the cap keeps its recent end.
        .orderBy('ts', 'desc')
        .limit(200_000)
        .execute();
      rows.reverse();
      const point = (r: (typeof rows)[number]) => ({
        at: r.ts,
        pvW: r.pv_w,
        gridW: r.grid_w,
        batteryW: r.battery_w,
        batterySoc: r.battery_soc,
        loadW: r.load_w,
        controlledW: r.controlled_w,
      });
      if (!stepMs) return { stepMs: 0, points: rows.slice(-20_000).map(point) };
      const buckets = new Map<number, { n: Record<string, number>; sum: Record<string, number> }>();
      const keys = ['pvW', 'gridW', 'batteryW', 'batterySoc', 'loadW', 'controlledW'] as const;
      for (const r of rows) {
        const at = r.ts - (r.ts % stepMs);
        let b = buckets.get(at);
        if (!b) {
          b = { n: {}, sum: {} };
          buckets.set(at, b);
        }
        const p = point(r);
        for (const k of keys) {
          const v = p[k];
          if (v === null) continue;
          b.n[k] = (b.n[k] ?? 0) + 1;
          b.sum[k] = (b.sum[k] ?? 0) + v;
        }
      }
      const points = [...buckets].map(([at, b]) => {
        const avg = (k: (typeof keys)[number]) =>
          b.n[k] ? Math.round((b.sum[k]! / b.n[k]!) * 10) / 10 : null;
        return {
          at,
          pvW: avg('pvW'),
          gridW: avg('gridW'),
          batteryW: avg('batteryW'),
          batterySoc: avg('batterySoc'),
          loadW: avg('loadW'),
          controlledW: avg('controlledW'),
        };
      });
      return { stepMs, points: points.slice(-20_000) };
    },
  );
}
