#!/usr/bin/env node
// Bundles the rig sentry into one CommonJS file that any Node >= 20.19 runs with no install:
// the file the commander serves to rigs for the one-line install.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
export const bundlePath = join(root, 'packages/rig-sentry/dist/mrm-rig-sentry.cjs');

export async function bundleRigSentry(outfile = bundlePath) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(root, 'packages/rig-sentry/src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    conditions: ['source'],
    // ws loads these native speed-ups only if present; the sentry does not need them.
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: '#!/usr/bin/env node' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await bundleRigSentry(process.argv[2]);
  process.stdout.write(`bundled the rig sentry into ${out}\n`);
}
