/**
 * `npm run demo`: the commander (built, SQLite in a throw-away folder) with a simulated farm, so a
 * newcomer sees a live dashboard with one command:
 * - three rigs, each a real rig sentry (the bundle the commander serves) running simulated XMRig
 *   and lolMiner from real playbooks;
 * - a few dozen simulated ASICs of every supported make on loopback addresses, found by a real
 *   ASIC sentry's `scan --add` and polled by its daemon; one IceRiver sits behind a simulated Shelly;
 * - their figures drift every few seconds, so the dashboard moves without a reload.
 * Ctrl-C stops everything and removes the folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMinerArchive } from '@mrm/simulators';
import { ShellySim, type SimulatedFarm, startFarm } from '@mrm/simulators/asics';
import { type SunspecSim, startSunspecSim, sunspecSimAvailable } from '@mrm/simulators/energy';

const root = new URL('..', import.meta.url).pathname;
const port = Number(process.env.MRM_DEMO_PORT ?? 8080);
const host = process.env.MRM_DEMO_HOST ?? '127.0.0.1';
const password = process.env.MRM_DEMO_PASSWORD ?? 'demo-password';
const asicCount = Number(process.env.MRM_DEMO_ASICS ?? 36);
const url = `http://${host}:${port}`;
const dir = mkdtempSync(join(tmpdir(), 'mrm-demo-'));
const children: ChildProcess[] = [];
let farm: SimulatedFarm | undefined;
let relay: ShellySim | undefined;
let inverter: SunspecSim | undefined;

const say = (msg: string) => process.stdout.write(`demo: ${msg}\n`);

function start(name: string, args: string[], env: Record<string, string> = {}, quiet = true): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit',
  });
  child.stderr?.on('data', (d) => process.stderr.write(`[${name}] ${d}`));
  children.push(child);
  return child;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: ${err || out}`)),
    );
  });
}

async function api(token: string | null, method: string, path: string, body?: unknown, raw?: Buffer) {
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

async function waitReady() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the commander did not come up on ${url}`);
}

async function stopAll(code = 0) {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null)));
  await farm?.stop();
  await relay?.stop();
  await inverter?.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void stopAll());
process.on('SIGTERM', () => void stopAll());

try {
  const commanderMain = join(root, 'packages/commander/dist/main.js');
  const rigBundle = join(root, 'packages/rig-sentry/dist/mrm-rig-sentry.cjs');
  const asicBundle = join(root, 'packages/asic-sentry/dist/mrm-asic-sentry.cjs');
  start('commander', [commanderMain], {
    PORT: String(port),
    HOST: host,
    MRM_DATA_DIR: join(dir, 'commander'),
    MRM_ADMIN_PASSWORD: password,
    MRM_LOG_LEVEL: 'warn',
  });
  await waitReady();
  const { token } = await api(null, 'POST', '/api/v1/auth/login', { username: 'admin', password });

  // Simulated mining programs, hosted on the commander and pinned by sha256, as an offline farm does.
  for (const [program, version, executable, format, top] of [
    ['xmrig', '6.22.2', 'xmrig', 'tar.gz', true],
    ['lolminer', '1.92', 'lolMiner', 'zip', false],
  ] as const) {
    const archive = await makeMinerArchive(program, version, join(dir, 'archives'), {
      topLevelFolder: top,
      format,
    });
    const hosted = await api(
      token,
      'POST',
      '/api/v1/software/archives',
      undefined,
      readFileSync(archive.path),
    );
    await api(token, 'POST', '/api/v1/software', {
      name: program,
      version,
      platform: 'linux-x64',
      url: hosted.url,
      sha256: hosted.sha256,
      executable,
      adapter: program,
    });
  }
  const template = async (name: string, kind: 'pool' | 'wallet', value: string, coin: string) =>
    (await api(token, 'POST', '/api/v1/templates', { name, kind, value, coin })).id as string;
  const xmrPool = await template('XMR pool', 'pool', 'stratum+ssl://xmr.pool.example:443', 'XMR');
  const xmrWallet = await template(
    'XMR wallet',
    'wallet',
    '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
    'XMR',
  );
  const etcPool = await template('ETC pool', 'pool', 'stratum+tcp://etc.pool.example:1010', 'ETC');
  const etcWallet = await template(
    'ETC wallet',
    'wallet',
    '0x52908400098527886E0F7030069857D2E4169EE7',
    'ETC',
  );

  // Three rigs, each a real rig sentry; their API ports are offset so they share this machine.
  for (let i = 1; i <= 3; i++) {
    const rig = await api(token, 'POST', '/api/v1/sentries', { name: `rig-0${i}`, kind: 'rig' });
    const stateDir = join(dir, `rig-0${i}`);
    await run([rigBundle, 'enroll', '--url', url, '--token', rig.token, '--state-dir', stateDir]);
    start(`rig-0${i}`, [rigBundle, 'run', '--state-dir', stateDir], {
      MRM_SENTRY_API_PORT_OFFSET: String(i * 100),
      MRM_SENTRY_REPORT_MS: '5000',
    });
    await api(token, 'POST', `/api/v1/rigs/${rig.id}/playbooks`, {
      name: 'CPU',
      software: { name: 'xmrig', version: '6.22.2' },
      script:
        './xmrig --url $CPU_POOL --user $CPU_WALLET --pass $WORKER_NAME --http-host 127.0.0.1 --http-port $API_PORT',
      templates: { $CPU_POOL: xmrPool, $CPU_WALLET: xmrWallet },
    });
    if (i !== 2)
      await api(token, 'POST', `/api/v1/rigs/${rig.id}/playbooks`, {
        name: 'GPU',
        software: { name: 'lolminer', version: '1.92' },
        script:
          './lolMiner --algo ETCHASH --pool $GPU_POOL_1 --user $GPU_WALLET_1 --worker $WORKER_NAME --apihost 127.0.0.1 --apiport $API_PORT',
        templates: { $GPU_POOL_1: etcPool, $GPU_WALLET_1: etcWallet },
      });
  }
  say('3 rigs started (simulated XMRig and lolMiner)');

  // The ASIC farm: simulators of every make on their real ports at 127.0.5.x (Linux routes 127/8 to loopback).
  try {
    farm = await startFarm({ firstHost: '127.0.5.10', count: asicCount });
    relay = new ShellySim({ host: '127.0.5.200', generation: 2 });
    await relay.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    say(
      `no simulated ASICs: ${(err as Error).message}${code === 'EACCES' ? ' (binding ports 80/4028/4433 on 127.0.5.x needs root)' : ''}`,
    );
  }
  if (farm) {
    const asicSentry = await api(token, 'POST', '/api/v1/sentries', { name: 'lan-a', kind: 'asic' });
    const stateDir = join(dir, 'lan-a');
    await run([asicBundle, 'enroll', '--url', url, '--token', asicSentry.token, '--state-dir', stateDir]);
    const found = await run([asicBundle, 'scan', '127.0.5.0/24', '--add', '--json', '--state-dir', stateDir]);
    const ice = farm.sims.find((s) => s.type === 'iceriver');
    if (ice && relay)
      await run([
        asicBundle,
        'add',
        '--type',
        'iceriver',
        '--ip',
        ice.host,
        '--relay',
        'shelly-gen2:127.0.5.200',
        '--state-dir',
        stateDir,
      ]);
    start('asic-sentry', [asicBundle, 'run', '--state-dir', stateDir], {
      MRM_ASIC_POLL_INTERVAL_MS: '5000',
      MRM_ASIC_RELAY_MIN_INTERVAL_MS: '10000',
    });
    say(`${found.trim().split('\n').filter(Boolean).length} simulated ASICs found by the ASIC sentry's scan`);
    // Figures drift so the dashboard moves.
    const drift = setInterval(() => {
      for (const s of farm?.sims ?? []) {
        s.state.hashrateScale = Math.round((0.9 + Math.random() * 0.2) * 100) / 100;
        s.state.tempOffset = Math.round(Math.random() * 6 - 3);
      }
    }, 5_000);
    drift.unref();
  }

  // A simulated inverter (SunSpec over Modbus TCP, Debian's pymodbus): a cloudy day, 30× fast from
  // 08:00, with a battery; the solar controller wakes and sleeps the first ASICs as the sun allows.
  if (farm && sunspecSimAvailable()) {
    try {
      inverter = await startSunspecSim({
        args: [
          '--battery',
          '--dynamic-sf',
          '--profile',
          'clouds',
          '--pv-peak',
          '12000',
          '--start',
          '08:00',
          '--speed',
          '30',
        ],
      });
      const source = await api(token, 'POST', '/api/v1/energy-sources', {
        name: 'roof inverter',
        kind: 'sunspec',
        host: '127.0.0.1',
        port: inverter.port,
        unitId: 1,
      });
      // Short delays, so the demo's 30× day shows decisions within a minute or two.
      await api(token, 'PUT', '/api/v1/solar/settings', {
        enabled: true,
        sourceId: source.id,
        tickMs: 2000,
        enableDelayS: 20,
        disableDelayS: 20,
        minOnS: 40,
        minOffS: 40,
      });
      // The ASICs reach the commander with the sentry's first report: wait for them.
      let asics: { id: string; ip: string }[] = [];
      for (let i = 0; i < 60 && asics.length < farm.sims.length; i++) {
        asics = (await api(token, 'GET', '/api/v1/devices?kind=asic&limit=1000')).items;
        if (asics.length < farm.sims.length) await new Promise((r) => setTimeout(r, 500));
      }
      const solarOnly = farm.sims.filter(
        (s) => s.type === 'antminer' || s.type === 'avalon' || s.type === 'whatsminer',
      );
      let priority = 10;
      for (const sim of solarOnly.slice(0, 3)) {
        const d = asics.find((a) => a.ip === sim.host);
        if (d)
          await api(token, 'POST', '/api/v1/solar/rules', {
            targetType: 'device',
            targetId: d.id,
            priority: priority--,
            powerW: 3000,
            offState: 'sleep',
          });
      }
      // What the awake solar ASICs draw shows up on the simulated meter, as it would on a real site.
      const feed = setInterval(() => {
        const drawW = solarOnly.slice(0, 3).filter((s) => !s.state.sleeping).length * 3000;
        void inverter?.set({ extraLoadW: drawW }).catch(() => {});
      }, 2_000);
      feed.unref();
      say('simulated inverter (SunSpec) with the solar controller driving three ASICs');
    } catch (err) {
      say(`no simulated inverter: ${(err as Error).message}`);
    }
  }

  say(`dashboard: ${url}  (log in as admin / ${password})`);
  say('Ctrl-C stops the demo and removes its data');
} catch (err) {
  process.stderr.write(`demo: ${(err as Error).message}\n`);
  await stopAll(1);
}
