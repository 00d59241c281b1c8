import type { SentryKind } from '@mrm/protocol';
import { CommanderError } from './commander-client.js';
import { enroll } from './enroll.js';

export type Logger = (msg: string, extra?: Record<string, unknown>) => void;

/** One JSON object per line on stdout, as journald and log shippers like it. */
export const jsonLogger: Logger = (msg, extra) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...extra })}\n`);
};

/** Prints `program: message` to stderr and exits. */
export function fail(program: string, message: string, code = 1): never {
  process.stderr.write(`${program}: ${message}\n`);
  process.exit(code);
}

/**
 * The `enroll` command both sentries share: checks URL and token with the commander, pins its key,
 * saves the config, and on failure says what to do about it.
 */
export async function enrollCommand(
  program: string,
  kind: SentryKind,
  version: string,
  opts: { url: string; token: string; stateDir: string },
): Promise<void> {
  try {
    const c = await enroll({ url: opts.url, token: opts.token, kind, version, stateDir: opts.stateDir });
    process.stdout.write(
      `OK: enrolled as "${c.name}" (${c.sentryId}) with ${c.commanderUrl}\ncommander key fingerprint ${c.commanderKeyFingerprint}\n`,
    );
  } catch (err) {
    if (err instanceof CommanderError) {
      const other =
        kind === 'rig'
          ? 'an ASIC sentry token; install mrm-asic-sentry for it, or create a rig sentry'
          : 'a rig sentry token; install mrm-rig-sentry for it, or create an ASIC sentry';
      const hint: Record<string, string> = {
        unreachable: 'check the URL and that the commander is running and reachable from this machine',
        'wrong-token': 'copy the token again from the commander (or rotate the sentry to get a new one)',
        revoked: 'this sentry was revoked on the commander; rotate it there to get a new token',
        'wrong-kind': `this is ${other}`,
      };
      fail(program, `${err.message}\n  ${hint[err.kind] ?? ''}`.trimEnd());
    }
    fail(program, (err as Error).message);
  }
}
