import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Configuration comes from an optional JSON file (MRM_CONFIG, or mrm.config.json in the data dir)
 * with environment variables taking precedence, so a container can override one value at a time.
 */
const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  dataDir: z.string().default('./data'),
  databaseUrl: z
    .string()
    .refine(
      (u) => /^postgres(ql)?:\/\//.test(u),
      'MRM_DATABASE_URL must be a postgres:// URL (unset it for SQLite)',
    )
    .optional(),
  adminPassword: z.string().min(8, 'MRM_ADMIN_PASSWORD must be at least 8 characters').optional(),
  publicUrl: z.string().url('MRM_PUBLIC_URL must be a URL such as http://commander.lan:8080').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A sentry silent for this long is shown offline and its devices unreachable. */
  sentryOfflineAfterMs: z.coerce
    .number()
    .int()
    .positive()
    .default(3 * 60_000),
  sessionTtlMs: z.coerce
    .number()
    .int()
    .positive()
    .default(12 * 3600_000),
  retention: z
    .object({
      rawHours: z.coerce.number().positive().default(48),
      fiveMinuteDays: z.coerce.number().positive().default(30),
      /** Hourly rollups are kept forever unless a number of days is set. */
      hourlyDays: z.coerce.number().positive().optional(),
    })
    .default({ rawHours: 48, fiveMinuteDays: 30 }),
  maintenanceIntervalMs: z.coerce.number().int().positive().default(60_000),
  /** Behind a reverse proxy, trust its X-Forwarded-* headers (for client address and public URL). */
  trustProxy: z.coerce.boolean().default(false),
});
export type Config = z.infer<typeof configSchema>;

type Env = Record<string, string | undefined>;

function fromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') out[key] = value;
  };
  set('port', env.PORT);
  set('host', env.HOST);
  set('dataDir', env.MRM_DATA_DIR);
  set('databaseUrl', env.MRM_DATABASE_URL);
  set('adminPassword', env.MRM_ADMIN_PASSWORD);
  set('publicUrl', env.MRM_PUBLIC_URL);
  set('logLevel', env.MRM_LOG_LEVEL);
  set('trustProxy', env.MRM_TRUST_PROXY);
  const retention: Record<string, string> = {};
  if (env.MRM_RETENTION_RAW_HOURS) retention.rawHours = env.MRM_RETENTION_RAW_HOURS;
  if (env.MRM_RETENTION_5M_DAYS) retention.fiveMinuteDays = env.MRM_RETENTION_5M_DAYS;
  if (env.MRM_RETENTION_1H_DAYS) retention.hourlyDays = env.MRM_RETENTION_1H_DAYS;
  if (Object.keys(retention).length) out.retention = retention;
  return out;
}

export class ConfigError extends Error {}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const envValues = fromEnv(env);
  const dataDir = String(overrides.dataDir ?? envValues.dataDir ?? './data');
  const file = env.MRM_CONFIG ?? resolve(dataDir, 'mrm.config.json');
  let fileValues: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fileValues = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  } else if (env.MRM_CONFIG) {
    throw new ConfigError(`config file ${file} (MRM_CONFIG) does not exist`);
  }
  const merged = {
    ...fileValues,
    ...envValues,
    ...overrides,
    retention: {
      ...(fileValues.retention as object),
      ...(envValues.retention as object),
      ...overrides.retention,
    },
  };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${first}`);
  }
  return parsed.data;
}
