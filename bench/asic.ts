/**
 * The ASIC sentry benchmarks (part of `npm run bench`):
 *
 * - Scan: 400 simulated miners of the 12 simulated makes/firmwares spread over 127.2.0.0/22
 *   (1,022 addresses), found with the sentry's own CLI (`scan 127.2.0.0/22 --json`) in its own
 *   process. The time is the one the CLI prints, taken inside the scanning process from the start
 *   of the scan command to its end (process start-up and module loading excluded).
 * - Poll: 2,000 simulated miners on 127.3.0.1 … (inside 127.3.0.0/21), watched by one enrolled ASIC
 *   sentry (`run`, at the real 30 s poll interval) reporting to a built commander. The sentry
 *   process alone is measured (CPU share of one core from /proc/<pid>/stat, RSS from
 *   /proc/<pid>/status); the simulators live in a separate process.
 *
 * Run alone (after `npm run build`): `node --conditions=source --import tsx bench/asic.ts`.
 * BENCH_ASIC_POLL_MS shortens the poll interval (development only; figures are for 30 s);
 * BENCH_ASIC_SENTRY_NODE_FLAGS adds Node flags to the measured sentry (e.g. --cpu-prof).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);
/** The bundle the commander serves and the install script runs (`npm run build` writes it). */
const sentryBundle = join(root, 'packages/asic-sentry/dist/mrm-asic-sentry.cjs');
/** The Node flags of the systemd unit the install script writes. */
const unitFlags = ['--max-semi-space-size=1'];
/** The farm child runs the simulators from source. */
const fromSource = ['--conditions=source', '--import', 'tsx'];
const ADMIN_PASSWORD = 'bench-admin-password';
const CLK_TCK = 100; // Linux USER_HZ

export const asicTargets = { scanSeconds: 5, cpuPct: 20, rssMB: 200 } as const;

const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FarmHost {
  host: string;
  type: string;
  make: string;
  model: string;
}

// ---------------------------------------------------------------------------------------------
// Child: the simulators, in their own process so the sentry is measured alone.
// `asic.ts farm FIRST COUNT STRIDE`: miner i at FIRST + floor(i * STRIDE), makes in turn.

