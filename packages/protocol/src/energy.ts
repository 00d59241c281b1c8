import { z } from 'zod';
import { epochMsSchema, idSchema, nameSchema } from './common.js';

/**
 * Energy sources, schedules and the solar controller (REST API v1).
 *
 * Signs, stated once: `gridW` > 0 imports from the grid, < 0 exports; `pvW` ≥ 0 production;
 * `batteryW` > 0 discharging (the battery supplies the site), < 0 charging; `batterySoc` 0–100 %;
 * `loadW` the site's consumption (house plus miners). Absent values are null.
 */
export const energyValuesSchema = z.object({
  pvW: z.number().nullable(),
  gridW: z.number().nullable(),
  batteryW: z.number().nullable(),
  batterySoc: z.number().nullable(),
  loadW: z.number().nullable(),
});
export type EnergyValues = z.infer<typeof energyValuesSchema>;
export const energyFields = ['pvW', 'gridW', 'batteryW', 'batterySoc', 'loadW'] as const;
export type EnergyField = (typeof energyFields)[number];

export const energyReadingSchema = energyValuesSchema.extend({ at: epochMsSchema });
export type EnergyReading = z.infer<typeof energyReadingSchema>;

/**
 * Where one value sits in a JSON document: a path such as `$.Body.Data.Site.P_PV`, `value`,
 * `data[0].power` or `['P_Grid']` (no expressions: paths are looked up, never evaluated), an
 * optional multiplier (`scale`, e.g. 1000 for kW) and `invert` for export-positive meters.
 */
export const jsonPathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[$A-Za-z0-9_.[\]'"@: -]+$/, 'may contain letters, digits, _ . [ ] quotes, @, : and -');
export const fieldMappingSchema = z
  .object({
    path: jsonPathSchema,
    scale: z.number().finite().optional(),
    invert: z.boolean().optional(),
  })
  .strict();
export type FieldMapping = z.infer<typeof fieldMappingSchema>;
export const mqttFieldMappingSchema = fieldMappingSchema
  .extend({ topic: z.string().min(1).max(256), path: jsonPathSchema.optional() })
  .strict();
export type MqttFieldMapping = z.infer<typeof mqttFieldMappingSchema>;

const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]_-]+$/, 'must be a host name or an IP address');
const portSchema = z.number().int().min(1).max(65535);
const httpUrlSchema = z
  .string()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

/** Fields every kind shares. `intervalMs` is how often the commander reads it (default 10 s). */
const sourceCommon = {
  name: nameSchema,
  enabled: z.boolean().optional(),
  intervalMs: z.number().int().min(1000).max(3_600_000).optional(),
  timeoutMs: z.number().int().min(100).max(60_000).optional(),
};

