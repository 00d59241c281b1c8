import type { Role } from '@mrm/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { type Access, type Principal, roleAllows } from './principal.js';
import { hashSecret, secretKind } from './secrets.js';

export const SESSION_COOKIE = 'mrm_session';
/** A non-safelisted header that browsers only send from our own pages (CSRF defence, ASVS 3.5). */
export const CSRF_HEADER = 'x-requested-with';

const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthorized('Authorization header must be "Bearer <token>"');
  return m[1]!;
}

async function sentryPrincipal(ctx: AppContext, token: string): Promise<Principal> {
  const sentry = await ctx.store.db
    .selectFrom('sentries')
    .selectAll()
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!sentry) throw unauthorized('unknown sentry token: check the token shown when the sentry was created');
  if (sentry.revoked_at !== null) {
    throw new ApiError(
      403,
      'token_revoked',
      'this sentry token was revoked on the commander; rotate the sentry to get a new one',
    );
  }
  return { type: 'sentry', sentry };
}

async function userPrincipal(ctx: AppContext, token: string, viaCookie: boolean): Promise<Principal> {
  const row = await ctx.store.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.kind',
      'sessions.role as tokenRole',
      'sessions.expires_at',
      'sessions.last_used_at',
      'sessions.token_hash',
      'users.id as userId',
      'users.username',
      'users.role as userRole',
      'users.disabled',
    ])
    .where('sessions.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  const now = ctx.now();
  if (!row || (row.expires_at !== null && row.expires_at <= now)) {
    throw unauthorized(viaCookie ? 'session expired; sign in again' : 'invalid or expired token');
  }
  if (row.disabled) throw unauthorized('this account is disabled');
  // A token never has more rights than its owner has now.
  const role = (
    roleAllows(row.userRole as Role, row.tokenRole as Role) ? row.tokenRole : row.userRole
  ) as Role;
  if (row.kind === 'api') {
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      await ctx.store.db
        .updateTable('sessions')
        .set({ last_used_at: now })
        .where('token_hash', '=', row.token_hash)
        .execute();
    }
    return {
      type: 'token',
      userId: row.userId,
      username: row.username,
      role,
      sessionId: row.sessionId,
      viaCookie: false,
    };
  }
  return {
    type: 'user',
    userId: row.userId,
    username: row.username,
    role,
    sessionId: row.sessionId,
    viaCookie,
  };
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

/**
 * Resolves who is calling and enforces the route's declared access before the body is even parsed.
 * Returns the table of every route's access level, which the route-walk test checks against.
 */
export function registerAuthentication(app: FastifyInstance, ctx: AppContext): RouteAccess[] {
  app.decorateRequest('principal', null);
  const table: RouteAccess[] = [];

  // A route without a declared access level is a bug: refuse to start rather than serve it open.
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) throw new Error(`route ${route.method} ${route.url} declares no access level`);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') table.push({ method, url: route.url, access });
    }
    if (route.schema && access !== 'public') {
      route.schema = {
        ...route.schema,
        security: access === 'sentry' ? [{ bearer: [] }] : [{ bearer: [] }, { cookie: [] }],
        description: `${route.schema.description ? `${route.schema.description} ` : ''}Access: ${access === 'self' ? 'any signed-in user' : access === 'sentry' ? 'sentry token' : `${access} role or higher`}.`,
      };
    }
  });

  app.addHook('onRequest', async (request) => {
    const access: Access = request.routeOptions.config?.access ?? 'public';
    if (access === 'public') return;
    const token = bearer(request);
    const cookieToken = request.cookies?.[SESSION_COOKIE];
    if (access === 'sentry') {
      if (!token) throw unauthorized('a sentry token is required (Authorization: Bearer mrm_snt_…)');
      if (secretKind(token) !== 'snt') throw forbidden('this route is for sentries; use a sentry token');
      request.principal = await sentryPrincipal(ctx, token);
      return;
    }
    if (token && secretKind(token) === 'snt')
      throw forbidden('sentry tokens may only call the sentry protocol');
    const used = token ?? cookieToken;
    if (!used) throw unauthorized('sign in first, or send an API token as Authorization: Bearer');
    const kind = secretKind(used);
    if (kind !== 'ses' && kind !== 'api') throw unauthorized('invalid or expired token');
    const viaCookie = !token;
    if (viaCookie && !['GET', 'HEAD', 'OPTIONS'].includes(request.method) && !request.headers[CSRF_HEADER]) {
      throw forbidden(`requests signed in by cookie must send the ${CSRF_HEADER} header`);
    }
    const principal = await userPrincipal(ctx, used, viaCookie);
    request.principal = principal;
    if (access === 'self') return;
    if (principal.type === 'sentry') throw forbidden('not allowed');
    if (!roleAllows(principal.role, access)) {
      throw forbidden(`this needs the ${access} role; you are ${principal.role}`);
    }
  });
  return table;
}

export function requireUser(request: FastifyRequest) {
  const p = request.principal;
  if (!p || p.type === 'sentry') throw unauthorized('sign in first');
  return p;
}

export function requireSentry(request: FastifyRequest) {
  const p = request.principal;
  if (p?.type !== 'sentry') throw unauthorized('a sentry token is required');
  return p.sentry;
}
