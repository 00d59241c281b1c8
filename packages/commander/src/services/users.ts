import { randomUUID } from 'node:crypto';
import type { Role } from '@mrm/protocol';
import type { Kysely } from 'kysely';
import { hashPassword, hashSecret, newSecret, secretPrefix } from '../auth/secrets.js';
import type { Database, UsersTable } from '../db/schema.js';

export function userView(u: UsersTable) {
  return {
    id: u.id,
    username: u.username,
    role: u.role as Role,
    disabled: u.disabled === 1,
    createdAt: u.created_at,
  };
}

export async function insertUser(
  db: Kysely<Database>,
  input: { username: string; password: string; role: Role },
  now: number,
) {
  const row: UsersTable = {
    id: randomUUID(),
    username: input.username,
    password_hash: await hashPassword(input.password),
    role: input.role,
    disabled: 0,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('users').values(row).execute();
  return row;
}

export async function findUserByName(db: Kysely<Database>, username: string) {
  // Usernames are unique regardless of case, so "Admin" cannot shadow "admin".
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
}

export async function createSession(
  db: Kysely<Database>,
  user: { id: string; role: string },
  opts: { kind: 'session' | 'api'; name?: string; role?: Role; expiresAt: number | null },
  now: number,
) {
  const token = newSecret(opts.kind === 'session' ? 'ses' : 'api');
  const row = {
    token_hash: hashSecret(token),
    id: randomUUID(),
    user_id: user.id,
    kind: opts.kind,
    name: opts.name ?? null,
    role: opts.role ?? user.role,
    prefix: secretPrefix(token),
    created_at: now,
    expires_at: opts.expiresAt,
    last_used_at: null,
  };
  await db.insertInto('sessions').values(row).execute();
  return { token, row };
}

/** First start: MRM_ADMIN_PASSWORD creates `admin` when there are no users at all. */
export async function ensureInitialAdmin(db: Kysely<Database>, password: string | undefined, now: number) {
  if (!password) return false;
  const any = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  await insertUser(db, { username: 'admin', password, role: 'admin' }, now);
  return true;
}
