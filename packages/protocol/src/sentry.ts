import { z } from 'zod';
import { epochMsSchema, idSchema, sentryKindSchema } from './common.js';
import { limits } from './limits.js';
import { deviceReportSchema } from './telemetry.js';

/** hello: the sentry proves its token and learns whom it talks to. */
export const helloRequestSchema = z
  .object({
    kind: sentryKindSchema,
    version: z.string().min(1).max(32),
    hostname: z.string().max(255).optional(),
    platform: z.string().max(32).optional(),
  })
  .strict();
export type HelloRequest = z.infer<typeof helloRequestSchema>;

export const helloResponseSchema = z.object({
  protocolVersion: z.number().int(),
  sentry: z.object({ id: idSchema, name: z.string(), kind: sentryKindSchema }),
  /** Ed25519 public key (SPKI, PEM) the sentry pins to verify desired-state documents. */
  commanderPublicKey: z.string(),
  /** SHA-256 of the DER public key, hex, for an operator to compare by eye. */
  commanderKeyFingerprint: z.string(),
  serverTime: epochMsSchema,
  /** Highest report sequence number stored for this sentry; its outbox continues above it. */
  lastSeq: z.number().int().nonnegative(),
});
export type HelloResponse = z.infer<typeof helloResponseSchema>;

/** report: telemetry in numbered batches; the commander stores each sequence number once. */
export const reportBatchSchema = z
  .object({
    seq: z.number().int().positive(),
    devices: z.array(deviceReportSchema).max(limits.maxDevicesPerBatch),
  })
  .strict();
export type ReportBatch = z.infer<typeof reportBatchSchema>;

export const reportRequestSchema = z
  .object({
    batches: z.array(reportBatchSchema).min(1).max(limits.maxBatchesPerReport),
  })
  .strict();
export type ReportRequest = z.infer<typeof reportRequestSchema>;

export const reportResponseSchema = z.object({
  /** Highest sequence number the commander has stored for this sentry; the outbox may drop up to it. */
  ackSeq: z.number().int().nonnegative(),
  stored: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
});
export type ReportResponse = z.infer<typeof reportResponseSchema>;

/** A rig playbook as the sentry receives it: template ids already resolved to their values. */
export const archiveRefSchema = z.object({
  url: z.string(),
  /** Pinned by the catalogue or an operator; a rig refuses an archive without one. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
export type ArchiveRef = z.infer<typeof archiveRefSchema>;

export const desiredPlaybookSchema = z.object({
  id: idSchema,
  name: z.string(),
  software: z.object({
    name: z.string(),
    version: z.string(),
    /** File inside the archive to run (without .exe). */
    executable: z.string(),
    /** Stats adapter that reads this program's API, or "none". */
    adapter: z.string(),
    /** Per platform (linux-x64, linux-arm64, win-x64). */
    archives: z.record(z.string(), archiveRefSchema),
  }),
  script: z.string(),
  /** Placeholder → raw value. The sentry quotes each for its shell before filling the script. */
  values: z.record(z.string(), z.string()),
  apiPort: z.number().int(),
  /** W per GPU while this playbook runs; null leaves the GPUs' limits alone. */
  gpuPowerLimitW: z.number().int().nullable().default(null),
});
export type DesiredPlaybook = z.infer<typeof desiredPlaybookSchema>;

export const asicPowerStateSchema = z.enum(['on', 'sleep', 'off']);
export type AsicPowerState = z.infer<typeof asicPowerStateSchema>;

export const desiredAsicSchema = z.object({
  id: idSchema,
  name: z.string(),
  type: z.string(),
  ip: z.string(),
  port: z.number().int().nullable(),
  powerState: asicPowerStateSchema,
  /** W to tune the ASIC to while on, where the firmware allows; null leaves the firmware's setting. */
  powerTargetW: z.number().int().nullable().default(null),
});
export type DesiredAsic = z.infer<typeof desiredAsicSchema>;

const desiredStateBase = {
  /** Audience: a document for one sentry is refused by any other. */
  sentryId: idSchema,
  /** Increases whenever the content changes; a sentry refuses a revision lower than one it applied. */
  revision: z.number().int().nonnegative(),
  issuedAt: epochMsSchema,
};

export const desiredStateDocumentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rig'), ...desiredStateBase, playbooks: z.array(desiredPlaybookSchema) }),
  z.object({ kind: z.literal('asic'), ...desiredStateBase, asics: z.array(desiredAsicSchema) }),
]);
export type DesiredStateDocument = z.infer<typeof desiredStateDocumentSchema>;

/**
 * The signed envelope: `payload` is the exact JSON text that was signed, so no re-serialisation can
 * change what the signature covers.
 */
export const signedDocumentSchema = z.object({
  payload: z.string(),
  /** Ed25519 signature over the UTF-8 bytes of payload, base64. */
  signature: z.string(),
  keyFingerprint: z.string(),
});
export type SignedDocument = z.infer<typeof signedDocumentSchema>;

/** Commands the commander can send over the push socket. */
export const sentryCommandNameSchema = z.enum([
  'restart-playbook',
  'stop-all',
  'start-all',
  'reboot',
  'fetch-logs',
  /** ASIC sentry: check that an ASIC answers and is of the given type (answer: its identity as JSON). */
  'check-asic',
  /** ASIC sentry: scan address ranges (answer: what was found, as JSON). */
  'scan-asics',
  /** ASIC sentry: reboot one ASIC (args.key) through its firmware, once. */
  'reboot-asic',
]);
export type SentryCommandName = z.infer<typeof sentryCommandNameSchema>;

export const pushServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), sentryId: idSchema, revision: z.number().int() }),
  z.object({ type: z.literal('desired-state-changed'), revision: z.number().int() }),
  z.object({
    type: z.literal('command'),
    id: idSchema,
    command: sentryCommandNameSchema,
    args: z.record(z.string(), z.unknown()),
  }),
]);
export type PushServerMessage = z.infer<typeof pushServerMessageSchema>;

export const pushClientMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('command-result'),
      id: idSchema,
      ok: z.boolean(),
      output: z
        .string()
        .max(256 * 1024)
        .optional(),
    })
    .strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type PushClientMessage = z.infer<typeof pushClientMessageSchema>;
