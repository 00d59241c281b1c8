/**
 * The rig sentry's own footprint with two simulated miners (RSS and CPU share of one core over
 * 60 s), and the time from saving a changed wallet to the miner running with it (20 changes).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMinerArchive } from '@mrm/simulators';

const root = new URL('..', import.meta.url).pathname;
const ADMIN_PASSWORD = 'bench-admin-password';
const CLK_TCK = 100; // Linux USER_HZ

async function api(
  url: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  raw?: Buffer,
) {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': raw ? 'application/octet-stream' : 'application/json',
    },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function procStat(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds: cpuTicks / CLK_TCK, rssMiB: rssKb / 1024 };
}

const pct = (list: number[], p: number) => {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0;
};

export async function sentryBench(commanderUrl: string, opts: { footprintMs: number; changes: number }) {
  const token = (
    await api(commanderUrl, null, 'POST', '/api/v1/auth/login', {
      username: 'admin',
      password: ADMIN_PASSWORD,
    })
  ).token as string;
  const dir = mkdtempSync(join(tmpdir(), 'mrm-bench-sentry-'));
  for (const [program, version, executable] of [
    ['xmrig', '6.22.2', 'xmrig'],
    ['lolminer', '1.92', 'lolMiner'],
  ] as const) {
    const a = await makeMinerArchive(program, version, dir, { topLevelFolder: true, format: 'tar.gz' });
    const hosted = await api(
      commanderUrl,
      token,
      'POST',
      '/api/v1/software/archives',
      undefined,
      readFileSync(a.path),
    );
    await api(commanderUrl, token, 'POST', '/api/v1/software', {
      name: program,
      version,
      platform: 'linux-x64',
      url: hosted.url,
      sha256: hosted.sha256,
      executable,
      adapter: program,
    });
  }
  const tpl = async (name: string, kind: string, value: string) =>
    (await api(commanderUrl, token, 'POST', '/api/v1/templates', { name, kind, value })).id as string;
  const pools = [
    await tpl('p1', 'pool', 'stratum+tcp://xmr.pool.example:3333'),
    await tpl('p2', 'pool', 'stratum+tcp://etc.pool.example:1010'),
  ];
  const walletId = await tpl('w1', 'wallet', 'walletA0');
  const etcWallet = await tpl('w2', 'wallet', '0x52908400098527886E0F7030069857D2E4169EE7');
  const rig = await api(commanderUrl, token, 'POST', '/api/v1/sentries', { name: 'bench rig', kind: 'rig' });
  const stateDir = join(dir, 'state');
  // The bundled single file, as rigs run it (npm run build writes it).
  const bin = join(root, 'packages/rig-sentry/dist/mrm-rig-sentry.cjs');
  await new Promise<void>((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [bin, 'enroll', '--url', commanderUrl, '--token', rig.token, '--state-dir', stateDir],
      { stdio: 'inherit' },
    );
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`enroll exited ${code}`))));
  });
  // Defaults an operator gets (30 s reports, 60 s poll, push on).
  // The Node flags of the systemd unit the install script writes.
  const sentry = spawn(process.execPath, ['--max-semi-space-size=1', bin, 'run', '--state-dir', stateDir], {
    stdio: 'ignore',
  });
  try {
    const cpu = await api(commanderUrl, token, 'POST', `/api/v1/rigs/${rig.id}/playbooks`, {
      name: 'CPU',
      software: { name: 'xmrig', version: '6.22.2' },
      script:
        './xmrig --url $CPU_POOL --user $CPU_WALLET --pass $WORKER_NAME --http-host 127.0.0.1 --http-port $API_PORT',
      templates: { $CPU_POOL: pools[0], $CPU_WALLET: walletId },
    });
    await api(commanderUrl, token, 'POST', `/api/v1/rigs/${rig.id}/playbooks`, {
      name: 'GPU',
      software: { name: 'lolminer', version: '1.92' },
      script:
        './lolMiner --algo ETCHASH --pool $GPU_POOL_1 --user $GPU_WALLET_1 --apihost 127.0.0.1 --apiport $API_PORT',
      templates: { $GPU_POOL_1: pools[1], $GPU_WALLET_1: etcWallet },
    });
    const log = join(stateDir, 'logs', `${cpu.id}.log`);
    const runningWith = (wallet: string) =>
      existsSync(log) && readFileSync(log, 'utf8').includes(`wallet=${wallet} `);
    const waitFor = async (pred: () => boolean, ms: number) => {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > ms) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await waitFor(() => runningWith('walletA0'), 60_000);
    await new Promise((r) => setTimeout(r, 5_000)); // settle after the start-up
    const a = procStat(sentry.pid!);
    let peakRss = a.rssMiB;
    const t0 = Date.now();
    while (Date.now() - t0 < opts.footprintMs) {
      await new Promise((r) => setTimeout(r, 1000));
      peakRss = Math.max(peakRss, procStat(sentry.pid!).rssMiB);
    }
    const b = procStat(sentry.pid!);
    const cpuShare = ((b.cpuSeconds - a.cpuSeconds) / ((Date.now() - t0) / 1000)) * 100;

    const latencies: number[] = [];
    for (let i = 1; i <= opts.changes; i++) {
      const wallet = `walletB${i}`;
      const saved = Date.now();
      await api(commanderUrl, token, 'PATCH', `/api/v1/templates/${walletId}`, { value: wallet });
      await waitFor(() => runningWith(wallet), 30_000);
      latencies.push(Date.now() - saved);
    }
    return {
      rssMiB: b.rssMiB,
      peakRssMiB: peakRss,
      cpuSharePct: cpuShare,
      footprintSeconds: opts.footprintMs / 1000,
      p50: pct(latencies, 50),
      p95: pct(latencies, 95),
      changes: latencies.length,
    };
  } finally {
    sentry.kill('SIGTERM');
    await new Promise((r) => sentry.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