export const sunspecConfigSchema = z.object({
  host: hostSchema,
  port: portSchema.default(502),
  unitId: z.number().int().min(0).max(255).default(1),
  /** A second logical device with the meter on another unit id (Fronius: 200, or 240). */
  meterUnitId: z.number().int().min(0).max(255).nullable().optional(),
  /** Some meters count export as positive (SolarEdge): flip the grid sign. */
  invertGrid: z.boolean().optional(),
  /** Some batteries (model 802) count charging as positive: flip the battery sign. */
  invertBattery: z.boolean().optional(),
});
export const froniusConfigSchema = z.object({
  /** http://inverter (the Solar API path is added) or the full GetPowerFlowRealtimeData URL. */
  url: httpUrlSchema,
});
export const mqttConfigSchema = z.object({
  url: z
    .string()
    .max(2000)
    .refine((u) => /^(mqtts?|wss?):\/\/./i.test(u), 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  username: z.string().max(256).optional(),
  /** Write-only: answers show a mask. */
  password: z.string().max(1024).optional(),
  /** A value older than this is treated as absent (retained messages look fresh but may be old). */
  maxAgeMs: z.number().int().min(1000).max(86_400_000).optional(),
  fields: z
    .object({
      pvW: mqttFieldMappingSchema.optional(),
      gridW: mqttFieldMappingSchema.optional(),
      batteryW: mqttFieldMappingSchema.optional(),
      batterySoc: mqttFieldMappingSchema.optional(),
      loadW: mqttFieldMappingSchema.optional(),
    })
    .strict(),
});
export const httpConfigSchema = z.object({
  url: httpUrlSchema,
  /** An optional header for a token, e.g. Authorization: Bearer …; its value is write-only. */
  headerName: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
    .optional(),
  headerValue: z.string().max(4096).optional(),
  fields: z
    .object({
      pvW: fieldMappingSchema.optional(),
      gridW: fieldMappingSchema.optional(),
      batteryW: fieldMappingSchema.optional(),
      batterySoc: fieldMappingSchema.optional(),
      loadW: fieldMappingSchema.optional(),
    })
    .strict(),
});

export const energySourceKindSchema = z.enum(['sunspec', 'fronius', 'mqtt', 'http']);
export type EnergySourceKind = z.infer<typeof energySourceKindSchema>;

export const energySourceCreateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sunspec'), ...sourceCommon, ...sunspecConfigSchema.shape }).strict(),
  z.object({ kind: z.literal('fronius'), ...sourceCommon, ...froniusConfigSchema.shape }).strict(),
  z.object({ kind: z.literal('mqtt'), ...sourceCommon, ...mqttConfigSchema.shape }).strict(),
  z.object({ kind: z.literal('http'), ...sourceCommon, ...httpConfigSchema.shape }).strict(),
]);
export type EnergySourceCreate = z.infer<typeof energySourceCreateSchema>;

/**
 * A partial update: any field of the kind (the kind itself cannot change). A secret sent back as
 * its mask, or left out, is kept.
 */