async function farmChild(firstHost: string, count: number, stride: number) {
  const { asicSimFactories, simulatedAsicKinds } = await import('@mrm/simulators/asics');
  const base = ipToInt(firstHost);
  const sims = Array.from({ length: count }, (_, i) => {
    const kind = simulatedAsicKinds[i % simulatedAsicKinds.length]!;
    return asicSimFactories[kind]!({ host: intToIp(base + Math.floor(i * stride)) });
  });
  for (let i = 0; i < sims.length; i += 50) await Promise.all(sims.slice(i, i + 50).map((s) => s.start()));
  const hosts: FarmHost[] = sims.map((s) => ({ host: s.host, type: s.type, make: s.make, model: s.model }));
  process.stdout.write(`READY ${JSON.stringify(hosts)}\n`);
  const stop = async () => {
    await Promise.race([Promise.all(sims.map((s) => s.stop())), sleep(3_000)]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  // The parent going away closes stdin: stop then too.
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

async function startFarmProcess(firstHost: string, count: number, stride: number) {
  const child = spawn(
    process.execPath,
    [...fromSource, self, 'farm', firstHost, String(count), String(stride)],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const hosts = await new Promise<FarmHost[]>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /READY (.*)\n/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(JSON.parse(m[1]!));
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`simulator farm exited (${code}) before it was ready`)));
  });
  return {
    hosts,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers: commander in its own process (built), API calls, /proc figures.

async function startCommander(dataDir: string) {
  const main = join(root, 'packages/commander/dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [main], {
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
  child.stdout!.resume();
  // warn level hides the listen line: find the port from the process's listening socket.
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`commander exited (${child.exitCode})`);
    try {
      const ss = execFileSync('ss', ['-ltnp'], { encoding: 'utf8' });
      const line = ss.split('\n').find((l) => l.includes(`pid=${child.pid},`));
      const m = line && /127\.0\.0\.1:(\d+)/.exec(line);
      if (m) return { child, url: `http://127.0.0.1:${m[1]}` };
    } catch {
      // ss not ready; try again
    }
    if (Date.now() - started > 30_000) throw new Error('commander did not start');
    await sleep(100);
  }
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function api(url: string, token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function procFigures(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuSeconds: cpuTicks / CLK_TCK, rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

function runToExit(args: string[], env?: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// ---------------------------------------------------------------------------------------------
// Scan: 400 miners spread over a /22.

export interface AsicScanFigures {
  range: string;
  addresses: number;
  miners: number;
  found: number;
  misidentified: number;
  /** Types of the miners not found, with counts. */
  missed: Record<string, number>;
  seconds: number;
  processSeconds: number;
  kinds: number;
  /** 1-minute load average of the machine right after the scan. */
  loadAverage: number;
}

export async function asicScanBench(): Promise<AsicScanFigures> {
  const range = '127.2.0.0/22';
  const addresses = 1022;
  const miners = 400;
  // Spread over the range: 127.2.0.1 … 127.2.3.252, about every 2.5th address.
  const farm = await startFarmProcess('127.2.0.1', miners, addresses / miners);
  try {
    const expected = new Map(farm.hosts.map((h) => [h.host, h]));
    const stateDir = mkdtempSync(join(tmpdir(), 'mrm-bench-asic-scan-'));
    const t0 = performance.now();
    const r = await runToExit([sentryBundle, 'scan', range, '--json', '--state-dir', stateDir]);
    const processSeconds = (performance.now() - t0) / 1000;
    rmSync(stateDir, { recursive: true, force: true });
    const m = /(\d+) miner\(s\) found in ([\d.]+) s/.exec(r.stderr);
    if (r.code !== 0 || !m) throw new Error(`scan failed (${r.code}):\n${r.stderr}`);
    const hits = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { ip: string; type: string });
    const seen = new Set<string>();
    let found = 0;
    let misidentified = 0;
    for (const h of hits) {
      const e = expected.get(h.ip);
      if (!e || seen.has(h.ip)) continue;
      seen.add(h.ip);
      found++;
      if (e.type !== h.type) misidentified++;
    }
    const missed: Record<string, number> = {};
    for (const h of farm.hosts) if (!seen.has(h.host)) missed[h.type] = (missed[h.type] ?? 0) + 1;
    return {
      range,
      addresses,
      miners,
      found,
      misidentified,
      missed,
      seconds: Number(m[2]),
      processSeconds,
      kinds: new Set(farm.hosts.map((h) => `${h.type}/${h.model}`)).size,
      loadAverage: loadavg()[0]!,
    };
  } finally {
    await farm.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Poll: 2,000 miners, one sentry, real interval.

export interface AsicPollFigures {
  miners: number;
  pollIntervalMs: number;
  measuredSeconds: number;
  cyclesMeasured: number;
  cycleMs: number[];
  cpuSharePct: number;
  rssMiB: number;
  peakRssMiB: number;
  lifetimePeakRssMiB: number;
  devicesAtCommander: number;
  devicesByStatus: Record<string, number>;
  startupSeconds: number;
  /** 1-minute load average of the machine at the end of the measurement. */
  loadAverage: number;
}

export async function asicPollBench(): Promise<AsicPollFigures> {
  const miners = 2000;
  const pollIntervalMs = Number(process.env.BENCH_ASIC_POLL_MS ?? 30_000);
  const measureMs = Math.max(2 * pollIntervalMs, process.env.BENCH_ASIC_POLL_MS ? 0 : 60_000);
  const { identify } = await import('@mrm/asic-sentry');
  const farm = await startFarmProcess('127.3.0.1', miners, 1);
  const dir = mkdtempSync(join(tmpdir(), 'mrm-bench-asic-poll-'));
  const dataDir = join(dir, 'commander');
  const stateDir = join(dir, 'sentry');
  const commander = await startCommander(dataDir).catch(async (err) => {
    await farm.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  let sentry: ChildProcess | undefined;
  try {
    const url = commander.url;
    const admin = (
      await api(url, null, 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })
    ).token as string;
    const created = await api(url, admin, 'POST', '/api/v1/sentries', { name: 'bench asic', kind: 'asic' });
    const enrolled = await runToExit([
      sentryBundle,
      'enroll',
      '--url',
      url,
      '--token',
      created.token,
      '--state-dir',
      stateDir,
    ]);
    if (enrolled.code !== 0) throw new Error(`enroll failed:\n${enrolled.stderr}`);

    // The watch list as a scan would have saved it: each miner with the identity identify() gives.
    const asics: object[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 128 }, async () => {
        while (next < farm.hosts.length) {
          const h = farm.hosts[next++]!;
          const identity = await identify({ ip: h.host, timeoutMs: 5_000, maxBytes: 1024 * 1024 });
          if (!identity) throw new Error(`${h.host} (${h.type}) was not identified`);
          asics.push({ ip: h.host, type: identity.type, identity, addedAt: Date.now(), source: 'local' });
        }
      }),
    );
    writeFileSync(join(stateDir, 'asics.json'), JSON.stringify({ asics }), { mode: 0o600 });

    const statusFile = join(stateDir, 'status.json');
    const readStatus = () => {
      try {
        return JSON.parse(readFileSync(statusFile, 'utf8')) as {
          lastReportAt: number | null;
          lastCycleMs: number | null;
        };
      } catch {
        return null;
      }
    };
    const started = performance.now();
    const proc = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_ASIC_SENTRY_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
        ...unitFlags,
        sentryBundle,
        'run',
        '--state-dir',
        stateDir,
      ],
      {
        cwd: root,
        env: { ...process.env, MRM_ASIC_POLL_INTERVAL_MS: String(pollIntervalMs) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    sentry = proc;
    let log = '';
    let settledAt = 0;
    proc.stdout!.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-20_000);
      if (!settledAt && log.includes(`: ${miners} ASIC(s)`)) settledAt = Date.now();
    });
    // Warm-up: the first cycle (start, JIT, first connection to every miner) and its report; the
    // commander then lists the 2,000 ASICs in the sentry's desired state, which makes the sentry
    // poll once more at once. Measuring starts after that extra cycle has been reported too.
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`sentry exited (${proc.exitCode}):\n${log}`);
      const s = readStatus();
      if (settledAt && s?.lastReportAt && s.lastReportAt > settledAt) break;
      if (performance.now() - started > 5 * 60_000) throw new Error(`sentry did not settle:\n${log}`);
      await sleep(200);
    }
    const startupSeconds = (performance.now() - started) / 1000;
    const pid = proc.pid!;
    const a = procFigures(pid);
    const t0 = performance.now();
    let peak = a.rssMiB;
    let lastReport = readStatus()?.lastReportAt;
    const cycleMs: number[] = [];
    while (performance.now() - t0 < measureMs) {
      await sleep(250);
      peak = Math.max(peak, procFigures(pid).rssMiB);
      const s = readStatus();
      if (s?.lastReportAt && s.lastReportAt !== lastReport && s.lastCycleMs !== null) {
        lastReport = s.lastReportAt;
        cycleMs.push(s.lastCycleMs);
      }
    }
    const b = procFigures(pid);
    const measuredSeconds = (performance.now() - t0) / 1000;
    const loadAverage = loadavg()[0]!;

    const byStatus: Record<string, number> = {};
    let total = 0;
    for (let offset = 0; ; offset += 1000) {
      const page = await api(
        url,
        admin,
        'GET',
        `/api/v1/devices?kind=asic&sentryId=${created.id}&limit=1000&offset=${offset}`,
      );
      total = page.total;
      for (const d of page.items as Array<{ status: string }>)
        byStatus[d.status] = (byStatus[d.status] ?? 0) + 1;
      if (offset + 1000 >= total) break;
    }
    return {
      miners,
      pollIntervalMs,
      measuredSeconds,
      cyclesMeasured: cycleMs.length,
      cycleMs,
      cpuSharePct: ((b.cpuSeconds - a.cpuSeconds) / measuredSeconds) * 100,
      rssMiB: b.rssMiB,
      peakRssMiB: peak,
      lifetimePeakRssMiB: b.hwmMiB,
      devicesAtCommander: total,
      devicesByStatus: byStatus,
      startupSeconds,
      loadAverage,
    };
  } finally {
    if (sentry) await stopChild(sentry);
    await stopChild(commander.child);
    await farm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

export interface AsicFigures {
  scan: AsicScanFigures;
  poll: AsicPollFigures;
}

export async function asicBench(): Promise<AsicFigures> {
  const scan = await asicScanBench();
  process.stdout.write(`ASIC scan: ${scan.found}/${scan.miners} found in ${scan.seconds} s\n`);
  const poll = await asicPollBench();
  process.stdout.write(
    `ASIC poll: ${poll.cpuSharePct.toFixed(2)} % of one core, RSS ${poll.rssMiB.toFixed(1)} MiB (peak ${poll.lifetimePeakRssMiB.toFixed(1)} MiB), ${poll.devicesAtCommander}/${poll.miners} at the commander\n`,
  );
  return { scan, poll };
}

const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The section `npm run bench` appends to docs/benchmarks.md. */
export function asicMarkdown({ scan, poll }: AsicFigures): string {
  const mib = (n: number) => `${n.toFixed(1)} MiB`;
  const statuses = Object.entries(poll.devicesByStatus)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`)
    .join(', ');
  const cycles = poll.cycleMs.length ? poll.cycleMs.map((c) => (c / 1000).toFixed(1)).join(' s, ') : '-';
  const missed = Object.entries(scan.missed)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const rssOk = poll.lifetimePeakRssMiB * 2 ** 20 <= asicTargets.rssMB * 1e6;
  return `
## ASIC sentry

### Scan

${scan.miners} simulated miners (${scan.kinds} makes/firmwares, taken in turn) spread over
\`${scan.range}\` (${scan.addresses.toLocaleString('en-US')} addresses, about every 2.5th taken), each on
its own loopback address and its make's real ports, in their own process. The sentry's CLI
(\`mrm-asic-sentry scan ${scan.range} --json\`, the bundled sentry, default concurrency)
scans in another process: a TCP connect to ports 80, 4028 and 4433 of every address, then
identification of the hosts that answered and a first hashrate read. The time is the one the
CLI prints, taken inside the scanning process (start-up and module loading excluded; the whole
process took ${scan.processSeconds.toFixed(1)} s). Load average after the scan: ${scan.loadAverage.toFixed(2)} on ${cpus().length} cores.

| figure | measured | target |
|---|---|---|
| time to scan the /22 | ${scan.seconds.toFixed(1)} s | at most ${asicTargets.scanSeconds} s (${verdict(scan.seconds <= asicTargets.scanSeconds)}) |
| miners found | ${scan.found}/${scan.miners}${scan.misidentified ? ` (${scan.misidentified} with the wrong type)` : ''}${missed ? `; missed: ${missed}` : ''} | all ${scan.miners} (${verdict(scan.found === scan.miners && !scan.misidentified)}) |

For comparison, asic-rs (the fastest public library we know of) reports 11.7 s for a /22
holding 441 miners, on real hardware on a real LAN; loopback has no network latency, so
compare with care.

### Polling ${poll.miners.toLocaleString('en-US')} miners

${poll.miners.toLocaleString('en-US')} simulated miners (all makes in turn) in one process; one enrolled
ASIC sentry (\`mrm-asic-sentry run\`: the bundle with the install script's Node flags, default settings: poll every
${poll.pollIntervalMs / 1000} s, 64 at once) watching them, reporting to a built commander on SQLite. Its
watch list was written as a scan would save it. After warming up (the first cycle, and the extra
cycle the sentry runs once the commander's desired state lists the new ASICs; ${poll.startupSeconds.toFixed(0)} s from start),
the sentry process alone was measured over ${poll.measuredSeconds.toFixed(0)} s
(${poll.cyclesMeasured} poll cycles: ${cycles} s each). Load average at the end: ${poll.loadAverage.toFixed(2)}
on ${cpus().length} cores (the simulators and the commander run on the same machine).

| figure | measured | target |
|---|---|---|
| CPU, share of one core | ${poll.cpuSharePct.toFixed(1)} % | at most ${asicTargets.cpuPct} % (${verdict(poll.cpuSharePct <= asicTargets.cpuPct)}) |
| RSS at the end | ${mib(poll.rssMiB)} | at most ${asicTargets.rssMB} MB |
| peak RSS (measured window / process lifetime) | ${mib(poll.peakRssMiB)} / ${mib(poll.lifetimePeakRssMiB)} | at most ${asicTargets.rssMB} MB (${verdict(rssOk)}) |
| devices the commander shows | ${poll.devicesAtCommander.toLocaleString('en-US')}/${poll.miners.toLocaleString('en-US')} (${statuses}) | all |

The sentry runs as installed: the one-file bundle with the systemd unit's Node flags.
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'farm') {
    await farmChild(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
  } else {
    const figures = await asicBench();
    process.stdout.write(`${asicMarkdown(figures)}\n${JSON.stringify(figures, null, 2)}\n`);
  }
}
