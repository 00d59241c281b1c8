import { randomUUID } from 'node:crypto';
import {
  poolUrlProblem,
  type Template,
  templateInputSchema,
  templateSchema,
  templateUpdateSchema,
  walletProblem,
} from '@mrm/protocol';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import type { Database, TemplatesTable } from '../db/schema.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { audit } from '../services/audit.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';

async function usersOf(db: Kysely<Database>) {
  const rows = await db.selectFrom('playbooks').select(['id', 'name', 'rig_id', 'values_json']).execute();
  const byTemplate = new Map<string, Template['usedBy']>();
  for (const p of rows) {
    for (const id of new Set(Object.values(JSON.parse(p.values_json) as Record<string, string>))) {
      const list = byTemplate.get(id) ?? [];
      list.push({ playbookId: p.id, playbookName: p.name, rigId: p.rig_id });
      byTemplate.set(id, list);
    }
  }
  return byTemplate;
}

function templateView(t: TemplatesTable, usedBy: Template['usedBy']): Template {
  return {
    id: t.id,
    name: t.name,
    kind: t.type as Template['kind'],
    value: t.value,
    coin: t.coin,
    algorithm: t.algorithm,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    usedBy,
  };
}

/** Pool and wallet addresses, kept once and referenced by playbooks. Changes are audited as sensitive. */
export function templateRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;
  const auditView = (t: TemplatesTable) => ({
    name: t.name,
    type: t.type,
    value: t.value,
    coin: t.coin,
    algorithm: t.algorithm,
  });
  const load = async (id: string) => {
    const t = await db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
    if (!t) throw notFound('template');
    return t;
  };
  const nameTaken = async (type: string, name: string, exceptId?: string) => {
    let q = db.selectFrom('templates').select('id').where('type', '=', type).where('name', '=', name);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return !!(await q.executeTakeFirst());
  };

  app.get(
    '/api/v1/templates',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['templates'],
        querystring: z.object({ kind: z.enum(['pool', 'wallet']).optional() }),
        response: { 200: z.object({ items: z.array(templateSchema) }) },
      },
    },
    async (request) => {
      let q = db.selectFrom('templates').selectAll().orderBy('type').orderBy('name');
      if (request.query.kind) q = q.where('type', '=', request.query.kind);
      const [rows, used] = await Promise.all([q.execute(), usersOf(db)]);
      return { items: rows.map((t) => templateView(t, used.get(t.id) ?? [])) };
    },
  );

  app.get(
    '/api/v1/templates/:id',
    {
      config: { access: 'viewer' },
      schema: { tags: ['templates'], params: idParams, response: { 200: templateSchema } },
    },
    async (request) => {
      const t = await load(request.params.id);
      return templateView(t, (await usersOf(db)).get(t.id) ?? []);
    },
  );

  app.post(
    '/api/v1/templates',
    {
      config: { access: 'operator' },
      schema: { tags: ['templates'], body: templateInputSchema, response: { 201: templateSchema } },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const b = request.body;
      if (await nameTaken(b.kind, b.name))
        throw conflict(`a ${b.kind} template named "${b.name}" already exists`);
      const now = ctx.now();
      const row: TemplatesTable = {
        id: randomUUID(),
        name: b.name,
        type: b.kind,
        value: b.value,
        coin: b.coin || null,
        algorithm: b.algorithm || null,
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('templates').values(row).execute();
        await audit(
          trx,
          p,
          {
            action: 'template.created',
            entityType: 'template',
            entityId: row.id,
            after: auditView(row),
            sensitive: true,
          },
          now,
        );
      });
      return reply.status(201).send(templateView(row, []));
    },
  );

  app.patch(
    '/api/v1/templates/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['templates'],
        summary: 'Change a template; rigs using it receive the new value',
        params: idParams,
        body: templateUpdateSchema,
        response: { 200: templateSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await load(request.params.id);
      const b = request.body;
      if (b.value !== undefined) {
        const problem = before.type === 'pool' ? poolUrlProblem(b.value) : walletProblem(b.value);
        if (problem) throw new ApiError(400, 'validation_failed', `body.value: ${problem}`);
      }
      if (b.name !== undefined && (await nameTaken(before.type, b.name, before.id))) {
        throw conflict(`a ${before.type} template named "${b.name}" already exists`);
      }
      const now = ctx.now();
      const after: TemplatesTable = {
        ...before,
        name: b.name ?? before.name,
        value: b.value ?? before.value,
        coin: b.coin !== undefined ? b.coin || null : before.coin,
        algorithm: b.algorithm !== undefined ? b.algorithm || null : before.algorithm,
        updated_at: now,
      };
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('templates').set(after).where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'template.updated',
            entityType: 'template',
            entityId: before.id,
            before: auditView(before),
            after: auditView(after),
            sensitive: before.value !== after.value,
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged();
      return templateView(after, (await usersOf(db)).get(after.id) ?? []);
    },
  );

  app.delete(
    '/api/v1/templates/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['templates'],
        summary: 'Delete a template no playbook uses',
        params: idParams,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const before = await load(request.params.id);
      const used = (await usersOf(db)).get(before.id) ?? [];
      if (used.length) {
        throw new ApiError(
          409,
          'conflict',
          `template is used by ${used.length} playbook(s): ${used.map((u) => u.playbookName).join(', ')}`,
          { usedBy: used },
        );
      }
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('templates').where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'template.deleted',
            entityType: 'template',
            entityId: before.id,
            before: auditView(before),
            sensitive: true,
          },
          now,
        );
      });
      return { ok: true as const };
    },
  );
}
