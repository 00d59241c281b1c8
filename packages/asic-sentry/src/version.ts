/** This sentry's version, reported to the commander in hello. */
export const SENTRY_VERSION = '0.1.0';
