import type { Generated } from 'kysely';

/**
 * Table types shared by SQLite and PostgreSQL. Timestamps are epoch milliseconds in bigint columns,
 * booleans are 0/1 integers and JSON is text, so one query layer serves both databases.
 */
export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the secret; the secret itself is only ever in the client's hands. */
  token_hash: string;
  id: string;
  user_id: string;
  kind: string; // 'session' | 'api'
  name: string | null;
  role: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

export interface SentriesTable {
  id: string;
  name: string;
  kind: string;
  token_hash: string;
  token_prefix: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
  version: string | null;
  hostname: string | null;
  last_seq: number;
  state_revision: number;
  state_hash: string | null;
  /** JSON ExpectedPool[] for every ASIC of this sentry that has none of its own. */
  expected_pools: string | null;
}

export interface DevicesTable {
  id: string;
  sentry_id: string;
  kind: string;
  key: string;
  name: string;
  status: string;
  make: string | null;
  model: string | null;
  firmware: string | null;
  algorithm: string | null;
  hashrate: number | null;
  power: number | null;
  temp_max: number | null;
  latest: string | null;
  last_seen: number | null;
  asic_type: string | null;
  asic_ip: string | null;
  asic_port: number | null;
  power_state: string | null;
  /** JSON ExpectedPool[]; null = no expectation for this ASIC (its sentry's applies). */
  expected_pools: string | null;
  /** JSON {message, since} while the reported pools do not match the expectation. */
  pool_alert: string | null;
  power_target_w: number | null;
  created_at: number;
}

export interface DeviceGroupsTable {
  id: string;
  name: string;
  /** Wallet guard for the group's ASICs (JSON ExpectedPool[]). */
  expected_pools: string | null;
  created_at: number;
}

export interface DeviceGroupMembersTable {
  group_id: string;
  device_id: string;
}

export interface TemplatesTable {
  id: string;
  name: string;
  type: string;
  value: string;
  coin: string | null;
  algorithm: string | null;
  created_at: number;
  updated_at: number;
}

export interface PlaybooksTable {
  id: string;
  rig_id: string;
  name: string;
  software_name: string;
  software_version: string;
  script: string;
  values_json: string;
  worker_name: string | null;
  api_port: number;
  gpu_power_limit_w: number | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface AuditTable {
  id: Generated<number>;
  at: number;
  actor: string;
  actor_type: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before_json: string | null;
  after_json: string | null;
  sensitive: number;
}

export interface TelemetryRawTable {
  device_id: string;
  ts: number;
  hashrate: number | null;
  power: number | null;
  temp: number | null;
  fan: number | null;
}

export interface TelemetryRollupTable {
  device_id: string;
  bucket: number;
  hashrate: number | null;
  power: number | null;
  temp: number | null;
  fan: number | null;
  samples: number;
}

export interface SentryCommandsTable {
  id: string;
  sentry_id: string;
  command: string;
  args_json: string;
  status: string;
  output: string | null;
  created_by: string;
  created_at: number;
  finished_at: number | null;
}

export interface SoftwareTable {
  id: string;
  name: string;
  version: string;
  platform: string;
  url: string;
  sha256: string;
  executable: string;
  adapter: string;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  sentries: SentriesTable;
  devices: DevicesTable;
  device_groups: DeviceGroupsTable;
  device_group_members: DeviceGroupMembersTable;
  templates: TemplatesTable;
  playbooks: PlaybooksTable;
  audit_log: AuditTable;
  telemetry_raw: TelemetryRawTable;
  telemetry_5m: TelemetryRollupTable;
  telemetry_1h: TelemetryRollupTable;
  sentry_commands: SentryCommandsTable;
  settings: SettingsTable;
  software: SoftwareTable;
  energy_sources: EnergySourcesTable;
  energy_readings: EnergyReadingsTable;
  schedules: SchedulesTable;
  solar_rules: SolarRulesTable;
  solar_decisions: SolarDecisionsTable;
}

export interface EnergySourcesTable {
  id: string;
  name: string;
  kind: string;
  enabled: number;
  interval_ms: number;
  timeout_ms: number;
  /** The kind's settings as JSON, secrets included (never returned in clear, never audited). */
  config_json: string;
  /** SunSpec: JSON SunspecModel[] found at the last discovery. */
  models_json: string | null;
  last_ok_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface EnergyReadingsTable {
  source_id: string;
  ts: number;
  pv_w: number | null;
  grid_w: number | null;
  battery_w: number | null;
  battery_soc: number | null;
  load_w: number | null;
  controlled_w: number | null;
}

export interface SchedulesTable {
  id: string;
  name: string;
  enabled: number;
  days_json: string;
  start_hm: string;
  end_hm: string;
  time_zone: string;
  action: string;
  outside_action: string | null;
  device_ids_json: string;
  group_ids_json: string;
  created_at: number;
  updated_at: number;
}

export interface SolarRulesTable {
  id: string;
  target_type: string;
  target_id: string;
  priority: number;
  enabled: number;
  power_w: number | null;
  standby_w: number;
  off_state: string;
  on_power_target_w: number | null;
  reduced_power_target_w: number | null;
  reduced_w: number | null;
  /** JSON {enableDelayS, disableDelayS, minOnS, minOffS, settleS, maxSwitchesPerHour} (null = the settings'). */
  timers_json: string;
  created_at: number;
  updated_at: number;
}

export interface SolarDecisionsTable {
  id: Generated<number>;
  at: number;
  rule_id: string | null;
  name: string;
  device_ids_json: string;
  kind: string;
  from_level: number | null;
  to_level: number | null;
  reason: string;
  numbers_json: string;
}
