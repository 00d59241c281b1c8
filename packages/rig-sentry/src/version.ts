export const SENTRY_VERSION = '0.1.0';
