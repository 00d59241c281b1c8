import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Dialect } from './connect.js';

/**
 * Versioned migrations, applied in name order at start. Kysely's migrator records them in
 * kysely_migration and takes a lock, so two commanders starting on one PostgreSQL do not race.
 * Never edit a migration that has shipped: add a new one.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
type AnyDb = Kysely<any>;

function migrations(dialect: Dialect): Record<string, Migration> {
  const autoId = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    '0001_initial': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('last_used_at', 'bigint')
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'kind']).execute();
        await db.schema
          .createTable('sentries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('token_prefix', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('revoked_at', 'bigint')
          .addColumn('last_seen_at', 'bigint')
          .addColumn('version', 'text')
          .addColumn('hostname', 'text')
          .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('state_revision', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('state_hash', 'text')
          .execute();
        await db.schema
          .createTable('devices')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('sentry_id', 'text', (c) => c.notNull().references('sentries.id').onDelete('cascade'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('make', 'text')
          .addColumn('model', 'text')
          .addColumn('firmware', 'text')
          .addColumn('algorithm', 'text')
          .addColumn('hashrate', 'double precision')
          .addColumn('power', 'double precision')
          .addColumn('temp_max', 'double precision')
          .addColumn('latest', 'text')
          .addColumn('last_seen', 'bigint')
          .addColumn('asic_type', 'text')
          .addColumn('asic_ip', 'text')
          .addColumn('asic_port', 'integer')
          .addColumn('power_state', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('devices_sentry_key', ['sentry_id', 'key'])
          .execute();
        await db.schema
          .createIndex('devices_kind_status')
          .on('devices')
          .columns(['kind', 'status'])
          .execute();
        await db.schema
          .createTable('templates')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('coin', 'text')
          .addColumn('algorithm', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('templates_type_name', ['type', 'name'])
          .execute();
        await db.schema
          .createTable('playbooks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('rig_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('software_name', 'text', (c) => c.notNull())
          .addColumn('software_version', 'text', (c) => c.notNull())
          .addColumn('script', 'text', (c) => c.notNull())
          .addColumn('values_json', 'text', (c) => c.notNull())
          .addColumn('worker_name', 'text')
          .addColumn('api_port', 'integer', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('playbooks_rig_name', ['rig_id', 'name'])
          .addUniqueConstraint('playbooks_rig_port', ['rig_id', 'api_port'])
          .execute();
        await db.schema
          .createTable('audit_log')
          .addColumn('id', autoId, (c) =>
            dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
          )
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('actor_type', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('entity_type', 'text', (c) => c.notNull())
          .addColumn('entity_id', 'text')
          .addColumn('before_json', 'text')
          .addColumn('after_json', 'text')
          .addColumn('sensitive', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createIndex('audit_entity')
          .on('audit_log')
          .columns(['entity_type', 'entity_id'])
          .execute();
        for (const table of ['telemetry_raw']) {
          await db.schema
            .createTable(table)
            .addColumn('device_id', 'text', (c) => c.notNull())
            .addColumn('ts', 'bigint', (c) => c.notNull())
            .addColumn('hashrate', 'double precision')
            .addColumn('power', 'double precision')
            .addColumn('temp', 'double precision')
            .addColumn('fan', 'double precision')
            .execute();
          await db.schema.createIndex(`${table}_device_ts`).on(table).columns(['device_id', 'ts']).execute();
          await db.schema.createIndex(`${table}_ts`).on(table).column('ts').execute();
        }
        for (const table of ['telemetry_5m', 'telemetry_1h']) {
          await db.schema
            .createTable(table)
            .addColumn('device_id', 'text', (c) => c.notNull())
            .addColumn('bucket', 'bigint', (c) => c.notNull())
            .addColumn('hashrate', 'double precision')
            .addColumn('power', 'double precision')
            .addColumn('temp', 'double precision')
            .addColumn('fan', 'double precision')
            .addColumn('samples', 'integer', (c) => c.notNull())
            .addPrimaryKeyConstraint(`${table}_pk`, ['device_id', 'bucket'])
            .execute();
          await db.schema.createIndex(`${table}_bucket`).on(table).column('bucket').execute();
        }
        await db.schema
          .createTable('sentry_commands')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('sentry_id', 'text', (c) => c.notNull().references('sentries.id').onDelete('cascade'))
          .addColumn('command', 'text', (c) => c.notNull())
          .addColumn('args_json', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('output', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('finished_at', 'bigint')
          .execute();
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0002_custom_software': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('software')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('platform', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('executable', 'text', (c) => c.notNull())
          .addColumn('adapter', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('software_name_version_platform', ['name', 'version', 'platform'])
          .execute();
      },
    },
    '0003_playbook_power_limit': {
      async up(db: AnyDb) {
        await db.schema.alterTable('playbooks').addColumn('gpu_power_limit_w', 'integer').execute();
      },
    },
    '0004_asic_wallet_guard': {
      async up(db: AnyDb) {
        // Expected pools/users (JSON) per ASIC, and per sentry as the group of all its ASICs.
        await db.schema.alterTable('devices').addColumn('expected_pools', 'text').execute();
        await db.schema.alterTable('sentries').addColumn('expected_pools', 'text').execute();
        // The wallet guard's finding: null, or JSON {message, since} while the pools do not match.
        await db.schema.alterTable('devices').addColumn('pool_alert', 'text').execute();
      },
    },
    '0005_groups_power_target': {
      async up(db: AnyDb) {
        // W the ASIC should be tuned to (null = leave the firmware's own setting).
        await db.schema.alterTable('devices').addColumn('power_target_w', 'integer').execute();
        await db.schema
          .createTable('device_groups')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('expected_pools', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('device_group_members')
          .addColumn('group_id', 'text', (c) =>
            c.notNull().references('device_groups.id').onDelete('cascade'),
          )
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addPrimaryKeyConstraint('device_group_members_pk', ['group_id', 'device_id'])
          .execute();
        await db.schema
          .createIndex('device_group_members_device')
          .on('device_group_members')
          .column('device_id')
          .execute();
      },
    },
    '0006_energy_solar': {
      async up(db: AnyDb) {
        // Energy sources (inverters, meters, MQTT topics, HTTP JSON): config_json holds the kind's settings.
        await db.schema
          .createTable('energy_sources')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('interval_ms', 'integer', (c) => c.notNull())
          .addColumn('timeout_ms', 'integer', (c) => c.notNull())
          .addColumn('config_json', 'text', (c) => c.notNull())
          .addColumn('models_json', 'text')
          .addColumn('last_ok_at', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('last_error_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        // Readings as history (pruned by the solar settings' retention); controlled_w is what the
        // solar-controlled devices drew then, so a replay can take them out of the load.
        await db.schema
          .createTable('energy_readings')
          .addColumn('source_id', 'text', (c) =>
            c.notNull().references('energy_sources.id').onDelete('cascade'),
          )
          .addColumn('ts', 'bigint', (c) => c.notNull())
          .addColumn('pv_w', 'double precision')
          .addColumn('grid_w', 'double precision')
          .addColumn('battery_w', 'double precision')
          .addColumn('battery_soc', 'double precision')
          .addColumn('load_w', 'double precision')
          .addColumn('controlled_w', 'double precision')
          .addPrimaryKeyConstraint('energy_readings_pk', ['source_id', 'ts'])
          .execute();
        await db.schema
          .createTable('schedules')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('days_json', 'text', (c) => c.notNull())
          .addColumn('start_hm', 'text', (c) => c.notNull())
          .addColumn('end_hm', 'text', (c) => c.notNull())
          .addColumn('time_zone', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('outside_action', 'text')
          .addColumn('device_ids_json', 'text', (c) => c.notNull())
          .addColumn('group_ids_json', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('solar_rules')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('target_type', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text', (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('power_w', 'double precision')
          .addColumn('standby_w', 'double precision', (c) => c.notNull().defaultTo(0))
          .addColumn('off_state', 'text', (c) => c.notNull())
          .addColumn('on_power_target_w', 'integer')
          .addColumn('reduced_power_target_w', 'integer')
          .addColumn('reduced_w', 'double precision')
          .addColumn('timers_json', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('solar_rules_target', ['target_type', 'target_id'])
          .execute();
        await db.schema
          .createTable('solar_decisions')
          .addColumn('id', autoId, (c) =>
            dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
          )
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('rule_id', 'text')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('device_ids_json', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('from_level', 'integer')
          .addColumn('to_level', 'integer')
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('numbers_json', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('solar_decisions_at').on('solar_decisions').column('at').execute();
      },
    },
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly list: Record<string, Migration>) {}
  async getMigrations() {
    return this.list;
  }
}

export async function migrateToLatest(db: AnyDb, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider(migrations(dialect)) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Cheap query for /readyz. */
export async function ping(db: AnyDb): Promise<void> {
  await sql`select 1`.execute(db);
}
