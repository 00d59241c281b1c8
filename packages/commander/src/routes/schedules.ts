import { randomUUID } from 'node:crypto';
import { scheduleCreateSchema, scheduleSchema, scheduleUpdateSchema } from '@mrm/protocol';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import type { Database, SchedulesTable } from '../db/schema.js';
import { ApiError, notFound } from '../errors.js';
import { audit } from '../services/audit.js';
import { scheduleDef } from '../solar/loop.js';
import { windowOpen } from '../solar/schedules.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';

/** Every id must exist; a typo is a clear 422, not a silent drop. */
async function checkTargets(db: Kysely<Database>, deviceIds: string[], groupIds: string[]) {
  for (const [table, ids, what] of [
    ['devices', deviceIds, 'device'],
    ['device_groups', groupIds, 'group'],
  ] as const) {
    const unique = [...new Set(ids)];
    const found = new Set<string>();
    for (let i = 0; i < unique.length; i += 500)
      for (const r of await db
        .selectFrom(table)
        .select('id')
        .where('id', 'in', unique.slice(i, i + 500))
        .execute())
        found.add(r.id);
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length)
      throw new ApiError(422, 'unprocessable', `no such ${what}: ${missing.slice(0, 5).join(', ')}`);
  }
}

/** Schedules: time windows that set devices or groups to mine, sleep or stop (they win over solar). */
export function scheduleRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;
  const load = async (id: string) => {
    const r = await db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('schedule');
    return r;
  };
  const view = (r: SchedulesTable) => {
    const d = scheduleDef(r);
    return {
      ...d,
      activeNow: d.enabled && windowOpen(d, ctx.now()) !== null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  };
  const row = (
    b: z.infer<typeof scheduleCreateSchema>,
    id: string,
    created: number,
    now: number,
  ): SchedulesTable => ({
    id,
    name: b.name,
    enabled: b.enabled ? 1 : 0,
    days_json: JSON.stringify([...new Set(b.days)].sort()),
    start_hm: b.start,
    end_hm: b.end,
    time_zone: b.timeZone,
    action: b.action,
    outside_action: b.outsideAction,
    device_ids_json: JSON.stringify([...new Set(b.deviceIds)]),
    group_ids_json: JSON.stringify([...new Set(b.groupIds)]),
    created_at: created,
    updated_at: now,
  });

  app.get(
    '/api/v1/schedules',
    {
      config: { access: 'viewer' },
      schema: { tags: ['schedules'], response: { 200: z.object({ items: z.array(scheduleSchema) }) } },
    },
    async () => ({
      items: (await db.selectFrom('schedules').selectAll().orderBy('name').execute()).map(view),
    }),
  );

  app.get(
    '/api/v1/schedules/:id',
    {
      config: { access: 'viewer' },
      schema: { tags: ['schedules'], params: idParams, response: { 200: scheduleSchema } },
    },
    async (request) => view(await load(request.params.id)),
  );

  app.post(
    '/api/v1/schedules',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['schedules'],
        summary: 'Add a schedule: days (0 = Sunday), start/end HH:MM in timeZone, action on|sleep|off',
        body: scheduleCreateSchema,
        response: { 201: scheduleSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const b = request.body;
      await checkTargets(db, b.deviceIds, b.groupIds);
      const now = ctx.now();
      const r = row(b, randomUUID(), now, now);
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('schedules').values(r).execute();
        await audit(
          trx,
          p,
          { action: 'schedule.created', entityType: 'schedule', entityId: r.id, after: b },
          now,
        );
      });
      void ctx.solar.runOnce();
      return reply.status(201).send(view(r));
    },
  );

  app.patch(
    '/api/v1/schedules/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['schedules'],
        params: idParams,
        body: scheduleUpdateSchema,
        response: { 200: scheduleSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await load(request.params.id);
      const old = scheduleDef(before);
      const { id: _id, ...rest } = old;
      const merged = { ...rest, ...request.body };
      const checked = scheduleCreateSchema.safeParse(merged);
      if (!checked.success) {
        const i = checked.error.issues[0]!;
        throw new ApiError(400, 'validation_failed', `body.${i.path.join('.')}: ${i.message}`);
      }
      const parsed = checked.data;
      await checkTargets(db, parsed.deviceIds, parsed.groupIds);
      const now = ctx.now();
      const r = row(parsed, before.id, before.created_at, now);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('schedules').set(r).where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'schedule.updated',
            entityType: 'schedule',
            entityId: before.id,
            before: old,
            after: parsed,
          },
          now,
        );
      });
      void ctx.solar.runOnce();
      return view(r);
    },
  );

  app.delete(
    '/api/v1/schedules/:id',
    {
      config: { access: 'operator' },
      schema: { tags: ['schedules'], params: idParams, response: { 200: okSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await load(request.params.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('schedules').where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'schedule.deleted',
            entityType: 'schedule',
            entityId: before.id,
            before: scheduleDef(before),
          },
          ctx.now(),
        );
      });
      return { ok: true as const };
    },
  );
}
