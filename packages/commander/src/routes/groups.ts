import { randomUUID } from 'node:crypto';
import {
  expectedPoolsRequestSchema,
  groupCreateSchema,
  groupMembersSchema,
  groupSchema,
  groupUpdateSchema,
  powerStateRequestSchema,
} from '@mrm/protocol';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import type { Database, DeviceGroupsTable } from '../db/schema.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { audit } from '../services/audit.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';

/**
 * Device groups: named sets of rigs and ASICs that schedules, the solar controller, bulk power
 * changes and the wallet guard act on as one.
 */
export function groupRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  const load = async (id: string) => {
    const g = await db.selectFrom('device_groups').selectAll().where('id', '=', id).executeTakeFirst();
    if (!g) throw notFound('group');
    return g;
  };
  const members = async (id: string) =>
    (
      await db.selectFrom('device_group_members').select('device_id').where('group_id', '=', id).execute()
    ).map((m) => m.device_id);
  const view = async (g: DeviceGroupsTable) => ({
    id: g.id,
    name: g.name,
    deviceIds: await members(g.id),
    expectedPools: g.expected_pools ? JSON.parse(g.expected_pools) : [],
    createdAt: g.created_at,
  });
  /** Every id must be a device; a typo is a clear 422, not a silent drop. */
  const setMembers = async (trx: Transaction<Database>, groupId: string, deviceIds: string[]) => {
    const unique = [...new Set(deviceIds)];
    const found = new Set<string>();
    for (let i = 0; i < unique.length; i += 500) {
      for (const r of await trx
        .selectFrom('devices')
        .select('id')
        .where('id', 'in', unique.slice(i, i + 500))
        .execute())
        found.add(r.id);
    }
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length)
      throw new ApiError(
        422,
        'unprocessable',
        `no such device: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''}`,
      );
    await trx.deleteFrom('device_group_members').where('group_id', '=', groupId).execute();
    for (let i = 0; i < unique.length; i += 500)
      await trx
        .insertInto('device_group_members')
        .values(unique.slice(i, i + 500).map((device_id) => ({ group_id: groupId, device_id })))
        .execute();
  };
  const nameTaken = async (name: string, except?: string) => {
    const g = await db.selectFrom('device_groups').select('id').where('name', '=', name).executeTakeFirst();
    return g !== undefined && g.id !== except;
  };

  app.get(
    '/api/v1/groups',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['groups'],
        summary: 'Device groups',
        response: { 200: z.object({ items: z.array(groupSchema) }) },
      },
    },
    async () => {
      const rows = await db.selectFrom('device_groups').selectAll().orderBy('name').execute();
      return { items: await Promise.all(rows.map(view)) };
    },
  );

  app.get(
    '/api/v1/groups/:id',
    {
      config: { access: 'viewer' },
      schema: { tags: ['groups'], params: idParams, response: { 200: groupSchema } },
    },
    async (request) => view(await load(request.params.id)),
  );

  app.post(
    '/api/v1/groups',
    {
      config: { access: 'operator' },
      schema: { tags: ['groups'], body: groupCreateSchema, response: { 201: groupSchema } },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const { name, deviceIds } = request.body;
      if (await nameTaken(name)) throw conflict(`a group named "${name}" exists`);
      const row = { id: randomUUID(), name, expected_pools: null, created_at: ctx.now() };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('device_groups').values(row).execute();
        await setMembers(trx, row.id, deviceIds);
        await audit(
          trx,
          p,
          { action: 'group.created', entityType: 'group', entityId: row.id, after: { name, deviceIds } },
          row.created_at,
        );
      });
      return reply.status(201).send(await view(row));
    },
  );

  app.patch(
    '/api/v1/groups/:id',
    {
      config: { access: 'operator' },
      schema: { tags: ['groups'], params: idParams, body: groupUpdateSchema, response: { 200: groupSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await load(request.params.id);
      if (await nameTaken(request.body.name, before.id))
        throw conflict(`a group named "${request.body.name}" exists`);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('device_groups')
          .set({ name: request.body.name })
          .where('id', '=', before.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: 'group.renamed',
            entityType: 'group',
            entityId: before.id,
            before: { name: before.name },
            after: { name: request.body.name },
          },
          ctx.now(),
        );
      });
      return view(await load(before.id));
    },
  );

  app.put(
    '/api/v1/groups/:id/devices',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['groups'],
        summary: "Replace a group's members",
        params: idParams,
        body: groupMembersSchema,
        response: { 200: groupSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const g = await load(request.params.id);
      const before = await members(g.id);
      await db.transaction().execute(async (trx) => {
        await setMembers(trx, g.id, request.body.deviceIds);
        await audit(
          trx,
          p,
          {
            action: 'group.members_set',
            entityType: 'group',
            entityId: g.id,
            before: { deviceIds: before },
            after: { deviceIds: request.body.deviceIds },
          },
          ctx.now(),
        );
      });
      return view(g);
    },
  );

  app.put(
    '/api/v1/groups/:id/power-state',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['groups'],
        summary: 'Set the expected power state of every ASIC in the group (rigs are left alone)',
        params: idParams,
        body: powerStateRequestSchema,
        response: { 200: z.object({ changed: z.number().int() }) },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const g = await load(request.params.id);
      const { state, powerTargetW } = request.body;
      const ids = await members(g.id);
      let changed = 0;
      const sentryIds = new Set<string>();
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < ids.length; i += 500) {
          const asics = await trx
            .selectFrom('devices')
            .select(['id', 'sentry_id'])
            .where('id', 'in', ids.slice(i, i + 500))
            .where('kind', '=', 'asic')
            .execute();
          if (!asics.length) continue;
          await trx
            .updateTable('devices')
            .set({
              power_state: state,
              ...(powerTargetW !== undefined ? { power_target_w: powerTargetW } : {}),
            })
            .where(
              'id',
              'in',
              asics.map((a) => a.id),
            )
            .execute();
          changed += asics.length;
          for (const a of asics) sentryIds.add(a.sentry_id);
        }
        await audit(
          trx,
          p,
          {
            action: 'group.power_state_set',
            entityType: 'group',
            entityId: g.id,
            after: { state, powerTargetW, asics: changed },
          },
          ctx.now(),
        );
      });
      await ctx.push.stateMayHaveChanged([...sentryIds]);
      return { changed };
    },
  );

  app.put(
    '/api/v1/groups/:id/expected-pools',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['groups'],
        summary: "Wallet guard: the pools/users the group's ASICs may use, unless they have their own",
        params: idParams,
        body: expectedPoolsRequestSchema,
        response: { 200: groupSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const g = await load(request.params.id);
      const pools = request.body.pools;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('device_groups')
          .set({ expected_pools: pools.length ? JSON.stringify(pools) : null })
          .where('id', '=', g.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: 'group.expected_pools_set',
            entityType: 'group',
            entityId: g.id,
            before: { pools: g.expected_pools ? JSON.parse(g.expected_pools) : [] },
            after: { pools },
            sensitive: true,
          },
          ctx.now(),
        );
      });
      return view(await load(g.id));
    },
  );

  app.delete(
    '/api/v1/groups/:id',
    {
      config: { access: 'operator' },
      schema: { tags: ['groups'], params: idParams, response: { 200: okSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const g = await load(request.params.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('device_group_members').where('group_id', '=', g.id).execute();
        await trx.deleteFrom('device_groups').where('id', '=', g.id).execute();
        await audit(
          trx,
          p,
          { action: 'group.deleted', entityType: 'group', entityId: g.id, before: { name: g.name } },
          ctx.now(),
        );
      });
      return { ok: true as const };
    },
  );
}
