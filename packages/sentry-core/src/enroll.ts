import { hostname, platform } from 'node:os';
import type { SentryKind } from '@mrm/protocol';
import { CommanderClient } from './commander-client.js';
import { type SentryConfig, saveConfig } from './config.js';

/**
 * The seed's check: the sentry presents URL and token, the commander answers with who we are and
 * the key to pin. Nothing is saved unless the commander said OK.
 */
export async function enroll(opts: {
  url: string;
  token: string;
  kind: SentryKind;
  version: string;
  stateDir: string;
}): Promise<SentryConfig> {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new Error(`"${opts.url}" is not a URL; use the commander URL shown when the sentry was created`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('the commander URL must start with http:// or https://');
  const client = new CommanderClient(url.toString(), opts.token);
  const hello = await client.hello({
    kind: opts.kind,
    version: opts.version,
    hostname: hostname(),
    platform: platform(),
  });
  const config: SentryConfig = {
    commanderUrl: client.baseUrl,
    token: opts.token,
    sentryId: hello.sentry.id,
    name: hello.sentry.name,
    kind: hello.sentry.kind,
    commanderPublicKey: hello.commanderPublicKey,
    commanderKeyFingerprint: hello.commanderKeyFingerprint,
    enrolledAt: Date.now(),
  };
  saveConfig(opts.stateDir, config);
  return config;
}