export const energySourceUpdateSchema = z
  .object({
    name: nameSchema.optional(),
    enabled: z.boolean().optional(),
    intervalMs: sourceCommon.intervalMs,
    timeoutMs: sourceCommon.timeoutMs,
    host: hostSchema.optional(),
    port: portSchema.optional(),
    unitId: z.number().int().min(0).max(255).optional(),
    meterUnitId: z.number().int().min(0).max(255).nullable().optional(),
    invertGrid: z.boolean().optional(),
    invertBattery: z.boolean().optional(),
    url: z.string().max(2000).optional(),
    username: z.string().max(256).optional(),
    password: z.string().max(1024).optional(),
    maxAgeMs: z.number().int().min(1000).max(86_400_000).optional(),
    headerName: z.string().max(100).optional(),
    headerValue: z.string().max(4096).optional(),
    fields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** One SunSpec model found while walking the chain. */
export const sunspecModelSchema = z.object({
  unitId: z.number().int(),
  id: z.number().int(),
  name: z.string(),
  address: z.number().int(),
  length: z.number().int(),
});
export type SunspecModel = z.infer<typeof sunspecModelSchema>;

export const energySourceStatusSchema = z.object({
  /** ok: the last read worked; failing: it did not (see error); unknown: not read yet; disabled. */
  state: z.enum(['ok', 'failing', 'unknown', 'disabled']),
  error: z.string().nullable(),
  lastOkAt: epochMsSchema.nullable(),
  lastErrorAt: epochMsSchema.nullable(),
});

/** The mask shown in place of a secret. */
export const SECRET_MASK = '********';

export const energySourceSchema = z.object({
  id: idSchema,
  name: z.string(),
  kind: energySourceKindSchema,
  enabled: z.boolean(),
  intervalMs: z.number().int(),
  timeoutMs: z.number().int(),
  /** Kind-specific settings; secrets (password, headerValue) are shown as the mask. */
  config: z.record(z.string(), z.unknown()),
  status: energySourceStatusSchema,
  /** The latest reading, or null before the first one. */
  latest: energyReadingSchema.nullable(),
  /** SunSpec only: the models found on the device(s). */
  models: z.array(sunspecModelSchema).optional(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type EnergySource = z.infer<typeof energySourceSchema>;

export const energyTestResultSchema = z.object({
  ok: z.boolean(),
  error: z.string().nullable(),
  values: energyValuesSchema.nullable(),
  models: z.array(sunspecModelSchema).optional(),
  ms: z.number(),
});

export const energyHistoryQuerySchema = z.object({
  from: z.coerce.number().int().nonnegative(),
  to: z.coerce.number().int().nonnegative(),
  /** Average into buckets of this many ms (0 = raw readings). */
  stepMs: z.coerce.number().int().min(0).max(86_400_000).default(0),
});
export const energyHistorySchema = z.object({
  stepMs: z.number().int(),
  points: z.array(energyReadingSchema.extend({ controlledW: z.number().nullable() })),
});

// ---------------------------------------------------------------- schedules

export const scheduleActionSchema = z.enum(['on', 'sleep', 'off']);
export type ScheduleAction = z.infer<typeof scheduleActionSchema>;
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

/**
 * A time window on some days of the week (0 = Sunday … 6 = Saturday, the day the window starts)
 * in a time zone. Inside it the devices are set to `action`; outside every window of the
 * schedule they are set to `outsideAction` unless that is null (left as they are).
 * A window whose end is before its start runs past midnight (22:00–06:00).
 */
/** The schedule's fields with no defaults: a PATCH changes only what it names. */
const scheduleFields = z.object({
  name: nameSchema,
  enabled: z.boolean(),
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7),
  start: hhmm,
  end: hhmm,
  timeZone: z
    .string()
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Berlin or UTC'),
  action: scheduleActionSchema,
  outsideAction: scheduleActionSchema.nullable(),
  deviceIds: z.array(idSchema).max(10_000),
  groupIds: z.array(idSchema).max(1000),
});
export const scheduleBodySchema = scheduleFields
  .extend({
    enabled: scheduleFields.shape.enabled.default(true),
    timeZone: scheduleFields.shape.timeZone.default('UTC'),
    outsideAction: scheduleFields.shape.outsideAction.default(null),
    deviceIds: scheduleFields.shape.deviceIds.default([]),
    groupIds: scheduleFields.shape.groupIds.default([]),
  })
  .strict();
export const scheduleCreateSchema = scheduleBodySchema;
export const scheduleUpdateSchema = scheduleFields.partial().strict();
export const scheduleSchema = z.object({
  id: idSchema,
  name: z.string(),
  enabled: z.boolean(),
  days: z.array(z.number().int()),
  start: z.string(),
  end: z.string(),
  timeZone: z.string(),
  action: scheduleActionSchema,
  outsideAction: scheduleActionSchema.nullable(),
  deviceIds: z.array(idSchema),
  groupIds: z.array(idSchema),
  /** Whether the window is open now. */
  activeNow: z.boolean(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type Schedule = z.infer<typeof scheduleSchema>;

// ---------------------------------------------------------------- solar controller

/**
 * Controller settings. Every threshold is named; a rule may override the per-device ones.
 * Defaults: tick 10 s, enable margin 100 W, disable threshold 0 W (import above it is a
 * deficit), enable delay 120 s, disable delay 180 s, min on 600 s, min off 300 s, settle 120 s,
 * 6 switches per hour, residual margin 100 W, SoC floor 20 %, battery priority SoC 90 %,
 * stale after 60 s, fallback hold 120 s, fallback "stop", 30 days of energy history.
 */
export const solarSettingsSchema = z
  .object({
    enabled: z.boolean(),
    /** The source whose grid/PV/battery readings drive the controller (null = the only one). */
    sourceId: idSchema.nullable(),
    tickMs: z.number().int().min(1000).max(600_000),
    /** Extra surplus (W) a step up needs beyond its own power. */
    enableMarginW: z.number().min(0).max(1_000_000),
    /** Import (W) above which running devices are a deficit. */
    disableThresholdW: z.number().min(0).max(1_000_000),
    /** Export (W) kept as headroom so the controller and a battery's own loop don't fight. */
    residualW: z.number().min(0).max(1_000_000),
    enableDelayS: z.number().int().min(0).max(86_400),
    disableDelayS: z.number().int().min(0).max(86_400),
    minOnS: z.number().int().min(0).max(86_400),
    minOffS: z.number().int().min(0).max(86_400),
    /** Time after a command before a device's power is trusted (its power is reserved meanwhile). */
    settleS: z.number().int().min(0).max(86_400),
    maxSwitchesPerHour: z.number().int().min(2).max(3600),
    /** When true, import above the threshold for the disable delay stops devices even inside their min on time. */
    strictImport: z.boolean(),
    /** At or below this SoC (%), solar devices are stopped at once and none start (null = no floor). */
    socFloor: z.number().min(0).max(100).nullable(),
    /** Below this SoC the battery's charging power is not surplus (the battery fills first). */
    prioritySoc: z.number().min(0).max(100),
    /** Above this SoC, battery discharge does not count as deficit for running devices (null = never). */
    bufferSoc: z.number().min(0).max(100).nullable(),
    /** A reading older than this is stale: the source counts as failing. */
    staleAfterS: z.number().int().min(1).max(86_400),
    /** How long a failing source is tolerated before the fallback applies. */
    fallbackHoldS: z.number().int().min(0).max(86_400),
    /** keep: leave devices as they are; stop: set every solar device to its off state. */
    fallback: z.enum(['keep', 'stop']),
    /** Energy readings and decisions older than this are pruned. */
    historyRetentionDays: z.number().min(1).max(3650),
  })
  .strict();
export type SolarSettings = z.infer<typeof solarSettingsSchema>;
export const solarSettingsUpdateSchema = solarSettingsSchema.partial().strict();

export const solarTargetTypeSchema = z.enum(['device', 'group']);
/** What the controller does to stop a unit: sleep (firmware sleep / stop playbooks) or off (relay). */
export const solarOffStateSchema = z.enum(['sleep', 'off']);

const ruleTimers = {
  enableDelayS: z.number().int().min(0).max(86_400).nullable().optional(),
  disableDelayS: z.number().int().min(0).max(86_400).nullable().optional(),
  minOnS: z.number().int().min(0).max(86_400).nullable().optional(),
  minOffS: z.number().int().min(0).max(86_400).nullable().optional(),
  settleS: z.number().int().min(0).max(86_400).nullable().optional(),
  maxSwitchesPerHour: z.number().int().min(2).max(3600).nullable().optional(),
};

/**
 * A device or group under solar control. Higher priority starts first and stops last.
 * `powerW` is what it draws at full power (null = learned from its reports while on);
 * `standbyW` while asleep. Optionally a reduced level between off and full: `reducedPowerTargetW`
 * (ASIC power target, or a rig's GPU power limit per GPU) drawing about `reducedW`.
 */
export const solarRuleBodySchema = z
  .object({
    targetType: solarTargetTypeSchema,
    targetId: idSchema,
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    enabled: z.boolean().default(true),
    powerW: z.number().min(1).max(10_000_000).nullable().default(null),
    standbyW: z.number().min(0).max(1_000_000).default(0),
    offState: solarOffStateSchema.default('sleep'),
    /** Power target (W) when fully on (null = the firmware's own). */
    onPowerTargetW: z.number().int().min(1).max(100_000).nullable().default(null),
    reducedPowerTargetW: z.number().int().min(1).max(100_000).nullable().default(null),
    reducedW: z.number().min(1).max(10_000_000).nullable().default(null),
    ...ruleTimers,
  })
  .strict()
  .refine((r) => (r.reducedPowerTargetW === null) === (r.reducedW === null), {
    message: 'reducedPowerTargetW and reducedW go together',
    path: ['reducedW'],
  });
export const solarRuleCreateSchema = solarRuleBodySchema;
export const solarRuleUpdateSchema = z
  .object({
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    enabled: z.boolean().optional(),
    powerW: z.number().min(1).max(10_000_000).nullable().optional(),
    standbyW: z.number().min(0).max(1_000_000).optional(),
    offState: solarOffStateSchema.optional(),
    onPowerTargetW: z.number().int().min(1).max(100_000).nullable().optional(),
    reducedPowerTargetW: z.number().int().min(1).max(100_000).nullable().optional(),
    reducedW: z.number().min(1).max(10_000_000).nullable().optional(),
    ...ruleTimers,
  })
  .strict();
export const solarPrioritiesSchema = z
  .object({
    /** Rule ids, highest priority first; priorities are renumbered from this order. */
    order: z.array(idSchema).min(1).max(10_000),
  })
  .strict();

export const solarUnitStateSchema = z.object({
  /** 0 = off/asleep, the highest = full power (a reduced level sits between when configured). */
  level: z.number().int(),
  maxLevel: z.number().int(),
  since: epochMsSchema.nullable(),
  /** auto (solar), forced by a schedule, or skipped (offline, refused, power unknown). */
  mode: z.enum(['auto', 'schedule', 'skipped', 'disabled']),
  reason: z.string().nullable(),
  switchesLastHour: z.number().int(),
  measuredW: z.number().nullable(),
});

export const solarRuleSchema = z.object({
  id: idSchema,
  targetType: solarTargetTypeSchema,
  targetId: idSchema,
  /** The device's or group's name. */
  name: z.string(),
  deviceIds: z.array(idSchema),
  priority: z.number().int(),
  enabled: z.boolean(),
  powerW: z.number().nullable(),
  standbyW: z.number(),
  offState: solarOffStateSchema,
  onPowerTargetW: z.number().nullable(),
  reducedPowerTargetW: z.number().nullable(),
  reducedW: z.number().nullable(),
  enableDelayS: z.number().nullable(),
  disableDelayS: z.number().nullable(),
  minOnS: z.number().nullable(),
  minOffS: z.number().nullable(),
  settleS: z.number().nullable(),
  maxSwitchesPerHour: z.number().nullable(),
  /** What the controller holds for it now (null before its first tick). */
  state: solarUnitStateSchema.nullable(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type SolarRule = z.infer<typeof solarRuleSchema>;

export const solarDecisionKindSchema = z.enum([
  'start',
  'stop',
  'step-up',
  'step-down',
  'hold',
  'skip',
  'fallback',
  'schedule',
  'adopt',
]);
export const solarDecisionSchema = z.object({
  id: z.number().int(),
  at: epochMsSchema,
  ruleId: idSchema.nullable(),
  name: z.string(),
  deviceIds: z.array(idSchema),
  kind: solarDecisionKindSchema,
  fromLevel: z.number().int().nullable(),
  toLevel: z.number().int().nullable(),
  /** One sentence: what was done and why, with its numbers. */
  reason: z.string(),
  numbers: z.record(z.string(), z.number().nullable()),
});
export type SolarDecision = z.infer<typeof solarDecisionSchema>;
export const solarDecisionQuerySchema = z.object({
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  ruleId: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const solarStatusSchema = z.object({
  enabled: z.boolean(),
  sourceId: idSchema.nullable(),
  source: energySourceStatusSchema.nullable(),
  reading: energyReadingSchema.nullable(),
  /** W the controller could still allocate (negative: a deficit), at its last tick. */
  surplusW: z.number().nullable(),
  /** W the devices under solar control draw now. */
  controlledW: z.number().nullable(),
  fallbackActive: z.boolean(),
  lastTickAt: epochMsSchema.nullable(),
  units: z.array(
    solarUnitStateSchema.extend({ ruleId: idSchema, name: z.string(), priority: z.number().int() }),
  ),
});

// ---------------------------------------------------------------- replay

/**
 * Replays the controller over a recorded day: from the history of a source, or from a CSV
 * (`time,pvW,houseW[,gridW,soc]`, time as HH:MM[:SS], ISO or epoch ms; houseW excludes the miners).
 * `settings` and `rules` override the stored ones (for tuning); `battery` simulates a home battery.
 */
export const replayRequestSchema = z
  .object({
    input: z.discriminatedUnion('from', [
      z
        .object({
          from: z.literal('history'),
          sourceId: idSchema.optional(),
          start: z.number().int().nonnegative(),
          end: z.number().int().nonnegative(),
        })
        .strict(),
      z.object({ from: z.literal('csv'), csv: z.string().min(1).max(5_000_000) }).strict(),
    ]),
    stepS: z.number().int().min(1).max(3600).default(10),
    settings: solarSettingsUpdateSchema.optional(),
    /** Rules to replay instead of the stored ones (id and name are free text here). */
    rules: z
      .array(
        z
          .object({
            id: z.string().min(1).max(100),
            name: z.string().min(1).max(200),
            priority: z.number().int(),
            powerW: z.number().min(1),
            standbyW: z.number().min(0).default(0),
            reducedW: z.number().min(1).nullable().default(null),
            ...ruleTimers,
          })
          .strict(),
      )
      .max(10_000)
      .optional(),
    battery: z
      .object({
        capacityWh: z.number().positive(),
        maxChargeW: z.number().positive(),
        maxDischargeW: z.number().positive(),
        startSoc: z.number().min(0).max(100),
        minSoc: z.number().min(0).max(100).default(10),
      })
      .strict()
      .optional(),
    /** How many decision sentences to return (the first ones). */
    maxDecisions: z.number().int().min(0).max(10_000).default(500),
  })
  .strict();
export type ReplayRequest = z.infer<typeof replayRequestSchema>;

export const replayResultSchema = z.object({
  from: epochMsSchema,
  to: epochMsSchema,
  stepS: z.number(),
  ticks: z.number().int(),
  /** Site totals over the day (kWh). */
  totals: z.object({
    pvKWh: z.number(),
    importedKWh: z.number(),
    exportedKWh: z.number(),
    /** Energy the controlled devices drew, split by where it came from. */
    minedKWh: z.number(),
    minedOnSolarKWh: z.number(),
    minedOnBatteryKWh: z.number(),
    minedOnGridKWh: z.number(),
    switches: z.number().int(),
    /** Longest stretch (s) with import above the disable threshold while a controlled device ran. */
    longestImportS: z.number(),
  }),
  devices: z.array(
    z.object({
      ruleId: z.string(),
      name: z.string(),
      switches: z.number().int(),
      maxSwitchesInAnHour: z.number().int(),
      onHours: z.number(),
      energyKWh: z.number(),
      solarKWh: z.number(),
      /** [start, end) epoch-ms intervals when it ran (any level above 0), for the day chart. */
      onIntervals: z.array(z.tuple([z.number(), z.number()])),
    }),
  ),
  /** Site power, downsampled to at most 1,440 points, for the day chart. */
  series: z.array(
    z.object({
      at: z.number(),
      pvW: z.number(),
      loadW: z.number(),
      gridW: z.number(),
      batterySoc: z.number().nullable(),
      controlledW: z.number(),
    }),
  ),
  decisions: z.array(
    z.object({
      at: z.number(),
      ruleId: z.string().nullable(),
      kind: solarDecisionKindSchema,
      reason: z.string(),
    }),
  ),
  decisionsTotal: z.number().int(),
});
export type ReplayResult = z.infer<typeof replayResultSchema>;
