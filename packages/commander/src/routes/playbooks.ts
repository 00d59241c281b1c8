import { randomUUID } from 'node:crypto';
import {
  catalogue,
  findSoftware,
  limits,
  type Playbook,
  type PlaybookTemplates,
  placeholdersIn,
  playbookInputSchema,
  playbookSchema,
  playbookUpdateSchema,
  poolPlaceholders,
  type SoftwareRef,
  type TemplatePlaceholder,
  templatePlaceholders,
} from '@mrm/protocol';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import type { Database, PlaybooksTable } from '../db/schema.js';
import { ApiError, conflict, notFound, unprocessable } from '../errors.js';
import { audit } from '../services/audit.js';
import { resolveSoftware } from '../services/software.js';
import type { App } from './app-type.js';
import { idParams, okSchema, rigPlaybookParams } from './params.js';

/** Local API ports the commander hands out to a rig's miners, one per playbook. */
export const API_PORT_RANGE = { first: 42001, last: 42099 } as const;

/** Stored as {CPU_POOL: id}; the API speaks {"$CPU_POOL": id}, as placeholders appear in scripts. */
type StoredValues = Partial<Record<TemplatePlaceholder, string>>;
const fromApi = (t: PlaybookTemplates): StoredValues =>
  Object.fromEntries(
    Object.entries(t)
      .filter(([, id]) => id)
      .map(([k, id]) => [k.slice(1), id]),
  ) as StoredValues;
const toApi = (v: StoredValues): Record<string, string> =>
  Object.fromEntries(Object.entries(v).map(([k, id]) => [`$${k}`, id as string]));

export function playbookView(p: PlaybooksTable): Playbook {
  return {
    id: p.id,
    rigId: p.rig_id,
    name: p.name,
    software: { name: p.software_name, version: p.software_version },
    script: p.script,
    templates: toApi(JSON.parse(p.values_json) as StoredValues),
    workerName: p.worker_name,
    apiPort: p.api_port,
    gpuPowerLimitW: p.gpu_power_limit_w,
    enabled: p.enabled === 1,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
  };
}

async function checkSoftware(db: Kysely<Database>, s: SoftwareRef) {
  if (await resolveSoftware(db, s.name, s.version)) return;
  const entry = findSoftware(s.name);
  const custom = await db.selectFrom('software').select('version').where('name', '=', s.name).execute();
  if (!entry && !custom.length) {
    const known = catalogue.map((e) => e.name).join(', ');
    throw unprocessable(
      `software.name: unknown mining software "${s.name}" (known: ${known}; add others with POST /api/v1/software)`,
    );
  }
  const versions = [...new Set([...(entry?.versions ?? []), ...custom.map((c) => c.version)])];
  throw unprocessable(
    `software.version: ${entry?.displayName ?? s.name} has no version "${s.version}" (known: ${versions.join(', ')})`,
  );
}

/**
 * Every pool/wallet placeholder the script uses needs a template of the matching type, and every
 * value given must be used by the script (a stray value is usually a typo the operator should see).
 */
async function checkValues(db: Kysely<Database>, script: string, values: StoredValues) {
  const used = new Set(placeholdersIn(script));
  const problems: string[] = [];
  for (const ph of templatePlaceholders) {
    const id = values[ph];
    if (used.has(ph) && !id)
      problems.push(`templates.$${ph}: the script uses $${ph}; choose a template for it`);
    if (!used.has(ph) && id) problems.push(`templates.$${ph}: the script does not use $${ph}`);
  }
  const ids = Object.values(values).filter((v): v is string => !!v);
  const found = ids.length
    ? await db.selectFrom('templates').select(['id', 'type', 'name']).where('id', 'in', ids).execute()
    : [];
  const byId = new Map(found.map((t) => [t.id, t]));
  for (const ph of templatePlaceholders) {
    const id = values[ph];
    if (!id) continue;
    const t = byId.get(id);
    const want = (poolPlaceholders as readonly string[]).includes(ph) ? 'pool' : 'wallet';
    if (!t) problems.push(`templates.$${ph}: no template with id ${id}`);
    else if (t.type !== want)
      problems.push(`templates.$${ph}: template "${t.name}" is a ${t.type} template; $${ph} needs a ${want}`);
  }
  if (problems.length) throw new ApiError(422, 'unprocessable', problems[0]!, { problems });
}

