import type { Role } from '@mrm/protocol';
import type { SentriesTable } from '../db/schema.js';

/** Who is calling: a signed-in user, an automation token, or a sentry. */
export type Principal =
  | { type: 'user'; userId: string; username: string; role: Role; sessionId: string; viaCookie: boolean }
  | { type: 'token'; userId: string; username: string; role: Role; sessionId: string; viaCookie: false }
  | { type: 'sentry'; sentry: SentriesTable };

/** Who may call a route. `self` means any signed-in user or token, acting on their own account. */
export type Access = 'public' | 'self' | 'viewer' | 'operator' | 'admin' | 'sentry';

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}
