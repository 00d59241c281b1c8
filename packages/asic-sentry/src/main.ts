import { main } from './cli.js';

main().catch((err) => {
  process.stderr.write(`mrm-asic-sentry: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
