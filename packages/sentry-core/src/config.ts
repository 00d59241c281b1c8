import { join } from 'node:path';
import type { SentryKind } from '@mrm/protocol';
import { readJsonFile, writeJsonFile } from './state-files.js';

/** What enrolment stores in the state dir: where the commander is, who we are, and the key we pinned. */
export interface SentryConfig {
  commanderUrl: string;
  token: string;
  sentryId: string;
  name: string;
  kind: SentryKind;
  /** Ed25519 public key (PEM) pinned at enrolment; desired states must verify against it. */
  commanderPublicKey: string;
  commanderKeyFingerprint: string;
  enrolledAt: number;
}

export const CONFIG_FILE = 'config.json';

export function loadConfig(stateDir: string): SentryConfig | null {
  return readJsonFile<SentryConfig>(join(stateDir, CONFIG_FILE));
}

export function saveConfig(stateDir: string, config: SentryConfig): void {
  // The token is a secret: the file is written 0600.
  writeJsonFile(join(stateDir, CONFIG_FILE), config);
}

export class NotEnrolledError extends Error {
  constructor(stateDir: string) {
    super(
      `this sentry is not enrolled (no ${CONFIG_FILE} in ${stateDir}); run "enroll --url URL --token TOKEN" first`,
    );
  }
}

export function requireConfig(stateDir: string): SentryConfig {
  const c = loadConfig(stateDir);
  if (!c) throw new NotEnrolledError(stateDir);
  return c;
}
