import { auditEntrySchema, auditQuerySchema } from '@mrm/protocol';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { App } from './app-type.js';

export function auditRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;
  app.get(
    '/api/v1/audit',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['audit'],
        summary: 'Who changed what, newest first; sensitive=true lists wallet and pool changes',
        querystring: auditQuerySchema,
        response: { 200: z.object({ items: z.array(auditEntrySchema), total: z.number().int() }) },
      },
    },
    async (request) => {
      const { entityType, entityId, sensitive, limit, offset } = request.query;
      let base = db.selectFrom('audit_log');
      if (entityType) base = base.where('entity_type', '=', entityType);
      if (entityId) base = base.where('entity_id', '=', entityId);
      if (sensitive) base = base.where('sensitive', '=', sensitive === 'true' ? 1 : 0);
      const [{ total }] = (await base.select((eb) => eb.fn.countAll<number>().as('total')).execute()) as [
        { total: number },
      ];
      const rows = await base.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute();
      return {
        total: Number(total),
        items: rows.map((r) => ({
          id: Number(r.id),
          at: r.at,
          actor: r.actor,
          actorType: r.actor_type as 'user',
          action: r.action,
          entityType: r.entity_type,
          entityId: r.entity_id,
          before: r.before_json ? JSON.parse(r.before_json) : null,
          after: r.after_json ? JSON.parse(r.after_json) : null,
          sensitive: r.sensitive === 1,
        })),
      };
    },
  );
}
