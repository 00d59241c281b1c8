import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for logs (never includes a password). */
  describe: string;
  close(): Promise<void>;
}

// int8 (bigint) arrives as a string by default; our bigints are epoch ms, well within 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function openDatabase(opts: { databaseUrl?: string | undefined; dataDir: string }): Db {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const url = new URL(opts.databaseUrl);
    return {
      db,
      dialect: 'postgres',
      describe: `postgres://${url.host}${url.pathname}`,
      close: () => db.destroy(),
    };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, 'commander.sqlite');
  const sqlite = new SQLite(file, { timeout: 5000 });
  // WAL lets the dashboard read while ingest writes; NORMAL is durable across process crashes.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  cachePreparedStatements(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', describe: `sqlite:${file}`, close: () => db.destroy() };
}

/** Distinct SQL texts kept prepared; the ingest path uses a handful, IN-lists of varying length add more. */
export const PREPARED_STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query afresh, and preparing costs more than running a small statement.
 * better-sqlite3 is synchronous, so one prepared statement can safely serve every call of its SQL.
 */
function cachePreparedStatements(sqlite: SQLite.Database) {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (stmt) {
      cache.delete(source); // re-insert: Map order is the LRU order
    } else {
      stmt = prepare(source);
      if (cache.size >= PREPARED_STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, stmt);
    return stmt;
  }) as typeof sqlite.prepare;
}
