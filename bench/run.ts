/**
 * `npm run bench`: the ingest benchmark. A commander (built, SQLite, its own process) takes
 * batched reports from many simulated sentries over loopback; the same load generator then hits
 * bare Fastify answering a trivial route. Figures are printed and written to docs/benchmarks.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { asicBench, asicMarkdown } from './asic.js';
import { sentryBench } from './sentry.js';
import { solarBench, solarMarkdown } from './solar.js';
import { webBench, webMarkdown } from './web.js';

const root = new URL('..', import.meta.url).pathname;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = 2_000;
const ADMIN_PASSWORD = 'bench-admin-password';

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(m[1] ?? m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`process exited (${code}) before it was ready:\n${out}`)));
  });
}

async function json(url: string, method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

function runLoad(job: object): {
  requestsPerSec: number;
  devicesPerSec: number;
  p50: number;
  p99: number;
  errors: number;
} {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/load.ts'), JSON.stringify(job)],
    {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(out.toString());
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function startCommander(dataDir: string) {
  const child = spawn(process.execPath, [join(root, 'packages/commander/dist/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      MRM_DATA_DIR: dataDir,
      MRM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MRM_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // warn level hides the listen line, so find the port from the process's sockets via a log-free probe.
  child.stdout!.resume();
  const port = await new Promise<number>((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      try {
        const ss = execFileSync('ss', ['-ltnp'], { encoding: 'utf8' });
        const line = ss.split('\n').find((l) => l.includes(`pid=${child.pid},`));
        const m = line && /127\.0\.0\.1:(\d+)/.exec(line);
        if (m) return resolve(Number(m[1]));
      } catch {
        // ss not ready; try again
      }
      if (Date.now() - started > 30_000) return reject(new Error('commander did not start'));
      setTimeout(tick, 100);
    };
    tick();
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function scenario(name: string, kind: 'rig' | 'asic', sentries: number, devicesPerBatch: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mrm-bench-'));
  const { child, url } = await startCommander(dataDir);
  try {
    const { token: admin } = await json(url, 'POST', '/api/v1/auth/login', null, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    const tokens: string[] = [];
    for (let i = 0; i < sentries; i++) {
      tokens.push((await json(url, 'POST', '/api/v1/sentries', admin, { name: `bench-${i}`, kind })).token);
    }
    const result = runLoad({
      url,
      path: '/api/sentry/v1/report',
      method: 'POST',
      tokens,
      devicesPerBatch,
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
    });
    return { name, sentries, devicesPerBatch, ...result, peakRssMiB: peakRssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function bare(connections: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/bare-server.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await waitForLine(child, /(http:\/\/\S+)\n/);
    return runLoad({
      url,
      path: '/ping',
      method: 'GET',
      tokens: Array(connections).fill('x'),
      devicesPerBatch: 0,
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
    });
  } finally {
    child.kill('SIGTERM');
  }
}

execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const connections = 32;
const asic = await scenario('ASIC sentries, 100 ASICs per batch', 'asic', connections, 100);
const rig = await scenario('rig sentries, 1 rig per batch', 'rig', connections, 1);
const baseline = await bare(connections);
const sentryFigures = await (async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mrm-bench-'));
  const { child, url } = await startCommander(dataDir);
  try {
    return await sentryBench(url, {
      footprintMs: Number(process.env.BENCH_SENTRY_MS ?? 60_000),
      changes: 20,
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
})();
const asicFigures = await asicBench();
const solarFigures = await solarBench();
const webFigures = await webBench();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(1);
const rows = [asic, rig].map(
  (s) =>
    `| ${s.name} | ${s.sentries} | ${fmt(s.devicesPerSec)} | ${fmt(s.requestsPerSec)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.errors} | ${s.peakRssMiB} | ${((s.devicesPerSec / baseline.requestsPerSec) * 100).toFixed(0)}% | ${((s.requestsPerSec / baseline.requestsPerSec) * 100).toFixed(0)}% |`,
);
const date = new Date().toISOString().slice(0, 10);
const md = `# Benchmarks

Written by \`npm run bench\` (last run ${date}, Node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB).
Figures vary with the machine and whatever else it is doing; compare runs on one machine.

## Ingest (commander on SQLite, over loopback)

Each simulated sentry keeps one keep-alive connection and posts report batches back to back for
${DURATION_MS / 1000} s after a ${WARMUP_MS / 1000} s warm-up; the load generator runs in its own process. A device report
carries status, hashrate, power, three temperatures, two fans and a pool. The bare baseline is
Fastify answering \`GET /ping\` with \`{"ok":true}\` under the same load generator and connections.

| scenario | sentries | device-reports/s | requests/s | p50 ms | p99 ms | errors | server peak RSS MiB | device-reports ÷ bare req/s | requests ÷ bare req/s |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Bare HTTP (same machine, same run): **${fmt(baseline.requestsPerSec)} requests/s**, p50 ${ms(baseline.p50)} ms, p99 ${ms(baseline.p99)} ms.

Targets on a 2-core machine with SQLite: at least 5,000 device-reports per second (150,000 devices
reporting every 30 s) and at least 30 % of bare HTTP throughput. A farm's ASICs arrive in batches
from their ASIC sentry, which is the first row; the second row is the worst case, one device per
request, where the per-request cost (auth lookup, validation, one transaction) dominates.

## Rig sentry

The rig sentry process alone (not its miners), with two simulated miners (XMRig and lolMiner)
running under it at the operator defaults (reports every 30 s, desired-state poll every 60 s,
push connected), measured over ${sentryFigures.footprintSeconds} s:

| figure | measured | target |
|---|---|---|
| RSS at the end | ${sentryFigures.rssMiB.toFixed(1)} MiB | at most 80 MB |
| peak RSS | ${sentryFigures.peakRssMiB.toFixed(1)} MiB | at most 80 MB |
| CPU, share of one core | ${sentryFigures.cpuSharePct.toFixed(2)} % | at most 1 % |

Saving a changed wallet template to the miner running with the new wallet (push; the sentry
verifies the signed state, stops both playbooks, rewrites the scripts and starts them), over
${sentryFigures.changes} changes: **p50 ${sentryFigures.p50} ms, p95 ${sentryFigures.p95} ms** (target p95 at most 2 s).
`;
const doc = `${md}${asicMarkdown(asicFigures)}${solarMarkdown(solarFigures)}${webMarkdown(webFigures)}`;
writeFileSync(join(root, 'docs/benchmarks.md'), doc);
process.stdout.write(`\n${doc}\n`);
