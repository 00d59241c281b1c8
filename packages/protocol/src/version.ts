/** Version of the commander ↔ sentry wire protocol. Bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

/** Every sentry route lives under this prefix, so a v2 can run beside v1 during an upgrade. */
export const SENTRY_API_PREFIX = '/api/sentry/v1';

export const sentryPaths = {
  hello: `${SENTRY_API_PREFIX}/hello`,
  report: `${SENTRY_API_PREFIX}/report`,
  desiredState: `${SENTRY_API_PREFIX}/desired-state`,
  push: `${SENTRY_API_PREFIX}/push`,
} as const;
