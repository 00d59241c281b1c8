import { randomUUID } from 'node:crypto';
import {
  replayRequestSchema,
  replayResultSchema,
  solarDecisionQuerySchema,
  solarDecisionSchema,
  solarPrioritiesSchema,
  solarRuleCreateSchema,
  solarRuleSchema,
  solarRuleUpdateSchema,
  solarSettingsSchema,
  solarSettingsUpdateSchema,
  solarStatusSchema,
} from '@mrm/protocol';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import type { SolarRulesTable } from '../db/schema.js';
import { sourceView } from '../energy/sources.js';
import { ApiError, conflict, notFound, unprocessable } from '../errors.js';
import { audit } from '../services/audit.js';
import { type RuleUnit, readSolarSettings, writeSolarSettings } from '../solar/loop.js';
import { parseReplayCsv, type ReplaySample, type ReplayUnit, replay } from '../solar/replay.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';

const timerKeys = [
  'enableDelayS',
  'disableDelayS',
  'minOnS',
  'minOffS',
  'settleS',
  'maxSwitchesPerHour',
] as const;

/** The solar controller: settings, rules with priorities, status, decision log, replay. */
export function solarRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  const ruleView = (u: RuleUnit) => {
    const r = u.rule;
    const timers = JSON.parse(r.timers_json) as Record<string, number | null>;
    const st = ctx.solar.controllerState?.units.get(r.id);
    const max = r.reduced_w ? 2 : 1;
    return {
      id: r.id,
      targetType: r.target_type as 'device' | 'group',
      targetId: r.target_id,
      name: u.name,
      deviceIds: u.deviceIds,
      priority: r.priority,
      enabled: r.enabled === 1,
      powerW: r.power_w,
      standbyW: r.standby_w,
      offState: r.off_state as 'sleep' | 'off',
      onPowerTargetW: r.on_power_target_w,
      reducedPowerTargetW: r.reduced_power_target_w,
      reducedW: r.reduced_w,
      ...Object.fromEntries(timerKeys.map((k) => [k, timers[k] ?? null])),
      state: st
        ? {
            level: st.level,
            maxLevel: max,
            since: st.since,
            mode: st.mode,
            reason: st.reason,
            switchesLastHour: st.switches.filter((t) => t > ctx.now() - 3_600_000).length,
            measuredW: null,
          }
        : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    } as z.infer<typeof solarRuleSchema>;
  };
  const rules = async () => (await ctx.solar.ruleUnits()).sort((a, b) => b.rule.priority - a.rule.priority);
  const loadRule = async (id: string) => {
    const u = (await ctx.solar.ruleUnits()).find((x) => x.rule.id === id);
    if (!u) throw notFound('solar rule');
    return u;
  };

  app.get(
    '/api/v1/solar/settings',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['solar'],
        summary: 'Controller settings (every threshold, named)',
        response: { 200: solarSettingsSchema },
      },
    },
    async () => readSolarSettings(db),
  );

  app.put(
    '/api/v1/solar/settings',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['solar'],
        summary: 'Change controller settings (fields left out keep their value)',
        body: solarSettingsUpdateSchema,
        response: { 200: solarSettingsSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await readSolarSettings(db);
      const after = { ...before, ...request.body };
      if (after.sourceId) {
        const s = await db
          .selectFrom('energy_sources')
          .select('id')
          .where('id', '=', after.sourceId)
          .executeTakeFirst();
        if (!s) throw unprocessable('no such energy source');
      }
      await db.transaction().execute(async (trx) => {
        await writeSolarSettings(trx, after);
        await audit(
          trx,
          p,
          { action: 'solar.settings_set', entityType: 'solar', entityId: null, before, after },
          ctx.now(),
        );
      });
      ctx.solar.settingsChanged();
      return after;
    },
  );

  app.get(
    '/api/v1/solar/rules',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['solar'],
        summary: 'Devices and groups under solar control, highest priority first',
        response: { 200: z.object({ items: z.array(solarRuleSchema) }) },
      },
    },
    async () => ({ items: (await rules()).map(ruleView) }),
  );

  app.get(
    '/api/v1/solar/rules/:id',
    {
      config: { access: 'viewer' },
      schema: { tags: ['solar'], params: idParams, response: { 200: solarRuleSchema } },
    },
    async (request) => ruleView(await loadRule(request.params.id)),
  );

  app.post(
    '/api/v1/solar/rules',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['solar'],
        summary:
          'Put a device or group under solar control, with a priority (higher starts first, stops last)',
        body: solarRuleCreateSchema,
        response: { 201: solarRuleSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const b = request.body;
      const table = b.targetType === 'group' ? 'device_groups' : 'devices';
      const target = await db.selectFrom(table).select('id').where('id', '=', b.targetId).executeTakeFirst();
      if (!target) throw unprocessable(`no such ${b.targetType}`);
      const dup = await db
        .selectFrom('solar_rules')
        .select('id')
        .where('target_type', '=', b.targetType)
        .where('target_id', '=', b.targetId)
        .executeTakeFirst();
      if (dup) throw conflict(`this ${b.targetType} already has a solar rule`);
      const now = ctx.now();
      const row: SolarRulesTable = {
        id: randomUUID(),
        target_type: b.targetType,
        target_id: b.targetId,
        priority: b.priority,
        enabled: b.enabled ? 1 : 0,
        power_w: b.powerW,
        standby_w: b.standbyW,
        off_state: b.offState,
        on_power_target_w: b.onPowerTargetW,
        reduced_power_target_w: b.reducedPowerTargetW,
        reduced_w: b.reducedW,
        timers_json: JSON.stringify(Object.fromEntries(timerKeys.map((k) => [k, b[k] ?? null]))),
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('solar_rules').values(row).execute();
        await audit(
          trx,
          p,
          { action: 'solar.rule_created', entityType: 'solar_rule', entityId: row.id, after: b },
          now,
        );
      });
      return reply.status(201).send(ruleView(await loadRule(row.id)));
    },
  );

  app.patch(
    '/api/v1/solar/rules/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['solar'],
        params: idParams,
        body: solarRuleUpdateSchema,
        response: { 200: solarRuleSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const u = await loadRule(request.params.id);
      const b = request.body;
      const r = u.rule;
      const timers = { ...(JSON.parse(r.timers_json) as Record<string, number | null>) };
      for (const k of timerKeys) if (b[k] !== undefined) timers[k] = b[k] ?? null;
      const next = {
        priority: b.priority ?? r.priority,
        enabled: b.enabled === undefined ? r.enabled : b.enabled ? 1 : 0,
        power_w: b.powerW === undefined ? r.power_w : b.powerW,
        standby_w: b.standbyW ?? r.standby_w,
        off_state: b.offState ?? r.off_state,
        on_power_target_w: b.onPowerTargetW === undefined ? r.on_power_target_w : b.onPowerTargetW,
        reduced_power_target_w:
          b.reducedPowerTargetW === undefined ? r.reduced_power_target_w : b.reducedPowerTargetW,
        reduced_w: b.reducedW === undefined ? r.reduced_w : b.reducedW,
        timers_json: JSON.stringify(timers),
        updated_at: ctx.now(),
      };
      if ((next.reduced_w === null) !== (next.reduced_power_target_w === null))
        throw new ApiError(
          400,
          'validation_failed',
          'body.reducedW: reducedPowerTargetW and reducedW go together',
        );
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('solar_rules').set(next).where('id', '=', r.id).execute();
        await audit(
          trx,
          p,
          { action: 'solar.rule_updated', entityType: 'solar_rule', entityId: r.id, after: b },
          ctx.now(),
        );
      });
      return ruleView(await loadRule(r.id));
    },
  );

  app.put(
    '/api/v1/solar/priorities',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['solar'],
        summary:
          'Reorder: rule ids highest priority first (priorities become n … 1); rules not listed go below',
        body: solarPrioritiesSchema,
        response: { 200: z.object({ items: z.array(solarRuleSchema) }) },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const order = [...new Set(request.body.order)];
      const all = await rules();
      const known = new Set(all.map((u) => u.rule.id));
      const missing = order.filter((id) => !known.has(id));
      if (missing.length) throw unprocessable(`no such solar rule: ${missing.slice(0, 5).join(', ')}`);
      const rest = all.filter((u) => !order.includes(u.rule.id)).map((u) => u.rule.id);
      const full = [...order, ...rest];
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < full.length; i++)
          await trx
            .updateTable('solar_rules')
            .set({ priority: full.length - i, updated_at: ctx.now() })
            .where('id', '=', full[i]!)
            .execute();
        await audit(
          trx,
          p,
          { action: 'solar.priorities_set', entityType: 'solar', entityId: null, after: { order: full } },
          ctx.now(),
        );
      });
      return { items: (await rules()).map(ruleView) };
    },
  );

  app.delete(
    '/api/v1/solar/rules/:id',
    {
      config: { access: 'operator' },
      schema: { tags: ['solar'], params: idParams, response: { 200: okSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const u = await loadRule(request.params.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('solar_rules').where('id', '=', u.rule.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'solar.rule_deleted',
            entityType: 'solar_rule',
            entityId: u.rule.id,
            before: { name: u.name },
          },
          ctx.now(),
        );
      });
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/solar/status',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['solar'],
        summary: 'What the controller sees and holds now',
        response: { 200: solarStatusSchema },
      },
    },
    async () => {
      const s = await readSolarSettings(db);
      const sourceId = await ctx.solar.sourceIdFor(s);
      const row = sourceId
        ? await db.selectFrom('energy_sources').selectAll().where('id', '=', sourceId).executeTakeFirst()
        : undefined;
      const src = row ? sourceView(row, ctx.energy.latest(row.id)) : null;
      const st = ctx.solar.controllerState;
      const units = (await rules()).map(ruleView).map((r) => ({
        ...(r.state ?? {
          level: 0,
          maxLevel: r.reducedW ? 2 : 1,
          since: null,
          mode: 'auto' as const,
          reason: 'not ticked yet',
          switchesLastHour: 0,
          measuredW: null,
        }),
        ruleId: r.id,
        name: r.name,
        priority: r.priority,
      }));
      return {
        enabled: s.enabled,
        sourceId,
        source: src?.status ?? null,
        reading: src?.latest ?? null,
        surplusW: st?.site.surplusW ?? null,
        controlledW: st?.site.controlledW ?? null,
        fallbackActive: st?.site.fallbackActive ?? false,
        lastTickAt: st?.site.lastTickAt ?? null,
        units,
      };
    },
  );

  app.get(
    '/api/v1/solar/decisions',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['solar'],
        summary: 'The decision log, newest first: one sentence per decision',
        querystring: solarDecisionQuerySchema,
        response: { 200: z.object({ items: z.array(solarDecisionSchema) }) },
      },
    },
    async (request) => {
      const { from, to, ruleId, limit } = request.query;
      let q = db.selectFrom('solar_decisions').selectAll();
      if (from !== undefined) q = q.where('at', '>=', from);
      if (to !== undefined) q = q.where('at', '<=', to);
      if (ruleId) q = q.where('rule_id', '=', ruleId);
      const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return {
        items: rows.map((r) => ({
          id: Number(r.id),
          at: r.at,
          ruleId: r.rule_id,
          name: r.name,
          deviceIds: JSON.parse(r.device_ids_json),
          kind: r.kind as z.infer<typeof solarDecisionSchema>['kind'],
          fromLevel: r.from_level,
          toLevel: r.to_level,
          reason: r.reason,
          numbers: JSON.parse(r.numbers_json),
        })),
      };
    },
  );

  app.post(
    '/api/v1/solar/replay',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['solar'],
        summary:
          'Run the controller over a recorded day (history or CSV): energy on solar, import, switches per device',
        body: replayRequestSchema,
        response: { 200: replayResultSchema },
      },
    },
    async (request) => {
      const b = request.body;
      const settings = { ...(await readSolarSettings(db)), ...(b.settings ?? {}) };
      let samples: ReplaySample[];
      if (b.input.from === 'csv') {
        try {
          samples = parseReplayCsv(b.input.csv);
        } catch (err) {
          throw unprocessable((err as Error).message);
        }
      } else {
        const { start, end } = b.input;
        if (end <= start) throw new ApiError(400, 'validation_failed', 'body.input.end: must be after start');
        if (end - start > 8 * 86_400_000) throw unprocessable('replay at most 8 days at once');
        const sourceId = b.input.sourceId ?? (await ctx.solar.sourceIdFor(settings));
        if (!sourceId) throw unprocessable('name the energy source (sourceId)');
        const rows = await db
          .selectFrom('energy_readings')
          .selectAll()
          .where('source_id', '=', sourceId)
          .where('ts', '>=', start)
          .where('ts', '<=', end)
          .orderBy('ts')
          .execute();
        // The house without our devices: the site load minus what the controlled devices drew then.
        samples = rows
          .map((r) => {
            const load =
              r.load_w ?? (r.grid_w !== null ? (r.pv_w ?? 0) + r.grid_w + (r.battery_w ?? 0) : null);
            return load === null
              ? null
              : { at: r.ts, pvW: r.pv_w ?? 0, houseW: Math.max(0, load - (r.controlled_w ?? 0)) };
          })
          .filter((x): x is ReplaySample => x !== null);
      }
      if (samples.length < 2) throw unprocessable('not enough readings to replay (at least two)');
      let units: ReplayUnit[];
      if (b.rules) units = b.rules;
      else {
        units = (await ctx.solar.ruleUnits())
          .filter((u) => u.rule.enabled === 1 && u.rule.power_w !== null)
          .map((u) => {
            const t = JSON.parse(u.rule.timers_json) as Record<string, number | null>;
            return {
              id: u.rule.id,
              name: u.name,
              priority: u.rule.priority,
              powerW: u.rule.power_w!,
              standbyW: u.rule.standby_w,
              reducedW: u.rule.reduced_w,
              ...Object.fromEntries(timerKeys.map((k) => [k, t[k] ?? null])),
            };
          });
      }
      if (((samples.at(-1)!.at - samples[0]!.at) / (b.stepS * 1000)) * Math.max(1, units.length) > 50_000_000)
        throw unprocessable('too much to replay at once: fewer devices, a shorter range or a longer step');
      return replay({
        settings,
        units,
        samples,
        stepS: b.stepS,
        battery: b.battery,
        maxDecisions: b.maxDecisions,
      });
    },
  );
}
