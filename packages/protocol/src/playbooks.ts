import { z } from 'zod';
import { hasControlChars, idSchema, nameSchema } from './common.js';
import { limits } from './limits.js';

/**
 * Placeholders carried over from the project's earlier system, so operators can paste their scripts.
 * Pool and wallet placeholders take template ids; WORKER_NAME and API_PORT are filled by the commander.
 */
export const poolPlaceholders = ['CPU_POOL', 'GPU_POOL_1', 'GPU_POOL_2'] as const;
export const walletPlaceholders = ['CPU_WALLET', 'GPU_WALLET_1', 'GPU_WALLET_2'] as const;
export const templatePlaceholders = [...poolPlaceholders, ...walletPlaceholders] as const;
export const builtinPlaceholders = ['WORKER_NAME', 'API_PORT'] as const;
export const placeholders = [...builtinPlaceholders, ...templatePlaceholders] as const;
export type Placeholder = (typeof placeholders)[number];
export type TemplatePlaceholder = (typeof templatePlaceholders)[number];

const PLACEHOLDER_RE = new RegExp(
  `\\$(?:\\{(${placeholders.join('|')})\\}|(${placeholders.join('|')})(?![A-Za-z0-9_]))`,
  'g',
);

/** Placeholders a script uses, in order of first use, each once. Both $NAME and ${NAME} count. */
export function placeholdersIn(script: string): Placeholder[] {
  const found = new Set<Placeholder>();
  for (const m of script.matchAll(PLACEHOLDER_RE)) found.add((m[1] ?? m[2]) as Placeholder);
  return [...found];
}

/**
 * Replaces placeholders with already-quoted values. Quoting is the caller's job because it depends
 * on the target shell (sh or cmd.exe); this only finds the places.
 */
export function fillPlaceholders(script: string, quoted: Partial<Record<Placeholder, string>>): string {
  return script.replace(PLACEHOLDER_RE, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as Placeholder;
    const value = quoted[name];
    return value === undefined ? whole : value;
  });
}

export const softwareRefSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits and . _ -'),
    version: z
      .string()
      .min(1)
      .max(32)
      .regex(/^[A-Za-z0-9._+-]+$/, 'may contain only letters, digits and . _ + -'),
  })
  .strict();
export type SoftwareRef = z.infer<typeof softwareRefSchema>;

const scriptSchema = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => Buffer.byteLength(s, 'utf8') <= limits.maxScriptBytes, {
    message: `must be at most ${limits.maxScriptBytes} bytes`,
  })
  // Tabs and newlines are normal in scripts; other control characters are not.
  .refine((s) => !hasControlChars(s.replace(/[\t\r\n]/g, '')), 'must not contain control characters');

const gpuPowerLimitSchema = z
  .number()
  .int()
  .min(10, 'must be at least 10 W')
  .max(1000, 'must be at most 1000 W');

const workerNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits and . _ -');

/**
 * Template ids for the pool/wallet placeholders the script uses, keyed by placeholder as written in
 * the script: {"$CPU_POOL": id, "$CPU_WALLET": id}. Keys without the "$" are accepted too.
 */
export const playbookTemplatesSchema = z.preprocess(
  (v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).map(([k, id]) => [k.startsWith('$') ? k : `$${k}`, id]))
      : v,
  z
    .object(
      Object.fromEntries(templatePlaceholders.map((p) => [`$${p}`, idSchema.optional()])) as Record<
        `$${TemplatePlaceholder}`,
        z.ZodOptional<typeof idSchema>
      >,
    )
    .strict(),
);
export type PlaybookTemplates = Partial<Record<`$${TemplatePlaceholder}`, string>>;

export const playbookInputSchema = z
  .object({
    name: nameSchema,
    software: softwareRefSchema,
    script: scriptSchema,
    templates: playbookTemplatesSchema.default({}),
    workerName: workerNameSchema.optional(),
    /** Power limit in W applied to each GPU before the miner starts, restored when it stops. */
    gpuPowerLimitW: gpuPowerLimitSchema.optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type PlaybookInput = z.infer<typeof playbookInputSchema>;

export const playbookUpdateSchema = z
  .object({
    name: nameSchema.optional(),
    software: softwareRefSchema.optional(),
    script: scriptSchema.optional(),
    templates: playbookTemplatesSchema.optional(),
    workerName: workerNameSchema.nullable().optional(),
    gpuPowerLimitW: gpuPowerLimitSchema.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type PlaybookUpdate = z.infer<typeof playbookUpdateSchema>;

export const playbookSchema = z.object({
  id: idSchema,
  rigId: idSchema,
  name: z.string(),
  software: z.object({ name: z.string(), version: z.string() }),
  script: z.string(),
  /** Placeholder (with its $) → template id. */
  templates: z.record(z.string(), z.string()),
  workerName: z.string().nullable(),
  apiPort: z.number().int(),
  gpuPowerLimitW: z.number().int().nullable(),
  enabled: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Playbook = z.infer<typeof playbookSchema>;
