import { randomUUID } from 'node:crypto';
import {
  asicCreateSchema,
  deviceSchema,
  expectedPoolsRequestSchema,
  type SentryKind,
  sentryCommandRequestSchema,
  sentryCommandSchema,
  sentryCreatedSchema,
  sentryCreateSchema,
  sentrySchema,
  sentryUpdateSchema,
} from '@mrm/protocol';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import { hashSecret, newSecret, secretPrefix } from '../auth/secrets.js';
import type { AppContext } from '../context.js';
import type { SentriesTable, SentryCommandsTable } from '../db/schema.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { audit } from '../services/audit.js';
import { asicKey, deviceView, sentryStatus } from '../services/devices.js';
import { askSentry } from '../services/push-hub.js';
import type { App } from './app-type.js';
import { installCommand } from './install.js';
import { idParams, okSchema } from './params.js';

/** Where sentries should reach this commander: the configured public URL, or what this request came in on. */
export function commanderUrl(ctx: AppContext, request: FastifyRequest): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/+$/, '');
  return `${request.protocol}://${request.host}`;
}

function commandView(c: SentryCommandsTable) {
  return {
    id: c.id,
    sentryId: c.sentry_id,
    command: c.command as 'reboot',
    args: JSON.parse(c.args_json) as Record<string, unknown>,
    status: c.status as 'sent',
    output: c.output,
    createdAt: c.created_at,
    finishedAt: c.finished_at,
  };
}

/** How long "add an ASIC" waits for the sentry's check (identification tries several makes). */
export const asicCheckTimeoutMs = 30_000;

/** What an ASIC sentry answers to check-asic (its AsicIdentity). */
const sentryIdentitySchema = z.object({
  type: z.string().max(32),
  make: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  firmware: z.string().max(200).optional(),
  firmwareVersion: z.string().max(200).optional(),
});

