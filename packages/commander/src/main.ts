#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.js';
import { createCommander } from './server.js';

/** Entry point: configuration from the environment, graceful shutdown on SIGINT/SIGTERM. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mrm-commander: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const commander = await createCommander(config);
  const log = commander.ctx.log;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    commander.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const address = await commander.listen();
  const users = await commander.ctx.store.db.selectFrom('users').select('id').limit(1).execute();
  log.info({ address, database: commander.ctx.store.describe }, 'commander listening');
  if (!users.length) {
    log.warn(
      'no users yet: set MRM_ADMIN_PASSWORD and restart, or POST /api/v1/setup {username, password} to create the first admin',
    );
  }
}

main().catch((err) => {
  process.stderr.write(
    `mrm-commander: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
