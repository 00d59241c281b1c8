import { z } from 'zod';
import { limits } from './limits.js';

/** Control characters (C0, DEL, C1) never belong in names, addresses or URLs. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

export const idSchema = z.string().uuid();

/** A display name: trimmed, non-empty, bounded, no control characters. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(limits.maxNameLength, `must be at most ${limits.maxNameLength} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

export function hasControlChars(s: string): boolean {
  return CONTROL_CHARS.test(s);
}

export const sentryKindSchema = z.enum(['rig', 'asic']);
export type SentryKind = z.infer<typeof sentryKindSchema>;

export const roleSchema = z.enum(['admin', 'operator', 'viewer']);
export type Role = z.infer<typeof roleSchema>;

/** Epoch milliseconds; every timestamp on the wire uses this form. */
export const epochMsSchema = z.number().int().nonnegative();

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(limits.maxPageSize).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export function pageOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int() });
}
