#!/usr/bin/env node
// Runs the bundled sentry (npm run build) when there is one. From a source checkout it runs the TypeScript through
// tsx, in a child Node that resolves the workspace packages to their sources.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/mrm-asic-sentry.cjs', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', main, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
