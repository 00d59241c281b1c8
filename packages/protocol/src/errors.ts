import { z } from 'zod';

/** Machine-readable error codes; the HTTP status says the class, the code says which case. */
export const errorCodes = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unprocessable',
  'rate_limited',
  'token_revoked',
  'wrong_sentry_kind',
  'internal',
  'unavailable',
  /** An ASIC sentry must check an ASIC but is not connected. */
  'sentry_offline',
  /** A sentry did not answer a command in time. */
  'sentry_timeout',
  /** The sentry checked an ASIC and found it unreachable or of another type. */
  'asic_check_failed',
  /** The sentry answered with something the commander cannot use. */
  'bad_sentry_answer',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
