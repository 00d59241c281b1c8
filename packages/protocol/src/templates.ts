import { z } from 'zod';
import { hasControlChars, idSchema, nameSchema } from './common.js';
import { limits } from './limits.js';

/** Pool URL schemes the supported mining programs understand. */
export const poolSchemes = [
  'stratum+tcp',
  'stratum+ssl',
  'stratum+tls',
  'stratum1+tcp',
  'stratum1+ssl',
  'stratum2+tcp',
  'stratum2+ssl',
  'ethproxy+tcp',
  'ethproxy+ssl',
  'nicehash+tcp',
  'nicehash+ssl',
  'ssl',
  'tcp',
] as const;

const WHITESPACE = /\s/;
/** host:port after the scheme; host is a DNS name, IPv4 or bracketed IPv6. */
const HOST_PORT =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]+\]):(\d{1,5})(?:\/[^\s]*)?$/;

/** Returns why a pool URL is unacceptable, or null when it is fine. */
export function poolUrlProblem(value: string): string | null {
  const sep = value.indexOf('://');
  if (sep < 0) return `must start with a scheme such as stratum+tcp:// (allowed: ${poolSchemes.join(', ')})`;
  const scheme = value.slice(0, sep).toLowerCase();
  if (!(poolSchemes as readonly string[]).includes(scheme)) {
    return `scheme "${scheme}" is not supported (allowed: ${poolSchemes.join(', ')})`;
  }
  const rest = value.slice(sep + 3);
  const m = HOST_PORT.exec(rest);
  if (!m) return 'must be scheme://host:port';
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return 'port must be between 1 and 65535';
  return null;
}

/** Wallets vary by coin (and may carry .worker or +difficulty suffixes); we only refuse what is unsafe. */
export function walletProblem(value: string): string | null {
  if (!/^[A-Za-z0-9._:@+\-/=]+$/.test(value)) {
    return 'may contain only letters, digits and . _ : @ + - / =';
  }
  return null;
}

export const templateKindSchema = z.enum(['pool', 'wallet']);
export type TemplateKind = z.infer<typeof templateKindSchema>;

const labelSchema = z
  .string()
  .trim()
  .max(32, 'must be at most 32 characters')
  .regex(/^[A-Za-z0-9._/-]*$/, 'may contain only letters, digits and . _ / -');

const templateValueSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(limits.maxTemplateValueLength, `must be at most ${limits.maxTemplateValueLength} characters`)
  .refine((s) => !hasControlChars(s), 'must not contain control characters')
  .refine((s) => !WHITESPACE.test(s), 'must not contain whitespace');

export const templateInputSchema = z
  .object({
    name: nameSchema,
    kind: templateKindSchema,
    value: templateValueSchema,
    coin: labelSchema.optional(),
    algorithm: labelSchema.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const problem = t.kind === 'pool' ? poolUrlProblem(t.value) : walletProblem(t.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });
export type TemplateInput = z.infer<typeof templateInputSchema>;

export const templateUpdateSchema = z
  .object({
    name: nameSchema.optional(),
    value: templateValueSchema.optional(),
    coin: labelSchema.optional(),
    algorithm: labelSchema.optional(),
  })
  .strict();
export type TemplateUpdate = z.infer<typeof templateUpdateSchema>;

export const templateSchema = z.object({
  id: idSchema,
  name: z.string(),
  kind: templateKindSchema,
  value: z.string(),
  coin: z.string().nullable(),
  algorithm: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  usedBy: z.array(z.object({ playbookId: idSchema, playbookName: z.string(), rigId: idSchema })),
});
export type Template = z.infer<typeof templateSchema>;
