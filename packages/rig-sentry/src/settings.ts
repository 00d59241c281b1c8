/** Tunables of the rig sentry, with the defaults an operator gets; environment overrides are for tests and odd rigs. */
export interface RigSettings {
  /** Fallback poll of the desired state when push is down (the seed: every minute). */
  pollIntervalMs: number;
  /** How often telemetry is collected and sent. */
  reportIntervalMs: number;
  /** Use the push WebSocket (off = poll only). */
  push: boolean;
  /** A new playbook set must be running (and hashing, where the program reports it) within this, or it is rolled back. */
  healthWindowMs: number;
  /** A miner at zero hashrate for this long is restarted. */
  zeroHashrateRestartMs: number;
  /** Restart backoff after a crash: base · 2^n, capped. */
  restartBaseMs: number;
  restartMaxMs: number;
  /** More restarts than this within the window marks the playbook failing (and stops restarting it). */
  maxRestarts: number;
  restartWindowMs: number;
  /** SIGTERM grace before SIGKILL. */
  stopGraceMs: number;
  /** Whether the commander may reboot this machine. Off unless the operator turns it on here. */
  allowReboot: boolean;
  /**
   * Added to every playbook's API port. The commander numbers ports per rig from 42001, so several
   * rig sentries on one machine (the demo, tests) each need their own offset.
   */
  apiPortOffset: number;
}

export const defaultSettings: RigSettings = {
  pollIntervalMs: 60_000,
  reportIntervalMs: 30_000,
  push: true,
  healthWindowMs: 180_000,
  zeroHashrateRestartMs: 300_000,
  restartBaseMs: 2_000,
  restartMaxMs: 60_000,
  maxRestarts: 5,
  restartWindowMs: 600_000,
  stopGraceMs: 10_000,
  allowReboot: false,
  apiPortOffset: 0,
};

const envNames: Record<keyof RigSettings, string> = {
  pollIntervalMs: 'MRM_SENTRY_POLL_MS',
  reportIntervalMs: 'MRM_SENTRY_REPORT_MS',
  push: 'MRM_SENTRY_PUSH',
  healthWindowMs: 'MRM_SENTRY_HEALTH_MS',
  zeroHashrateRestartMs: 'MRM_SENTRY_ZERO_HASHRATE_MS',
  restartBaseMs: 'MRM_SENTRY_RESTART_BASE_MS',
  restartMaxMs: 'MRM_SENTRY_RESTART_MAX_MS',
  maxRestarts: 'MRM_SENTRY_MAX_RESTARTS',
  restartWindowMs: 'MRM_SENTRY_RESTART_WINDOW_MS',
  stopGraceMs: 'MRM_SENTRY_STOP_GRACE_MS',
  allowReboot: 'MRM_SENTRY_ALLOW_REBOOT',
  apiPortOffset: 'MRM_SENTRY_API_PORT_OFFSET',
};

export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  file: Partial<RigSettings> = {},
): RigSettings {
  const out: RigSettings = { ...defaultSettings, ...file };
  for (const [key, name] of Object.entries(envNames) as [keyof RigSettings, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (typeof defaultSettings[key] === 'boolean') {
      (out as unknown as Record<string, unknown>)[key] = raw === '1' || raw.toLowerCase() === 'true';
    } else {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0)
        throw new Error(`${name} must be a non-negative number of milliseconds (or a count)`);
      (out as unknown as Record<string, unknown>)[key] = n;
    }
  }
  return out;
}
