import { z } from 'zod';
import { platforms } from './catalogue.js';
import { idSchema, nameSchema, roleSchema, sentryKindSchema } from './common.js';
import { limits } from './limits.js';
import { playbookSchema, softwareRefSchema } from './playbooks.js';
import { asicPowerStateSchema, sentryCommandNameSchema } from './sentry.js';
import { deviceStatusSchema, poolStatusSchema } from './telemetry.js';

/** Usernames are ASCII so that they cannot be spoofed with look-alike characters. */
export const usernameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -');

/** Passwords: 8 to 256 characters, no composition rules (ASVS 6.2). */
export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters');

export const loginRequestSchema = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })
  .strict();
export const loginResponseSchema = z.object({
  token: z.string(),
  expiresAt: z.number(),
  user: z.object({ id: idSchema, username: z.string(), role: roleSchema }),
});

export const userSchema = z.object({
  id: idSchema,
  username: z.string(),
  role: roleSchema,
  disabled: z.boolean(),
  createdAt: z.number(),
});
export type User = z.infer<typeof userSchema>;

export const userCreateSchema = z
  .object({ username: usernameSchema, password: passwordSchema, role: roleSchema })
  .strict();
export const userUpdateSchema = z
  .object({
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
  })
  .strict();
export const passwordChangeSchema = z
  .object({ currentPassword: z.string().min(1).max(256), newPassword: passwordSchema })
  .strict();

