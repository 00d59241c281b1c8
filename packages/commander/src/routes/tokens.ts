import { apiTokenCreatedSchema, apiTokenCreateSchema, apiTokenSchema, type Role } from '@mrm/protocol';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import { roleAllows } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import type { SessionsTable } from '../db/schema.js';
import { ApiError, notFound } from '../errors.js';
import { audit } from '../services/audit.js';
import { createSession } from '../services/users.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';

function tokenView(s: SessionsTable) {
  return {
    id: s.id,
    name: s.name ?? '',
    role: s.role as Role,
    prefix: s.prefix,
    createdAt: s.created_at,
    expiresAt: s.expires_at,
    lastUsedAt: s.last_used_at,
  };
}

/** Long-lived API tokens for automation; each belongs to the user who made it. */
export function tokenRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  app.get(
    '/api/v1/tokens',
    {
      config: { access: 'self' },
      schema: {
        tags: ['tokens'],
        summary: 'Your API tokens',
        response: { 200: z.object({ items: z.array(apiTokenSchema) }) },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', p.userId)
        .where('kind', '=', 'api')
        .orderBy('created_at')
        .execute();
      return { items: rows.map(tokenView) };
    },
  );

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'self' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; it is shown only in this answer',
        body: apiTokenCreateSchema,
        response: { 201: apiTokenCreatedSchema },
      },
    },
    async (request, reply) => {
      const p = requireUser(request);
      if (p.type !== 'user')
        throw new ApiError(403, 'forbidden', 'API tokens cannot create more tokens; sign in as a user');
      const role = request.body.role ?? p.role;
      if (!roleAllows(p.role, role))
        throw new ApiError(403, 'forbidden', `you cannot make a ${role} token as ${p.role}`);
      const now = ctx.now();
      const expiresAt = request.body.expiresInDays ? now + request.body.expiresInDays * 86_400_000 : null;
      const created = await db.transaction().execute(async (trx) => {
        const c = await createSession(
          trx,
          { id: p.userId, role: p.role },
          { kind: 'api', name: request.body.name, role, expiresAt },
          now,
        );
        await audit(
          trx,
          p,
          { action: 'token.created', entityType: 'token', entityId: c.row.id, after: tokenView(c.row) },
          now,
        );
        return c;
      });
      return reply.status(201).send({ ...tokenView(created.row), token: created.token });
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: 'self' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke one of your API tokens',
        params: idParams,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('sessions')
          .selectAll()
          .where('id', '=', request.params.id)
          .where('kind', '=', 'api')
          .where('user_id', '=', p.userId)
          .executeTakeFirst();
        if (!row) throw notFound('token');
        await trx.deleteFrom('sessions').where('id', '=', row.id).execute();
        await audit(
          trx,
          p,
          { action: 'token.revoked', entityType: 'token', entityId: row.id, before: tokenView(row) },
          now,
        );
      });
      return { ok: true as const };
    },
  );
}
