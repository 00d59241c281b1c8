#!/usr/bin/env node
// The whole suite: lint, type-check, then every test (unit, integration on SQLite and PostgreSQL,
// end-to-end over real sockets). Ends with one plain "N passed, N failed" line that CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const resultsDir = join(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });

let passed = 0;
let failed = 0;

function step(name, cmd, args) {
  process.stdout.write(
    `\n== ${name}: ${[cmd.replace(`${root}node_modules/.bin/`, ''), ...args].join(' ')}\n`,
  );
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  process.stdout.write(`== ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`}\n`);
  return ok;
}

for (const [name, cmd, args] of [
  ['lint', bin('biome'), ['check', '.']],
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.test.json']],
  // The dashboard has its own compiler settings (JSX, DOM); its tests are in the check above.
  ['typecheck web', bin('tsc'), ['-p', 'packages/web/tsconfig.json']],
]) {
  if (step(name, cmd, args)) passed++;
  else failed++;
}

const jsonFile = join(resultsDir, 'vitest.json');
rmSync(jsonFile, { force: true });
const extra = process.argv.slice(2);
step('tests', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${jsonFile}`,
  ...extra,
]);
if (existsSync(jsonFile)) {
  const report = JSON.parse(readFileSync(jsonFile, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numTotalTestSuites > 0 ? 0 : 1);
  // A file that fails to load has no tests to count; count it as a failure so it cannot hide.
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed++;
  }
  const skipped = report.numPendingTests + report.numTodoTests;
  if (skipped) {
    process.stdout.write(`${skipped} tests were skipped or left as todo; the suite allows none\n`);
    failed += skipped;
  }
} else {
  process.stdout.write('vitest wrote no results\n');
  failed++;
}

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