export const apiTokenCreateSchema = z
  .object({
    name: nameSchema,
    /** A token never has more rights than its owner; omitted means the owner's role. */
    role: roleSchema.optional(),
    /** Days until it expires; omitted means never. */
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export const apiTokenSchema = z.object({
  id: idSchema,
  name: z.string(),
  role: roleSchema,
  prefix: z.string(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
});
export const apiTokenCreatedSchema = apiTokenSchema.extend({ token: z.string() });

export const sentryCreateSchema = z.object({ name: nameSchema, kind: sentryKindSchema }).strict();
export const sentryUpdateSchema = z.object({ name: nameSchema }).strict();
export const sentrySchema = z.object({
  id: idSchema,
  name: z.string(),
  kind: sentryKindSchema,
  status: z.enum(['pending', 'online', 'offline', 'revoked']),
  tokenPrefix: z.string(),
  createdAt: z.number(),
  revokedAt: z.number().nullable(),
  lastSeenAt: z.number().nullable(),
  version: z.string().nullable(),
  hostname: z.string().nullable(),
  connected: z.boolean(),
  /** For a rig sentry, the rig device it manages. */
  rigId: idSchema.nullable(),
});
export const sentryCreatedSchema = z.object({
  id: idSchema,
  name: z.string(),
  kind: sentryKindSchema,
  /** Shown only in this answer; the commander keeps a hash. */
  token: z.string(),
  commanderUrl: z.string(),
  /** For a rig sentry: the one line that installs and enrols it on a Linux rig. */
  installCommand: z.string().nullable().optional(),
});

export const sentryCommandRequestSchema = z
  .object({ command: sentryCommandNameSchema, args: z.record(z.string(), z.unknown()).default({}) })
  .strict();
export const sentryCommandSchema = z.object({
  id: idSchema,
  sentryId: idSchema,
  command: sentryCommandNameSchema,
  args: z.record(z.string(), z.unknown()),
  status: z.enum(['sent', 'succeeded', 'failed']),
  output: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});

export const asicCreateSchema = z
  .object({
    name: nameSchema.optional(),
    type: z
      .string()
      .min(1)
      .max(32)
      .regex(/^[a-z0-9-]+$/, 'must be a driver name such as antminer or auto'),
    ip: z.union([z.ipv4(), z.ipv6()]),
    port: z.number().int().min(1).max(65535).optional(),
    /**
     * The sentry checks that the ASIC answers and is of this type before it is saved (default).
     * `false` saves it unchecked, e.g. while the sentry is offline; the sentry checks it later.
     */
    check: z.boolean().default(true),
  })
  .strict();

export const powerStateRequestSchema = z
  .object({
    state: asicPowerStateSchema,
    /** W to tune the ASIC to while on, where its firmware has a power target; null clears it. */
    powerTargetW: z.number().int().min(1).max(100_000).nullable().optional(),
  })
  .strict();

/** One entry of the wallet guard: a pool the ASIC may use, by user (wallet/account) and optionally URL. */
export const expectedPoolSchema = z
  .object({
    url: z.string().min(1).max(512).optional(),
    user: z.string().min(1).max(512).optional(),
  })
  .strict()
  .refine((p) => p.url !== undefined || p.user !== undefined, { message: 'give a url, a user or both' });
export type ExpectedPool = z.infer<typeof expectedPoolSchema>;
/** An empty list removes the expectation. */
export const expectedPoolsRequestSchema = z
  .object({ pools: z.array(expectedPoolSchema).max(limits.maxPoolsPerDevice) })
  .strict();

export const deviceAlertSchema = z.object({
  kind: z.enum(['pool-mismatch']),
  message: z.string(),
  since: z.number(),
});

export const walletGuardSchema = z.object({
  /** unset: no expectation; ok: every reported pool is expected; mismatch: a pool or user is foreign. */
  status: z.enum(['unset', 'ok', 'mismatch']),
  /** Where the expectation comes from: this ASIC, or its sentry (the group). */
  source: z.enum(['device', 'group', 'sentry']).nullable(),
  expected: z.array(expectedPoolSchema),
  message: z.string().nullable(),
  since: z.number().nullable(),
});
export const asicUpdateSchema = z
  .object({ name: nameSchema.optional(), powerState: asicPowerStateSchema.optional() })
  .strict();

export const groupCreateSchema = z
  .object({ name: nameSchema, deviceIds: z.array(idSchema).max(limits.maxGroupMembers).default([]) })
  .strict();
export const groupUpdateSchema = z.object({ name: nameSchema }).strict();
export const groupMembersSchema = z
  .object({ deviceIds: z.array(idSchema).max(limits.maxGroupMembers) })
  .strict();
export const groupSchema = z.object({
  id: idSchema,
  name: z.string(),
  deviceIds: z.array(idSchema),
  /** Wallet guard for the group's ASICs that have no expectation of their own. */
  expectedPools: z.array(expectedPoolSchema),
  createdAt: z.number(),
});

export const deviceKindSchema = z.enum(['rig', 'asic']);
/** What the dashboard shows: the device's own state, or `unreachable` when its sentry went silent. */
export const deviceViewStatusSchema = z.union([deviceStatusSchema, z.enum(['unreachable', 'pending'])]);

export const deviceSchema = z.object({
  id: idSchema,
  sentryId: idSchema,
  kind: deviceKindSchema,
  name: z.string(),
  status: deviceViewStatusSchema,
  make: z.string().nullable(),
  model: z.string().nullable(),
  firmware: z.string().nullable(),
  algorithm: z.string().nullable(),
  hashrate: z.number().nullable(),
  power: z.number().nullable(),
  temperatures: z.array(z.object({ name: z.string(), value: z.number() })),
  fans: z.array(z.object({ name: z.string(), value: z.number() })),
  pools: z.array(poolStatusSchema),
  uptime: z.number().nullable(),
  lastSeen: z.number().nullable(),
  /** Groups the device belongs to. */
  groupIds: z.array(idSchema),
  /** An ASIC's address (null for rigs). */
  ip: z.string().nullable(),
  /** Alert-worthy states, such as a hijacked ASIC's foreign pool. */
  alerts: z.array(deviceAlertSchema),
  /** For ASICs: whether the pools it reports are the ones expected. */
  walletGuard: walletGuardSchema.nullable(),
  /** For ASICs, in GET /api/v1/devices/{id}: hash boards as the sentry read them. */
  boards: z.array(z.record(z.string(), z.unknown())).optional(),
  /** For ASICs, in GET /api/v1/devices/{id}: power draw in W, when the firmware reports it. */
  powerW: z.number().nullable().optional(),
  /** In GET /api/v1/devices/{id}: the power state the commander expects (for a rig: on runs its playbooks). */
  powerState: asicPowerStateSchema.optional(),
  /** In GET /api/v1/devices/{id}: the power target the commander asks for (W; a rig's is per GPU), if any. */
  powerTargetW: z.number().nullable().optional(),
  /** For ASICs, in GET /api/v1/devices/{id}: what the sentry last saw (on, sleep, off, unknown). */
  actualPowerState: z.enum(['on', 'sleep', 'off', 'unknown']).optional(),
  /** For ASICs, in GET /api/v1/devices/{id}: what its firmware allows (sleep, wake, powerTarget, reboot). */
  capabilities: z.array(z.string()).optional(),
  /** For ASICs: how to reach it and the power state the commander wants. */
  asic: z
    .object({
      type: z.string(),
      ip: z.string(),
      port: z.number().nullable(),
      powerState: asicPowerStateSchema,
    })
    .nullable(),
  /** Driver detail: for a rig, its playbooks' live state, GPUs matched by bus id, and hardware. */
  details: z.record(z.string(), z.unknown()).nullable(),
  /** For a rig, in GET /api/v1/devices/{id}: the playbooks configured for it. */
  playbooks: z.array(playbookSchema).optional(),
});
export type Device = z.infer<typeof deviceSchema>;

export const deviceListQuerySchema = z.object({
  kind: deviceKindSchema.optional(),
  status: deviceViewStatusSchema.optional(),
  sentryId: idSchema.optional(),
  q: z.string().max(100).optional(),
  /** Only members of this group. */
  groupId: idSchema.optional(),
  /** Only devices with this alert (e.g. pool-mismatch: hijacked ASICs). */
  alert: z.enum(['pool-mismatch']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const historyMetricSchema = z.enum(['hashrate', 'power', 'temperature', 'fan']);
export const historyQuerySchema = z.object({
  metric: historyMetricSchema,
  from: z.coerce.number().int().nonnegative(),
  to: z.coerce.number().int().nonnegative(),
  resolution: z.enum(['auto', 'raw', '5m', '1h']).default('auto'),
});
export const historyResponseSchema = z.object({
  metric: historyMetricSchema,
  resolution: z.enum(['raw', '5m', '1h']),
  /** [epoch ms, value] pairs, oldest first. */
  points: z.array(z.tuple([z.number(), z.number().nullable()])),
});

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.number(),
  actor: z.string(),
  actorType: z.enum(['user', 'token', 'sentry', 'system']),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  /** True for changes to wallet or pool addresses, the changes that redirect a farm's earnings. */
  sensitive: z.boolean(),
});
export const auditQuerySchema = z.object({
  entityType: z.string().max(32).optional(),
  entityId: z.string().max(64).optional(),
  sensitive: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Custom mining software (or a sha256 pin for a catalogue program) for one platform. */
export const softwareCreateSchema = z
  .object({
    // The same name and version rules as a playbook's software reference.
    name: softwareRefSchema.shape.name,
    version: softwareRefSchema.shape.version,
    platform: z.enum(platforms),
    url: z
      .string()
      .max(2048)
      .url('must be an http(s) URL')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
    sha256: z
      .string()
      .regex(/^[0-9A-Fa-f]{64}$/, 'must be 64 hex characters')
      .transform((v) => v.toLowerCase()),
    executable: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, 'must be a file name (or path) inside the archive')
      .refine((p) => !p.split('/').includes('..'), 'must not contain ..'),
    /** A stats adapter of the catalogue (e.g. "xmrig"), or "none" for a program without a usable API. */
    adapter: z.string().min(1).max(64),
  })
  .strict();
export const softwareSchema = z.object({
  id: idSchema,
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  url: z.string(),
  sha256: z.string(),
  executable: z.string(),
  adapter: z.string(),
  createdAt: z.number(),
});