export function sentryRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  const view = async (s: SentriesTable) => {
    const rig =
      s.kind === 'rig'
        ? await db
            .selectFrom('devices')
            .select('id')
            .where('sentry_id', '=', s.id)
            .where('kind', '=', 'rig')
            .executeTakeFirst()
        : undefined;
    return {
      id: s.id,
      name: s.name,
      kind: s.kind as SentryKind,
      status: sentryStatus(s, ctx.now(), ctx.config.sentryOfflineAfterMs),
      tokenPrefix: s.token_prefix,
      createdAt: s.created_at,
      revokedAt: s.revoked_at,
      lastSeenAt: s.last_seen_at,
      version: s.version,
      hostname: s.hostname,
      connected: ctx.push.isConnected(s.id),
      rigId: rig?.id ?? null,
    };
  };
  /** What the audit log keeps of a sentry: never the token hash. */
  const auditView = (s: SentriesTable) => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    tokenPrefix: s.token_prefix,
    revokedAt: s.revoked_at,
  });
  const load = async (id: string) => {
    const s = await db.selectFrom('sentries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s) throw notFound('sentry');
    return s;
  };

  app.get(
    '/api/v1/sentries',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['sentries'],
        querystring: z.object({ kind: z.enum(['rig', 'asic']).optional() }),
        response: { 200: z.object({ items: z.array(sentrySchema) }) },
      },
    },
    async (request) => {
      let q = db.selectFrom('sentries').selectAll().orderBy('name');
      if (request.query.kind) q = q.where('kind', '=', request.query.kind);
      const rows = await q.execute();
      return { items: await Promise.all(rows.map(view)) };
    },
  );

  app.post(
    '/api/v1/sentries',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['sentries'],
        summary: 'Create a sentry; the answer holds its token, shown only once',
        body: sentryCreateSchema,
        response: { 201: sentryCreatedSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const now = ctx.now();
      const token = newSecret('snt');
      const row: SentriesTable = {
        id: randomUUID(),
        name: request.body.name,
        kind: request.body.kind,
        token_hash: hashSecret(token),
        token_prefix: secretPrefix(token),
        created_at: now,
        revoked_at: null,
        last_seen_at: null,
        version: null,
        hostname: null,
        last_seq: 0,
        state_revision: 0,
        state_hash: null,
        expected_pools: null,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('sentries').values(row).execute();
        if (row.kind === 'rig') {
          // A rig sentry watches exactly one machine, and the rig shares its id: scripts address
          // /api/v1/rigs/{sentryId}. It exists from the start, so playbooks can be prepared before enrolment.
          await trx
            .insertInto('devices')
            .values({
              id: row.id,
              sentry_id: row.id,
              kind: 'rig',
              key: 'rig',
              name: row.name,
              status: 'pending',
              make: null,
              model: null,
              firmware: null,
              algorithm: null,
              hashrate: null,
              power: null,
              temp_max: null,
              latest: null,
              last_seen: null,
              asic_type: null,
              asic_ip: null,
              asic_port: null,
              power_state: null,
              created_at: now,
            })
            .execute();
        }
        await audit(
          trx,
          p,
          { action: 'sentry.created', entityType: 'sentry', entityId: row.id, after: auditView(row) },
          now,
        );
      });
      return reply.status(201).send({
        id: row.id,
        name: row.name,
        kind: row.kind as SentryKind,
        token,
        commanderUrl: commanderUrl(ctx, request),
        installCommand: installCommand(row.kind as 'rig' | 'asic', commanderUrl(ctx, request), token),
      });
    },
  );

  app.get(
    '/api/v1/sentries/:id',
    {
      config: { access: 'viewer' },
      schema: { tags: ['sentries'], params: idParams, response: { 200: sentrySchema } },
    },
    async (request) => view(await load(request.params.id)),
  );

  app.patch(
    '/api/v1/sentries/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['sentries'],
        summary: 'Rename a sentry',
        params: idParams,
        body: sentryUpdateSchema,
        response: { 200: sentrySchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const now = ctx.now();
      const before = await load(request.params.id);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sentries')
          .set({ name: request.body.name })
          .where('id', '=', before.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: 'sentry.renamed',
            entityType: 'sentry',
            entityId: before.id,
            before: auditView(before),
            after: { ...auditView(before), name: request.body.name },
          },
          now,
        );
      });
      return view(await load(before.id));
    },
  );

  app.post(
    '/api/v1/sentries/:id/rotate',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['sentries'],
        summary: 'Issue a new token; the old one stops working at once',
        params: idParams,
        response: { 200: sentryCreatedSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const now = ctx.now();
      const before = await load(request.params.id);
      const token = newSecret('snt');
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sentries')
          .set({ token_hash: hashSecret(token), token_prefix: secretPrefix(token), revoked_at: null })
          .where('id', '=', before.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: 'sentry.token_rotated',
            entityType: 'sentry',
            entityId: before.id,
            before: auditView(before),
            after: { ...auditView(before), tokenPrefix: secretPrefix(token), revokedAt: null },
          },
          now,
        );
      });
      ctx.push.closeSentry(before.id, 'token rotated');
      return {
        id: before.id,
        name: before.name,
        kind: before.kind as SentryKind,
        token,
        commanderUrl: commanderUrl(ctx, request),
        installCommand: installCommand(before.kind as 'rig' | 'asic', commanderUrl(ctx, request), token),
      };
    },
  );

  app.post(
    '/api/v1/sentries/:id/revoke',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['sentries'],
        summary: 'Revoke the token; the sentry is refused until rotated',
        params: idParams,
        response: { 200: sentrySchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const now = ctx.now();
      const before = await load(request.params.id);
      if (before.revoked_at !== null) throw conflict('sentry is already revoked');
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('sentries').set({ revoked_at: now }).where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'sentry.revoked',
            entityType: 'sentry',
            entityId: before.id,
            before: auditView(before),
            after: { ...auditView(before), revokedAt: now },
          },
          now,
        );
      });
      ctx.push.closeSentry(before.id, 'token revoked');
      return view(await load(before.id));
    },
  );

  app.delete(
    '/api/v1/sentries/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['sentries'],
        summary: 'Delete a sentry with its devices, playbooks and history',
        params: idParams,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const now = ctx.now();
      const before = await load(request.params.id);
      await db.transaction().execute(async (trx) => {
        const deviceIds = (
          await trx.selectFrom('devices').select('id').where('sentry_id', '=', before.id).execute()
        ).map((d) => d.id);
        if (deviceIds.length) {
          for (const table of [
            'telemetry_raw',
            'telemetry_5m',
            'telemetry_1h',
            'device_group_members',
          ] as const) {
            await trx.deleteFrom(table).where('device_id', 'in', deviceIds).execute();
          }
          await trx.deleteFrom('playbooks').where('rig_id', 'in', deviceIds).execute();
          await trx.deleteFrom('devices').where('sentry_id', '=', before.id).execute();
        }
        await trx.deleteFrom('sentry_commands').where('sentry_id', '=', before.id).execute();
        await trx.deleteFrom('sentries').where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          { action: 'sentry.deleted', entityType: 'sentry', entityId: before.id, before: auditView(before) },
          now,
        );
      });
      ctx.push.closeSentry(before.id, 'sentry deleted');
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/sentries/:id/commands',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['sentries'],
        summary: 'Send a command (restart-playbook, reboot, fetch-logs) to a connected sentry',
        params: idParams,
        body: sentryCommandRequestSchema,
        response: { 202: sentryCommandSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const sentry = await load(request.params.id);
      if (sentry.revoked_at !== null) throw conflict('sentry is revoked');
      if (!ctx.push.isConnected(sentry.id))
        throw conflict('sentry is not connected to this commander right now; try again when it is online');
      const now = ctx.now();
      const row: SentryCommandsTable = {
        id: randomUUID(),
        sentry_id: sentry.id,
        command: request.body.command,
        args_json: JSON.stringify(request.body.args),
        status: 'sent',
        output: null,
        created_by: p.username,
        created_at: now,
        finished_at: null,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('sentry_commands').values(row).execute();
        await audit(
          trx,
          p,
          {
            action: `sentry.command.${row.command}`,
            entityType: 'sentry',
            entityId: sentry.id,
            after: { commandId: row.id, args: request.body.args },
          },
          now,
        );
      });
      ctx.push.sendCommand(sentry.id, request.body.command, request.body.args, row.id);
      return reply.status(202).send(commandView(row));
    },
  );

  app.get(
    '/api/v1/sentries/:id/commands',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['sentries'],
        params: idParams,
        response: { 200: z.object({ items: z.array(sentryCommandSchema) }) },
      },
    },
    async (request) => {
      await load(request.params.id);
      const rows = await db
        .selectFrom('sentry_commands')
        .selectAll()
        .where('sentry_id', '=', request.params.id)
        .orderBy('created_at', 'desc')
        .limit(100)
        .execute();
      return { items: rows.map(commandView) };
    },
  );

  app.put(
    '/api/v1/sentries/:id/expected-pools',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['asics'],
        summary:
          'Wallet guard for a group: the pools/users every ASIC of this sentry may use, unless it has its own',
        params: idParams,
        body: expectedPoolsRequestSchema,
        response: { 200: z.object({ sentryId: z.string(), pools: expectedPoolsRequestSchema.shape.pools }) },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const sentry = await load(request.params.id);
      if (sentry.kind !== 'asic')
        throw new ApiError(422, 'unprocessable', 'the wallet guard watches ASIC sentries');
      const pools = request.body.pools;
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sentries')
          .set({ expected_pools: pools.length ? JSON.stringify(pools) : null })
          .where('id', '=', sentry.id)
          .execute();
        // Verdicts are recomputed from the next reports against the new expectation.
        await trx
          .updateTable('devices')
          .set({ pool_alert: null })
          .where('sentry_id', '=', sentry.id)
          .execute();
        await audit(
          trx,
          p,
          {
            action: 'sentry.expected_pools_set',
            entityType: 'sentry',
            entityId: sentry.id,
            before: { pools: sentry.expected_pools ? JSON.parse(sentry.expected_pools) : [] },
            after: { pools },
            sensitive: true,
          },
          now,
        );
      });
      return { sentryId: sentry.id, pools };
    },
  );

  app.post(
    '/api/v1/sentries/:id/asics',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['asics'],
        summary: 'Add an ASIC to an ASIC sentry; it reaches the sentry through its desired state',
        params: idParams,
        body: asicCreateSchema,
        response: { 201: deviceSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const sentry = await load(request.params.id);
      if (sentry.kind !== 'asic')
        throw new ApiError(422, 'unprocessable', 'ASICs can only be added to an ASIC sentry');
      const { ip, port, type, check } = request.body;
      const key = asicKey(ip, port);
      const exists = await db
        .selectFrom('devices')
        .select('id')
        .where('sentry_id', '=', sentry.id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (exists) throw conflict(`this sentry already watches an ASIC at ${key}`);
      // The sentry checks that the ASIC answers and is of this type before anything is saved.
      let identity: {
        type: string;
        make?: string;
        model?: string;
        firmware?: string;
        firmwareVersion?: string;
      } | null = null;
      if (check) {
        const answer = await askSentry(
          ctx,
          sentry.id,
          'check-asic',
          { ip, type, ...(port ? { port } : {}) },
          asicCheckTimeoutMs,
          'the ASIC sentry is not connected, so it cannot check the ASIC; try again when it is online, or add it with "check": false',
        );
        if (!answer.ok)
          throw new ApiError(
            422,
            'asic_check_failed',
            `the sentry checked ${key}: ${answer.output.slice(0, 500)}`,
          );
        let parsed: unknown;
        try {
          parsed = JSON.parse(answer.output);
        } catch {
          parsed = undefined;
        }
        // Peer data: checked like any request body before it reaches the database.
        const checked = sentryIdentitySchema.safeParse(parsed);
        if (checked.success) identity = checked.data;
        else {
          throw new ApiError(
            502,
            'bad_sentry_answer',
            'the sentry answered the check with something that is not an identity',
          );
        }
      }
      const now = ctx.now();
      const row = {
        id: randomUUID(),
        sentry_id: sentry.id,
        kind: 'asic',
        key,
        name: request.body.name ?? key,
        status: 'pending',
        make: identity?.make?.slice(0, 64) ?? null,
        model: identity?.model?.slice(0, 128) ?? null,
        firmware: identity
          ? [identity.firmware, identity.firmwareVersion].filter(Boolean).join(' ').slice(0, 128) || null
          : null,
        algorithm: null,
        hashrate: null,
        power: null,
        temp_max: null,
        latest: null,
        last_seen: null,
        asic_type: identity?.type && /^[a-z0-9-]{1,32}$/.test(identity.type) ? identity.type : type,
        asic_ip: ip,
        asic_port: port ?? null,
        power_state: 'on',
        expected_pools: null,
        pool_alert: null,
        power_target_w: null,
        created_at: now,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('devices').values(row).execute();
        await audit(
          trx,
          p,
          {
            action: 'asic.added',
            entityType: 'device',
            entityId: row.id,
            after: {
              sentryId: sentry.id,
              type: row.asic_type,
              ip,
              port: port ?? null,
              name: row.name,
              checked: check,
            },
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged([sentry.id]);
      return reply.status(201).send(
        deviceView(row, sentry.last_seen_at, now, ctx.config.sentryOfflineAfterMs, {
          sentryExpectedPools: sentry.expected_pools,
        }),
      );
    },
  );
}
