import {
  loginRequestSchema,
  loginResponseSchema,
  passwordChangeSchema,
  passwordSchema,
  usernameSchema,
  userSchema,
} from '@mrm/protocol';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { requireUser, SESSION_COOKIE } from '../auth/authenticate.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/secrets.js';
import type { AppContext } from '../context.js';
import { ApiError, conflict } from '../errors.js';
import { audit } from '../services/audit.js';
import { createSession, findUserByName, insertUser, userView } from '../services/users.js';
import type { App } from './app-type.js';
import { okSchema } from './params.js';

export function authRoutes(app: App, ctx: AppContext) {
  const { db } = ctx.store;

  const setCookie = (reply: FastifyReply, token: string, secure: boolean) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge: Math.floor(ctx.config.sessionTtlMs / 1000),
    });

  app.get(
    '/api/v1/setup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Whether first-run setup is needed',
        response: { 200: z.object({ needed: z.boolean() }) },
      },
    },
    async () => ({ needed: !(await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) }),
  );

  app.post(
    '/api/v1/setup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Create the first admin; only while no user exists',
        body: z.object({ username: usernameSchema, password: passwordSchema }).strict(),
        response: { 201: loginResponseSchema },
      },
    },
    async (request, reply) => {
      const now = ctx.now();
      const result = await db.transaction().execute(async (trx) => {
        const any = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
        if (any) throw conflict('setup is already done; sign in instead');
        const user = await insertUser(trx, { ...request.body, role: 'admin' }, now);
        await audit(
          trx,
          null,
          { action: 'user.setup', entityType: 'user', entityId: user.id, after: userView(user) },
          now,
        );
        const expiresAt = now + ctx.config.sessionTtlMs;
        const { token } = await createSession(trx, user, { kind: 'session', expiresAt }, now);
        return { user, token, expiresAt };
      });
      setCookie(reply, result.token, request.protocol === 'https');
      return reply
        .status(201)
        .send({ token: result.token, expiresAt: result.expiresAt, user: userView(result.user) });
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; returns a bearer token and sets a session cookie',
        body: loginRequestSchema,
        response: { 200: loginResponseSchema },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const address = request.ip;
      const wait = ctx.loginThrottle.retryAfterMs(username, address);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new ApiError(
          429,
          'rate_limited',
          `too many failed sign-ins; try again in ${seconds} s`,
          undefined,
          {
            'retry-after': String(seconds),
          },
        );
      }
      const user = await findUserByName(db, username);
      // Always run scrypt, so a missing user takes as long as a wrong password.
      const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
      if (!user || !ok || user.disabled) {
        ctx.loginThrottle.recordFailure(username, address);
        request.log.warn({ username, address }, 'failed sign-in');
        throw new ApiError(401, 'unauthorized', 'wrong username or password');
      }
      ctx.loginThrottle.recordSuccess(username);
      const now = ctx.now();
      const expiresAt = now + ctx.config.sessionTtlMs;
      const { token } = await createSession(db, user, { kind: 'session', expiresAt }, now);
      setCookie(reply, token, request.protocol === 'https');
      return { token, expiresAt, user: userView(user) };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'self' },
      schema: { tags: ['auth'], summary: 'End this session', response: { 200: okSchema } },
    },
    async (request, reply) => {
      const p = requireUser(request);
      if (p.type === 'user') await db.deleteFrom('sessions').where('id', '=', p.sessionId).execute();
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { access: 'self' },
      schema: { tags: ['auth'], summary: 'Who is signed in', response: { 200: userSchema } },
    },
    async (request) => {
      const p = requireUser(request);
      const user = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', p.userId)
        .executeTakeFirstOrThrow();
      return { ...userView(user), role: p.role };
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      config: { access: 'self' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password; ends your other sessions',
        body: passwordChangeSchema,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      const p = requireUser(request);
      if (p.type !== 'user') throw new ApiError(403, 'forbidden', 'API tokens cannot change passwords');
      const user = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', p.userId)
        .executeTakeFirstOrThrow();
      if (!(await verifyPassword(request.body.currentPassword, user.password_hash))) {
        throw new ApiError(422, 'unprocessable', 'current password is wrong');
      }
      const now = ctx.now();
      const hash = await hashPassword(request.body.newPassword);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: hash, updated_at: now })
          .where('id', '=', user.id)
          .execute();
        await trx
          .deleteFrom('sessions')
          .where('user_id', '=', user.id)
          .where('kind', '=', 'session')
          .where('id', '!=', p.sessionId)
          .execute();
        await audit(trx, p, { action: 'user.password_changed', entityType: 'user', entityId: user.id }, now);
      });
      return { ok: true as const };
    },
  );
}
