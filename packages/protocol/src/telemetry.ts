import { z } from 'zod';
import { epochMsSchema } from './common.js';
import { limits } from './limits.js';

/** What a device is doing, as its sentry sees it. The commander adds `unreachable` when the sentry is silent. */
export const deviceStatusSchema = z.enum(['mining', 'idle', 'starting', 'sleeping', 'error', 'offline']);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

const finite = z.number().finite();
const reading = z.object({ name: z.string().max(64), value: finite }).strict();

export const poolStatusSchema = z
  .object({
    url: z.string().max(512),
    user: z.string().max(512).optional(),
    status: z.string().max(32).optional(),
    accepted: z.number().int().nonnegative().optional(),
    rejected: z.number().int().nonnegative().optional(),
    stale: z.number().int().nonnegative().optional(),
  })
  .strict();
export type PoolStatus = z.infer<typeof poolStatusSchema>;

/**
 * One device's state at one moment. `key` names the device within its sentry: `rig` for a rig
 * sentry's own machine, the ASIC's address (or MAC) for an ASIC sentry.
 */
export const deviceReportSchema = z
  .object({
    key: z.string().min(1).max(128),
    at: epochMsSchema,
    status: deviceStatusSchema,
    name: z.string().max(128).optional(),
    make: z.string().max(64).optional(),
    model: z.string().max(128).optional(),
    firmware: z.string().max(128).optional(),
    algorithm: z.string().max(64).optional(),
    /** Total hashrate in H/s. */
    hashrate: finite.nonnegative().optional(),
    /** Power draw in watts. */
    power: finite.nonnegative().optional(),
    temperatures: z.array(reading).max(limits.maxReadingsPerDevice).optional(),
    /** Fan speeds in RPM (or percent where the device only reports that, named so). */
    fans: z.array(reading).max(limits.maxReadingsPerDevice).optional(),
    pools: z.array(poolStatusSchema).max(limits.maxPoolsPerDevice).optional(),
    uptime: z.number().int().nonnegative().optional(),
    /** Driver-specific detail (boards, GPUs, playbooks); bounded so one device cannot fill the store. */
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .refine((d) => d === undefined || JSON.stringify(d).length <= limits.maxDetailsBytes, {
        message: `details must serialise to at most ${limits.maxDetailsBytes} bytes`,
      }),
  })
  .strict();
export type DeviceReport = z.infer<typeof deviceReportSchema>;
