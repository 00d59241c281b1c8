/**
 * A simulated mining program: `fake-miner <program> <the real program's arguments>`. It prints
 * what it was started with, serves the program's real API shape on the address its flags give,
 * and hashes nothing.
 *
 * Environment knobs for tests: MRM_SIM_HASHRATE (H/s; 0 = runs but does not hash),
 * MRM_SIM_CRASH_AFTER_MS (exit 1 after that long), MRM_SIM_NO_API=1, MRM_SIM_EXACT=1 (serve the
 * fixture bytes unchanged).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { SimState } from './miners/types.js';
import { programs } from './programs.js';

const fixturesDir = fileURLToPath(new URL('../fixtures/miners/', import.meta.url));

function main() {
  const [name, ...args] = process.argv.slice(2);
  const program = name ? programs[name] : undefined;
  if (!program) {
    process.stderr.write(
      `fake-miner: unknown program "${name}" (known: ${Object.keys(programs).join(', ')})\n`,
    );
    process.exit(2);
  }
  const start = program.parseArgs(args);
  const state: SimState = {
    start,
    startedAt: Date.now(),
    hashrate: Number(process.env.MRM_SIM_HASHRATE ?? (name === 'xmrig' ? 1250 : 120e6)),
    accepted: 0,
  };
  const api = process.env.MRM_SIM_NO_API === '1' ? null : start.api;
  process.stdout.write(
    `SIM-STARTED program=${name} pool=${start.pool || '-'} wallet=${start.wallet || '-'} worker=${start.worker || '-'} api=${api ? `${api.host}:${api.port}` : '-'} pid=${process.pid}\n`,
  );
  const timer = setInterval(() => {
    if (state.hashrate > 0) state.accepted++;
    process.stdout.write(
      `[${new Date().toISOString()}] speed ${state.hashrate} H/s, accepted ${state.accepted}\n`,
    );
  }, 1000);
  const crashAfter = Number(process.env.MRM_SIM_CRASH_AFTER_MS ?? 0);
  if (crashAfter > 0) setTimeout(() => process.exit(1), crashAfter);

  const server = api
    ? createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0]!;
        const file = program.fixtures[path];
        if (!file) return res.writeHead(404).end();
        const text = readFileSync(fixturesDir + file, 'utf8');
        const body =
          process.env.MRM_SIM_EXACT === '1'
            ? text
            : JSON.stringify(program.render(path, JSON.parse(text), state));
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      })
    : null;
  server?.on('error', (err) => {
    process.stderr.write(`fake-miner: cannot listen on ${api?.host}:${api?.port}: ${err.message}\n`);
    process.exit(3);
  });
  server?.listen(api!.port, api!.host);
  const stop = () => {
    clearInterval(timer);
    server?.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