export function playbookRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;
  const loadRig = async (id: string) => {
    const rig = await db
      .selectFrom('devices')
      .select(['id', 'sentry_id', 'name'])
      .where('id', '=', id)
      .where('kind', '=', 'rig')
      .executeTakeFirst();
    if (!rig) throw notFound('rig');
    return rig;
  };
  const loadPlaybook = async (rigId: string, id: string) => {
    const p = await db
      .selectFrom('playbooks')
      .selectAll()
      .where('id', '=', id)
      .where('rig_id', '=', rigId)
      .executeTakeFirst();
    if (!p) throw notFound('playbook');
    return p;
  };
  const auditView = (p: PlaybooksTable) => {
    const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = playbookView(p);
    return rest;
  };
  const nameTaken = async (rigId: string, name: string, exceptId?: string) => {
    let q = db.selectFrom('playbooks').select('id').where('rig_id', '=', rigId).where('name', '=', name);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return !!(await q.executeTakeFirst());
  };

  app.get(
    '/api/v1/rigs/:id/playbooks',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['playbooks'],
        params: idParams,
        response: { 200: z.object({ items: z.array(playbookSchema) }) },
      },
    },
    async (request) => {
      const rig = await loadRig(request.params.id);
      const rows = await db
        .selectFrom('playbooks')
        .selectAll()
        .where('rig_id', '=', rig.id)
        .orderBy('name')
        .execute();
      return { items: rows.map(playbookView) };
    },
  );

  app.get(
    '/api/v1/rigs/:id/playbooks/:playbookId',
    {
      config: { access: 'viewer' },
      schema: { tags: ['playbooks'], params: rigPlaybookParams, response: { 200: playbookSchema } },
    },
    async (request) =>
      playbookView(await loadPlaybook((await loadRig(request.params.id)).id, request.params.playbookId)),
  );

  app.post(
    '/api/v1/rigs/:id/playbooks',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['playbooks'],
        summary: 'Add a playbook to a rig; the rig applies it through its desired state',
        params: idParams,
        body: playbookInputSchema,
        response: { 201: playbookSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const rig = await loadRig(request.params.id);
      const b = request.body;
      await checkSoftware(db, b.software);
      const values = fromApi(b.templates);
      await checkValues(db, b.script, values);
      if (await nameTaken(rig.id, b.name))
        throw conflict(`this rig already has a playbook named "${b.name}"`);
      const now = ctx.now();
      const row = await db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('playbooks')
          .select('api_port')
          .where('rig_id', '=', rig.id)
          .execute();
        if (existing.length >= limits.maxPlaybooksPerRig) {
          throw unprocessable(`a rig can have at most ${limits.maxPlaybooksPerRig} playbooks`);
        }
        const taken = new Set(existing.map((e) => e.api_port));
        let port: number = API_PORT_RANGE.first;
        while (taken.has(port)) port++;
        const r: PlaybooksTable = {
          id: randomUUID(),
          rig_id: rig.id,
          name: b.name,
          software_name: b.software.name,
          software_version: b.software.version,
          script: b.script,
          values_json: JSON.stringify(values),
          worker_name: b.workerName ?? null,
          api_port: port,
          gpu_power_limit_w: b.gpuPowerLimitW ?? null,
          enabled: b.enabled ? 1 : 0,
          created_at: now,
          updated_at: now,
        };
        await trx.insertInto('playbooks').values(r).execute();
        await audit(
          trx,
          p,
          {
            action: 'playbook.created',
            entityType: 'playbook',
            entityId: r.id,
            after: auditView(r),
            sensitive: true,
          },
          now,
        );
        return r;
      });
      await ctx.push.stateMayHaveChanged([rig.sentry_id]);
      return reply.status(201).send(playbookView(row));
    },
  );

  app.patch(
    '/api/v1/rigs/:id/playbooks/:playbookId',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['playbooks'],
        params: rigPlaybookParams,
        body: playbookUpdateSchema,
        response: { 200: playbookSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const rig = await loadRig(request.params.id);
      const before = await loadPlaybook(rig.id, request.params.playbookId);
      const b = request.body;
      const software = b.software ?? { name: before.software_name, version: before.software_version };
      const script = b.script ?? before.script;
      const values = b.templates ? fromApi(b.templates) : (JSON.parse(before.values_json) as StoredValues);
      if (b.software) await checkSoftware(db, software);
      await checkValues(db, script, values);
      if (b.name !== undefined && (await nameTaken(rig.id, b.name, before.id)))
        throw conflict(`this rig already has a playbook named "${b.name}"`);
      const now = ctx.now();
      const after: PlaybooksTable = {
        ...before,
        name: b.name ?? before.name,
        software_name: software.name,
        software_version: software.version,
        script,
        values_json: JSON.stringify(values),
        worker_name: b.workerName === undefined ? before.worker_name : b.workerName,
        gpu_power_limit_w: b.gpuPowerLimitW === undefined ? before.gpu_power_limit_w : b.gpuPowerLimitW,
        enabled: b.enabled === undefined ? before.enabled : b.enabled ? 1 : 0,
        updated_at: now,
      };
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('playbooks').set(after).where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'playbook.updated',
            entityType: 'playbook',
            entityId: before.id,
            before: auditView(before),
            after: auditView(after),
            // What runs and where its earnings go: values, script and program.
            sensitive:
              before.values_json !== after.values_json ||
              before.script !== after.script ||
              before.software_name !== after.software_name ||
              before.software_version !== after.software_version,
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged([rig.sentry_id]);
      return playbookView(after);
    },
  );

  app.delete(
    '/api/v1/rigs/:id/playbooks/:playbookId',
    {
      config: { access: 'operator' },
      schema: { tags: ['playbooks'], params: rigPlaybookParams, response: { 200: okSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const rig = await loadRig(request.params.id);
      const before = await loadPlaybook(rig.id, request.params.playbookId);
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('playbooks').where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          {
            action: 'playbook.deleted',
            entityType: 'playbook',
            entityId: before.id,
            before: auditView(before),
            sensitive: true,
          },
          now,
        );
      });
      await ctx.push.stateMayHaveChanged([rig.sentry_id]);
      return { ok: true as const };
    },
  );
}
