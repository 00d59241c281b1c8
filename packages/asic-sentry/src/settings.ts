import { asicLimits } from './model.js';

export interface AsicSettings {
  /** How often every ASIC is read. */
  pollIntervalMs: number;
  /** Per request to a miner. */
  requestTimeoutMs: number;
  /** Largest answer taken from a miner. */
  maxResponseBytes: number;
  /** Miners read at once. */
  pollConcurrency: number;
  /** How often the desired state is checked when push is down. */
  desiredStatePollMs: number;
  /** Least time between two switches of one relay. */
  relayMinIntervalMs: number;
  /** After a control command, how long before the same ASIC may be sent another (its state is read back first). */
  controlRetryMs: number;
  /** Device reports per outbox batch. */
  devicesPerBatch: number;
  push: boolean;
}

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return n;
}

/** Settings from MRM_ASIC_* / MRM_SENTRY_* variables; a bad value stops the sentry with a clear message. */
export function loadAsicSettings(): AsicSettings {
  return {
    pollIntervalMs: intEnv('MRM_ASIC_POLL_INTERVAL_MS', asicLimits.pollIntervalMs, 200),
    requestTimeoutMs: intEnv('MRM_ASIC_REQUEST_TIMEOUT_MS', asicLimits.requestTimeoutMs, 50),
    maxResponseBytes: intEnv('MRM_ASIC_MAX_RESPONSE_BYTES', asicLimits.maxResponseBytes, 1024),
    pollConcurrency: intEnv('MRM_ASIC_POLL_CONCURRENCY', 64, 1),
    desiredStatePollMs: intEnv('MRM_SENTRY_POLL_INTERVAL_MS', 60_000, 200),
    relayMinIntervalMs: intEnv('MRM_ASIC_RELAY_MIN_INTERVAL_MS', 60_000, 0),
    controlRetryMs: intEnv('MRM_ASIC_CONTROL_RETRY_MS', 60_000, 0),
    devicesPerBatch: intEnv('MRM_ASIC_DEVICES_PER_BATCH', 500, 1),
    push: process.env.MRM_SENTRY_PUSH !== '0',
  };
}
