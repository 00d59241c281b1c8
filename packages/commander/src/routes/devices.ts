import {
  type AsicPowerState,
  asicUpdateSchema,
  deviceListQuerySchema,
  deviceSchema,
  expectedPoolsRequestSchema,
  historyQuerySchema,
  historyResponseSchema,
  powerStateRequestSchema,
} from '@mrm/protocol';
import { sql } from 'kysely';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import { ApiError, notFound, unprocessable } from '../errors.js';
import { audit } from '../services/audit.js';
import { asicDetail, deviceView, groupsOf } from '../services/devices.js';
import { chooseResolution, readHistory } from '../services/history.js';
import { askSentry } from '../services/push-hub.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';
import { playbookView } from './playbooks.js';

/** How long a reboot waits for the sentry to say it sent the command. */
export const rebootTimeoutMs = 20_000;

export function deviceRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;
  const staleBefore = () => ctx.now() - ctx.config.sentryOfflineAfterMs;

  const loadWithSentry = async (id: string) => {
    const row = await db
      .selectFrom('devices')
      .innerJoin('sentries', 'sentries.id', 'devices.sentry_id')
      .selectAll('devices')
      .select([
        'sentries.last_seen_at as sentry_last_seen',
        'sentries.expected_pools as sentry_expected_pools',
      ])
      .where('devices.id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('device');
    return row;
  };

  /** One device with its groups and, for an ASIC, the detail fields. */
  const fullView = async (row: Awaited<ReturnType<typeof loadWithSentry>>) => {
    const groups = (await groupsOf(db, [row.id])).get(row.id) ?? [];
    const view = deviceView(row, row.sentry_last_seen, ctx.now(), ctx.config.sentryOfflineAfterMs, {
      sentryExpectedPools: row.sentry_expected_pools,
      groups,
    });
    if (row.kind === 'asic') return { ...view, ...asicDetail(row) };
    // A rig's power state: on runs its playbooks, sleep/off stops them (schedules, the solar controller).
    return {
      ...view,
      powerState: (row.power_state ?? 'on') as AsicPowerState,
      powerTargetW: row.power_target_w,
    };
  };

  app.get(
    '/api/v1/devices',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['devices'],
        summary: 'Every rig and ASIC with its latest state',
        querystring: deviceListQuerySchema,
        response: { 200: z.object({ items: z.array(deviceSchema), total: z.number().int() }) },
      },
    },
    async (request) => {
      const { kind, status, sentryId, q, alert, groupId, limit, offset } = request.query;
      let base = db.selectFrom('devices').innerJoin('sentries', 'sentries.id', 'devices.sentry_id');
      if (kind) base = base.where('devices.kind', '=', kind);
      if (alert === 'pool-mismatch') base = base.where('devices.pool_alert', 'is not', null);
      if (groupId)
        base = base.where('devices.id', 'in', (eb) =>
          eb.selectFrom('device_group_members').select('device_id').where('group_id', '=', groupId),
        );
      if (sentryId) base = base.where('devices.sentry_id', '=', sentryId);
      if (q) {
        const like = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        base = base.where((eb) =>
          eb.or([
            eb(eb.fn('lower', ['devices.name']), 'like', sql<string>`${like} escape '\\'`),
            eb(eb.fn('lower', ['devices.key']), 'like', sql<string>`${like} escape '\\'`),
          ]),
        );
      }
      // `unreachable` is derived from the sentry's silence, so filter on the same rule deviceView applies.
      if (status === 'unreachable') {
        base = base
          .where('devices.status', '!=', 'pending')
          .where('sentries.last_seen_at', '<', staleBefore());
      } else if (status === 'pending') {
        base = base.where('devices.status', '=', 'pending');
      } else if (status) {
        base = base
          .where('devices.status', '=', status)
          .where((eb) =>
            eb.or([
              eb('sentries.last_seen_at', 'is', null),
              eb('sentries.last_seen_at', '>=', staleBefore()),
            ]),
          );
      }
      const [{ total }] = (await base.select((eb) => eb.fn.countAll<number>().as('total')).execute()) as [
        { total: number },
      ];
      const rows = await base
        .selectAll('devices')
        .select([
          'sentries.last_seen_at as sentry_last_seen',
          'sentries.expected_pools as sentry_expected_pools',
        ])
        .orderBy('devices.name')
        .orderBy('devices.id')
        .limit(limit)
        .offset(offset)
        .execute();
      const now = ctx.now();
      const groups = await groupsOf(
        db,
        rows.map((r) => r.id),
      );
      return {
        items: rows.map((r) =>
          deviceView(r, r.sentry_last_seen, now, ctx.config.sentryOfflineAfterMs, {
            sentryExpectedPools: r.sentry_expected_pools,
            groups: groups.get(r.id) ?? [],
          }),
        ),
        total: Number(total),
      };
    },
  );

  app.get(
    '/api/v1/devices/:id',
    {
      config: { access: 'viewer' },
      schema: { tags: ['devices'], params: idParams, response: { 200: deviceSchema } },
    },
    async (request) => {
      const row = await loadWithSentry(request.params.id);
      const view = await fullView(row);
      if (row.kind !== 'rig') return view;
      const playbooks = await db
        .selectFrom('playbooks')
        .selectAll()
        .where('rig_id', '=', row.id)
        .orderBy('name')
        .execute();
      return { ...view, playbooks: playbooks.map(playbookView) };
    },
  );

  app.get(
    '/api/v1/devices/:id/history',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['devices'],
        summary: 'Time series of one metric',
        params: idParams,
        querystring: historyQuerySchema,
        response: { 200: historyResponseSchema },
      },
    },
    async (request) => {
      const { metric, from, to, resolution } = request.query;
      if (to < from) throw new ApiError(400, 'validation_failed', 'querystring.to: must not be before from');
      await loadWithSentry(request.params.id);
      const res = resolution === 'auto' ? chooseResolution(from, to, ctx.now(), ctx.config) : resolution;
      return {
        metric,
        resolution: res,
        points: await readHistory(db, request.params.id, metric, from, to, res),
      };
    },
  );

  /** Sets an ASIC's expected power state; it reaches the ASIC sentry through the desired state. */
  const setPowerState = async (
    request: { params: { id: string } },
    p: ReturnType<typeof requireUser>,
    state: AsicPowerState,
    powerTargetW: number | null | undefined,
  ) => {
    const before = await loadWithSentry(request.params.id);
    const now = ctx.now();
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('devices')
        .set({ power_state: state, ...(powerTargetW !== undefined ? { power_target_w: powerTargetW } : {}) })
        .where('id', '=', before.id)
        .execute();
      await audit(
        trx,
        p,
        {
          action: before.kind === 'asic' ? 'asic.power_state_set' : 'rig.power_state_set',
          entityType: 'device',
          entityId: before.id,
          before: { powerState: before.power_state, powerTargetW: before.power_target_w },
          after: {
            powerState: state,
            powerTargetW: powerTargetW === undefined ? before.power_target_w : powerTargetW,
          },
        },
        now,
      );
    });
    await ctx.push.stateMayHaveChanged([before.sentry_id]);
    return fullView(await loadWithSentry(before.id));
  };

  app.put(
    '/api/v1/devices/:id/power-state',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['asics'],
        summary:
          "Set an ASIC's expected power state: on, sleep (firmware sleep, else its relay) or off (relay, else sleep)",
        params: idParams,
        body: powerStateRequestSchema,
        response: { 200: deviceSchema },
      },
    },
    async (request) =>
      setPowerState(request, requireUser(request), request.body.state, request.body.powerTargetW),
  );

  app.put(
    '/api/v1/devices/:id/expected-pools',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['asics'],
        summary: "Wallet guard: the pools/users this ASIC may use (an empty list falls back to its sentry's)",
        params: idParams,
        body: expectedPoolsRequestSchema,
        response: { 200: deviceSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await loadWithSentry(request.params.id);
      if (before.kind !== 'asic')
        throw unprocessable('the wallet guard watches ASICs; rigs mine what their playbooks say');
      const pools = request.body.pools;
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('devices')
          // The verdict is recomputed from the next report against the new expectation.
          .set({ expected_pools: pools.length ? JSON.stringify(pools) : null, pool_alert: null })
          .where('id', '=', before.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: 'asic.expected_pools_set',
            entityType: 'device',
            entityId: before.id,
            before: { pools: before.expected_pools ? JSON.parse(before.expected_pools) : [] },
            after: { pools },
            sensitive: true,
          },
          now,
        );
      });
      return fullView(await loadWithSentry(before.id));
    },
  );

  app.post(
    '/api/v1/devices/:id/reboot',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['asics'],
        summary:
          'Reboot an ASIC through its firmware (where its capabilities list reboot); answered once its sentry has sent it',
        params: idParams,
        response: { 200: z.object({ ok: z.literal(true), message: z.string() }) },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const d = await loadWithSentry(request.params.id);
      if (d.kind !== 'asic')
        throw unprocessable('a rig reboots through its sentry: POST /api/v1/sentries/{id}/commands');
      const answer = await askSentry(
        ctx,
        d.sentry_id,
        'reboot-asic',
        { key: d.key },
        rebootTimeoutMs,
        "the ASIC's sentry is not connected, so it cannot reboot it now",
      );
      await audit(
        db,
        p,
        {
          action: 'asic.reboot',
          entityType: 'device',
          entityId: d.id,
          after: { ok: answer.ok, message: answer.output.slice(0, 300) },
        },
        ctx.now(),
      );
      if (!answer.ok) throw new ApiError(422, 'unprocessable', answer.output.slice(0, 500));
      return { ok: true as const, message: answer.output.slice(0, 500) };
    },
  );

  app.patch(
    '/api/v1/devices/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['asics'],
        summary: "Rename a device, or set an ASIC's expected power state (on, sleep, off)",
        params: idParams,
        body: asicUpdateSchema,
        response: { 200: deviceSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await loadWithSentry(request.params.id);
      const { name, powerState } = request.body;
      if (powerState && before.kind !== 'asic') throw unprocessable('power state applies to ASICs only');
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('devices')
          .set({ ...(name ? { name } : {}), ...(powerState ? { power_state: powerState } : {}) })
          .where('id', '=', before.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: powerState ? 'asic.power_state_set' : 'device.renamed',
            entityType: 'device',
            entityId: before.id,
            before: { name: before.name, powerState: before.power_state },
            after: { name: name ?? before.name, powerState: powerState ?? before.power_state },
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged([before.sentry_id]);
      return fullView(await loadWithSentry(before.id));
    },
  );

  app.delete(
    '/api/v1/devices/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['asics'],
        summary: 'Remove an ASIC from its sentry, with its history',
        params: idParams,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await loadWithSentry(request.params.id);
      if (before.kind !== 'asic')
        throw unprocessable('a rig goes away with its sentry; delete the sentry instead');
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        for (const table of [
          'telemetry_raw',
          'telemetry_5m',
          'telemetry_1h',
          'device_group_members',
        ] as const) {
          await trx.deleteFrom(table).where('device_id', '=', before.id).execute();
        }
        await trx.deleteFrom('devices').where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'asic.removed',
            entityType: 'device',
            entityId: before.id,
            before: { name: before.name, key: before.key, sentryId: before.sentry_id },
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged([before.sentry_id]);
      return { ok: true as const };
    },
  );
}
