import { userCreateSchema, userSchema, userUpdateSchema } from '@mrm/protocol';
import { z } from 'zod';
import { requireUser } from '../auth/authenticate.js';
import { hashPassword } from '../auth/secrets.js';
import type { AppContext } from '../context.js';
import { conflict, notFound, unprocessable } from '../errors.js';
import { audit } from '../services/audit.js';
import { findUserByName, insertUser, userView } from '../services/users.js';
import type { App } from './app-type.js';
import { idParams, okSchema } from './params.js';

export function userRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  app.get(
    '/api/v1/users',
    {
      config: { access: 'admin' },
      schema: { tags: ['users'], response: { 200: z.object({ items: z.array(userSchema) }) } },
    },
    async () => ({
      items: (await db.selectFrom('users').selectAll().orderBy('username').execute()).map(userView),
    }),
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: 'admin' },
      schema: { tags: ['users'], body: userCreateSchema, response: { 201: userSchema } },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const now = ctx.now();
      if (await findUserByName(db, request.body.username))
        throw conflict(`user "${request.body.username}" already exists`);
      const user = await db.transaction().execute(async (trx) => {
        const u = await insertUser(trx, request.body, now);
        await audit(
          trx,
          p,
          { action: 'user.created', entityType: 'user', entityId: u.id, after: userView(u) },
          now,
        );
        return u;
      });
      return reply.status(201).send(userView(user));
    },
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Change role, disable, or set a new password',
        params: idParams,
        body: userUpdateSchema,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      const now = ctx.now();
      const before = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!before) throw notFound('user');
      const { role, disabled, password } = request.body;
      if (before.id === p.userId && ((role && role !== 'admin') || disabled)) {
        throw unprocessable('you cannot demote or disable yourself; ask another admin');
      }
      const changes = {
        ...(role ? { role } : {}),
        ...(disabled !== undefined ? { disabled: disabled ? 1 : 0 } : {}),
        ...(password ? { password_hash: await hashPassword(password) } : {}),
        updated_at: now,
      };
      const after = await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set(changes).where('id', '=', before.id).execute();
        // A disabled user or a new password ends every session (ASVS 7.4.2).
        if (disabled || password) await trx.deleteFrom('sessions').where('user_id', '=', before.id).execute();
        const row = await trx
          .selectFrom('users')
          .selectAll()
          .where('id', '=', before.id)
          .executeTakeFirstOrThrow();
        await audit(
          trx,
          p,
          {
            action: password ? 'user.password_reset' : 'user.updated',
            entityType: 'user',
            entityId: before.id,
            before: userView(before),
            after: userView(row),
          },
          now,
        );
        return row;
      });
      return userView(after);
    },
  );

  app.delete(
    '/api/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['users'], params: idParams, response: { 200: okSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      if (request.params.id === p.userId) throw unprocessable('you cannot delete yourself');
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('users')
          .selectAll()
          .where('id', '=', request.params.id)
          .executeTakeFirst();
        if (!before) throw notFound('user');
        await trx.deleteFrom('sessions').where('user_id', '=', before.id).execute();
        await trx.deleteFrom('users').where('id', '=', before.id).execute();
        await audit(
          trx,
          p,
          { action: 'user.deleted', entityType: 'user', entityId: before.id, before: userView(before) },
          now,
        );
      });
      return { ok: true as const };
    },
  );
}
