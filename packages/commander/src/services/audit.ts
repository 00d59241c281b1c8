import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/schema.js';

export interface AuditEvent {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
  /** Wallet and pool changes: the ones that redirect a farm's earnings. */
  sensitive?: boolean;
}

export function actorOf(p: Principal | null): { actor: string; actorType: string } {
  if (!p) return { actor: 'system', actorType: 'system' };
  if (p.type === 'sentry') return { actor: `sentry:${p.sentry.name}`, actorType: 'sentry' };
  return { actor: p.username, actorType: p.type };
}

/** Written inside the same transaction as the change, so no change goes unrecorded. */
export async function audit(
  db: Kysely<Database>,
  who: Principal | null,
  event: AuditEvent,
  at: number,
): Promise<void> {
  const { actor, actorType } = actorOf(who);
  await db
    .insertInto('audit_log')
    .values({
      at,
      actor,
      actor_type: actorType,
      action: event.action,
      entity_type: event.entityType,
      entity_id: event.entityId,
      before_json: event.before === undefined ? null : JSON.stringify(event.before),
      after_json: event.after === undefined ? null : JSON.stringify(event.after),
      sensitive: event.sensitive ? 1 : 0,
    })
    .execute();
}
