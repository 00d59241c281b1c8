#!/usr/bin/env node
// Bundles each sentry into one CommonJS file that any Node >= 20.19 runs with no install:
// the files the commander serves for the one-line installs.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
export const bundlePath = join(root, 'packages/rig-sentry/dist/mrm-rig-sentry.cjs');
export const asicBundlePath = join(root, 'packages/asic-sentry/dist/mrm-asic-sentry.cjs');

export async function bundleRigSentry(outfile = bundlePath) {
  return bundleSentry('rig', outfile);
}

export async function bundleAsicSentry(outfile = asicBundlePath) {
  return bundleSentry('asic', outfile);
}

async function bundleSentry(kind, outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(root, `packages/${kind}-sentry/src/main.ts`)],
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
  const rig = await bundleRigSentry(process.argv[2]);
  const asic = await bundleAsicSentry(process.argv[3]);
  process.stdout.write(`bundled the sentries into ${rig} and ${asic}\n`);
}
