#!/usr/bin/env node
// Runs the built simulator when there is one; from a source checkout, runs the TypeScript through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/fake-miner.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/fake-miner.ts', import.meta.url).href);
}
