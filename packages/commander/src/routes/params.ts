import { z } from 'zod';

export const idParams = z.object({ id: z.string().uuid('must be a UUID') });
export const rigPlaybookParams = z.object({
  id: z.string().uuid('must be a UUID'),
  playbookId: z.string().uuid('must be a UUID'),
});
export const okSchema = z.object({ ok: z.literal(true) });
