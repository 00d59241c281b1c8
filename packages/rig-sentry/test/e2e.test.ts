import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMinerArchive } from '@mrm/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  adminClient,
  loginAs,
  type Running,
  startCommander,
} from '../../commander/test/helpers.js';

const main = new URL('../src/main.ts', import.meta.url).pathname;
/** The sentry from source, in its own process, as `npx mrm-rig-sentry` runs it. */
const sentryArgs = (...args: string[]) => ['--conditions=source', '--import', 'tsx', main, ...args];
const WALLET_A =
  '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
const WALLET_B =
  '48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD';
const ETC_WALLET = '0x52908400098527886E0F7030069857D2E4169EE7';

interface Sentry {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

function runSentry(stateDir: string, env: Record<string, string>): Sentry {
  const child = spawn(process.execPath, sentryArgs('run', '--state-dir', stateDir), {
    env: {
      ...process.env,
      MRM_SENTRY_REPORT_MS: '500',
      MRM_SENTRY_HEALTH_MS: '15000',
      MRM_SENTRY_STOP_GRACE_MS: '2000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Async, so the commander in this same process keeps answering while the CLI runs. */
function runCli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, sentryArgs(...args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d.toString();
    });
    child.stderr!.on('data', (d) => {
      stderr += d.toString();
    });
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const status = (stateDir: string) => JSON.parse(readFileSync(join(stateDir, 'status.json'), 'utf8'));
const statusOrNull = (stateDir: string) =>
  existsSync(join(stateDir, 'status.json')) ? status(stateDir) : null;
const simLines = (text: string) => [
  ...text.matchAll(/SIM-STARTED program=(\S+) pool=(\S+) wallet=(\S+) worker=(\S+) api=(\S+) pid=(\d+)/g),
];

describe('rig sentry end to end: commander, sentry process, simulated miners', () => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let rig: { id: string; token: string; installCommand: string };
  let stateDir: string;
  let sentry: Sentry | undefined;
  const pool = { xmr: '', etc: '' };
  const wallet = { xmr: '', etc: '' };

  const template = async (name: string, kind: 'pool' | 'wallet', value: string, coin: string) =>
    (await admin.post('/api/v1/templates', { name, kind, value, coin })).body.id as string;
  const device = async () => (await admin.get(`/api/v1/devices/${rig.id}`)).body;
  const logOf = (playbookId: string) => readFileSync(join(stateDir, 'logs', `${playbookId}.log`), 'utf8');

  beforeAll(async () => {
    run = await startCommander('sqlite');
    admin = await adminClient(run.url);
    // The simulated programs' archives, hosted on the commander and pinned by sha256.
    const dir = mkdtempSync(join(tmpdir(), 'mrm-e2e-archives-'));
    for (const [program, version, executable, format, top] of [
      ['xmrig', '6.22.2', 'xmrig', 'tar.gz', true],
      ['lolminer', '1.92', 'lolMiner', 'zip', false],
    ] as const) {
      const archive = await makeMinerArchive(program, version, dir, { topLevelFolder: top, format });
      const up = await fetch(`${run.url}/api/v1/software/archives`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          authorization: `Bearer ${await loginAs(run.url, 'admin', ADMIN_PASSWORD)}`,
        },
        body: readFileSync(archive.path),
      });
      const hosted = (await up.json()) as { sha256: string; url: string };
      expect(hosted.sha256).toBe(archive.sha256);
      const pin = await admin.post('/api/v1/software', {
        name: program,
        version,
        platform: 'linux-x64',
        url: hosted.url,
        sha256: hosted.sha256,
        executable,
        adapter: program,
      });
      expect(pin.status).toBe(201);
    }
    pool.xmr = await template('XMR pool', 'pool', 'stratum+ssl://xmr.pool.example:443', 'XMR');
    pool.etc = await template('ETC pool', 'pool', 'stratum+tcp://etc.pool.example:1010', 'ETC');
    wallet.xmr = await template('XMR wallet', 'wallet', WALLET_A, 'XMR');
    wallet.etc = await template('ETC wallet', 'wallet', ETC_WALLET, 'ETC');
    rig = (await admin.post('/api/v1/sentries', { name: 'rig 7', kind: 'rig' })).body;
    stateDir = mkdtempSync(join(tmpdir(), 'mrm-e2e-rig-'));
  }, 120_000);

  afterAll(async () => {
    await sentry?.stop();
    await run?.stop();
  });

  it('enrols with clear errors first, then OK with the sentry name', async () => {
    const bad = await runCli(
      'enroll',
      '--url',
      run.url,
      '--token',
      `mrm_snt_${'x'.repeat(43)}`,
      '--state-dir',
      stateDir,
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/wrong token/);
    const down = await runCli(
      'enroll',
      '--url',
      'http://127.0.0.1:1',
      '--token',
      rig.token,
      '--state-dir',
      stateDir,
    );
    expect(down.stderr).toMatch(/unreachable/);
    const ok = await runCli('enroll', '--url', run.url, '--token', rig.token, '--state-dir', stateDir);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^OK: enrolled as "rig 7"/);
    expect(rig.installCommand).toContain(`${run.url}/install/rig-sentry.sh`);
  });

  it('runs a CPU XMRig and a GPU lolMiner side by side, pushed at once, with hashrates on the commander', async () => {
    sentry = runSentry(stateDir, {});
    await expect
      .poll(async () => (await admin.get(`/api/v1/sentries/${rig.id}`)).body.connected, { timeout: 20_000 })
      .toBe(true);
    const cpu = await admin.post(`/api/v1/rigs/${rig.id}/playbooks`, {
      name: 'CPU',
      software: { name: 'xmrig', version: '6.22.2' },
      script:
        './xmrig --url $CPU_POOL --user $CPU_WALLET --pass $WORKER_NAME --http-host 127.0.0.1 --http-port $API_PORT',
      templates: { $CPU_POOL: pool.xmr, $CPU_WALLET: wallet.xmr },
    });
    expect(cpu.status).toBe(201);
    const gpu = await admin.post(`/api/v1/rigs/${rig.id}/playbooks`, {
      name: 'GPU',
      software: { name: 'lolminer', version: '1.92' },
      script:
        './lolMiner --algo ETCHASH --pool $GPU_POOL_1 --user $GPU_WALLET_1 --worker $WORKER_NAME --apihost 127.0.0.1 --apiport $API_PORT',
      templates: { $GPU_POOL_1: pool.etc, $GPU_WALLET_1: wallet.etc },
    });
    expect(gpu.status).toBe(201);
    await expect
      .poll(
        async () => {
          const d = await device();
          const pbs = (d.details?.playbooks ?? []) as {
            name: string;
            state: string;
            hashrate: number | null;
          }[];
          return pbs
            .filter((p) => p.state === 'running' && (p.hashrate ?? 0) > 0)
            .map((p) => p.name)
            .sort();
        },
        { timeout: 30_000, interval: 250 },
      )
      .toEqual(['CPU', 'GPU']);
    const d = await device();
    expect(d.kind).toBe('rig');
    expect(d.status).toBe('mining');
    expect(d.hashrate).toBeGreaterThan(0);
    expect(d.playbooks.map((p: { name: string }) => p.name)).toEqual(['CPU', 'GPU']);
    expect(d.details.hardware.cpu.model).toBeTruthy();
    const started = simLines(logOf(cpu.body.id));
    expect(started.at(-1)?.[3]).toBe(WALLET_A);
    expect(started.at(-1)?.[5]).toBe(`127.0.0.1:${cpu.body.apiPort}`);
    expect(simLines(logOf(gpu.body.id)).at(-1)?.[3]).toBe(ETC_WALLET);
    const st = await runCli('status', '--state-dir', stateDir, '--json');
    expect(JSON.parse(st.stdout).playbooks.map((p: { state: string }) => p.state)).toEqual([
      'running',
      'running',
    ]);
  }, 60_000);

  it('a changed wallet template restarts the miner with the new wallet', async () => {
    const cpuId = (await device()).playbooks.find((p: { name: string }) => p.name === 'CPU').id;
    const before = simLines(logOf(cpuId)).length;
    await admin.patch(`/api/v1/templates/${wallet.xmr}`, { value: WALLET_B });
    await expect
      .poll(() => simLines(logOf(cpuId)).at(-1)?.[3], { timeout: 30_000, interval: 200 })
      .toBe(WALLET_B);
    expect(simLines(logOf(cpuId)).length).toBeGreaterThanOrEqual(before + 1);
  }, 60_000);

  it('a killed miner is restarted by the sentry', async () => {
    const gpuId = (await device()).playbooks.find((p: { name: string }) => p.name === 'GPU').id;
    const gpu = () => status(stateDir).playbooks.find((p: { id: string }) => p.id === gpuId);
    // Wait for the set applied by the wallet change to settle, so the kill hits the live miner.
    await expect
      .poll(
        () =>
          status(stateDir).playbooks.every(
            (p: { state: string; hashrate: number }) => p.state === 'running' && p.hashrate > 0,
          ),
        { timeout: 30_000 },
      )
      .toBe(true);
    const restartsBefore = gpu().restarts;
    const last = simLines(logOf(gpuId)).at(-1)!;
    expect(Number(last[6])).toBeGreaterThan(0);
    process.kill(Number(last[6]), 'SIGKILL');
    await expect.poll(() => gpu().restarts, { timeout: 30_000, interval: 200 }).toBe(restartsBefore + 1);
    await expect
      .poll(() => simLines(logOf(gpuId)).at(-1)?.[6], { timeout: 30_000, interval: 200 })
      .not.toBe(last[6]);
    await expect.poll(() => gpu().state, { timeout: 30_000, interval: 200 }).toBe('running');
  }, 90_000);

  it("carries out the commander's commands: logs, restart one, stop all, start all; refuses reboot unless allowed", async () => {
    const cpuId = (await device()).playbooks.find((p: { name: string }) => p.name === 'CPU').id;
    const command = async (command: string, args: Record<string, unknown> = {}) => {
      const sent = await admin.post(`/api/v1/sentries/${rig.id}/commands`, { command, args });
      expect(sent.status, JSON.stringify(sent.body)).toBe(202);
      let result: { status: string; output: string } | undefined;
      await expect
        .poll(
          async () => {
            result = (await admin.get(`/api/v1/sentries/${rig.id}/commands`)).body.items.find(
              (c: { id: string }) => c.id === sent.body.id,
            );
            return result?.status;
          },
          { timeout: 30_000, interval: 200 },
        )
        .not.toBe('sent');
      return result!;
    };
    const logs = await command('fetch-logs', { playbookId: cpuId, lines: 20 });
    expect(logs.status).toBe('succeeded');
    expect(logs.output).toMatch(/SIM-STARTED program=xmrig/);
    const before = simLines(logOf(cpuId)).length;
    expect((await command('restart-playbook', { playbookId: cpuId })).status).toBe('succeeded');
    await expect.poll(() => simLines(logOf(cpuId)).length, { timeout: 20_000 }).toBe(before + 1);
    expect((await command('stop-all')).status).toBe('succeeded');
    await expect
      .poll(() => status(stateDir).playbooks.map((p: { state: string }) => p.state), { timeout: 20_000 })
      .toEqual(['stopped', 'stopped']);
    expect((await command('start-all')).status).toBe('succeeded');
    await expect
      .poll(() => status(stateDir).playbooks.every((p: { state: string }) => p.state === 'running'), {
        timeout: 20_000,
      })
      .toBe(true);
    const reboot = await command('reboot');
    expect(reboot).toMatchObject({ status: 'failed', output: expect.stringMatching(/not allowed/) });
  }, 120_000);

  it('refuses a software version whose checksum does not match, and keeps mining as before', async () => {
    const hosted = (await admin.get('/api/v1/software')).body.custom.find(
      (s: { name: string }) => s.name === 'xmrig',
    );
    await admin.post('/api/v1/software', {
      name: 'xmrig',
      version: '6.21.3',
      platform: 'linux-x64',
      url: hosted.url,
      sha256: 'b'.repeat(64),
      executable: 'xmrig',
      adapter: 'xmrig',
    });
    const cpuId = (await device()).playbooks.find((p: { name: string }) => p.name === 'CPU').id;
    const runningPid = simLines(logOf(cpuId)).at(-1)![6];
    await admin.patch(`/api/v1/rigs/${rig.id}/playbooks/${cpuId}`, {
      software: { name: 'xmrig', version: '6.21.3' },
    });
    await expect
      .poll(async () => (await device()).details?.lastApply?.error ?? '', { timeout: 30_000, interval: 250 })
      .toMatch(/checksum mismatch/);
    expect(simLines(logOf(cpuId)).at(-1)![6]).toBe(runningPid);
    // Back to the good version for the next steps.
    await admin.patch(`/api/v1/rigs/${rig.id}/playbooks/${cpuId}`, {
      software: { name: 'xmrig', version: '6.22.2' },
    });
  }, 60_000);

  it('a new playbook set that does not hash rolls back to the last one that worked, and says why', async () => {
    const cpuId = (await device()).playbooks.find((p: { name: string }) => p.name === 'CPU').id;
    const before = simLines(logOf(cpuId)).length;
    // The simulator honours MRM_SIM_HASHRATE: this script runs a miner that never hashes.
    await admin.patch(`/api/v1/rigs/${rig.id}/playbooks/${cpuId}`, {
      script:
        'MRM_SIM_HASHRATE=0 ./xmrig --url $CPU_POOL --user $CPU_WALLET --http-host 127.0.0.1 --http-port $API_PORT',
    });
    await expect
      .poll(async () => (await device()).details?.lastApply ?? {}, { timeout: 40_000, interval: 500 })
      .toMatchObject({
        ok: false,
        rolledBack: true,
        error: expect.stringMatching(/CPU did not start hashing within 15 s/),
      });
    // Started with the bad set, then again with the good one.
    expect(simLines(logOf(cpuId)).length).toBeGreaterThanOrEqual(before + 2);
    await expect
      .poll(() => status(stateDir).playbooks.every((p: { hashrate: number }) => p.hashrate > 0), {
        timeout: 20_000,
      })
      .toBe(true);
    const fixed = await admin.patch(`/api/v1/rigs/${rig.id}/playbooks/${cpuId}`, {
      script:
        './xmrig --url $CPU_POOL --user $CPU_WALLET --pass $WORKER_NAME --http-host 127.0.0.1 --http-port $API_PORT',
    });
    expect(fixed.status).toBe(200);
  }, 90_000);

  it('with push off, the minute poll still brings a new playbook within 70 s', async () => {
    // Both "rigs" share this machine: stop the first one's miners so the API port is the new rig's own.
    await sentry!.stop();
    const other = (await admin.post('/api/v1/sentries', { name: 'poll rig', kind: 'rig' })).body;
    const dir = mkdtempSync(join(tmpdir(), 'mrm-e2e-poll-'));
    expect(
      (await runCli('enroll', '--url', run.url, '--token', other.token, '--state-dir', dir)).status,
    ).toBe(0);
    const polling = runSentry(dir, { MRM_SENTRY_PUSH: '0' });
    try {
      await expect.poll(() => statusOrNull(dir)?.lastReportAt ?? null, { timeout: 20_000 }).not.toBeNull();
      const saved = Date.now();
      await admin.post(`/api/v1/rigs/${other.id}/playbooks`, {
        name: 'CPU',
        software: { name: 'xmrig', version: '6.22.2' },
        script: './xmrig --url $CPU_POOL --user $CPU_WALLET --http-host 127.0.0.1 --http-port $API_PORT',
        templates: { $CPU_POOL: pool.xmr, $CPU_WALLET: wallet.xmr },
      });
      await expect
        .poll(async () => ((await admin.get(`/api/v1/devices/${other.id}`)).body.hashrate ?? 0) > 0, {
          timeout: 75_000,
          interval: 500,
        })
        .toBe(true);
      expect(Date.now() - saved).toBeLessThan(75_000);
    } finally {
      await polling.stop();
      sentry = runSentry(stateDir, {});
    }
    await expect
      .poll(
        () =>
          status(stateDir).playbooks.every(
            (p: { state: string; hashrate: number }) => p.state === 'running' && p.hashrate > 0,
          ),
        { timeout: 30_000 },
      )
      .toBe(true);
  }, 150_000);

  it('keeps miners running while the commander is down for a minute, and loses no report', async () => {
    const pids = () => status(stateDir).playbooks.map((p: { pid: number }) => p.pid);
    await expect
      .poll(() => status(stateDir).playbooks.every((p: { state: string }) => p.state === 'running'), {
        timeout: 30_000,
      })
      .toBe(true);
    const before = pids();
    const downAt = Date.now();
    run = await run.restart(60_000);
    admin = await adminClient(run.url);
    expect(pids()).toEqual(before); // nothing restarted while the commander was away
    await expect.poll(() => status(stateDir).outbox.pending, { timeout: 30_000, interval: 250 }).toBe(0);
    const hist = await admin.get(
      `/api/v1/devices/${rig.id}/history?metric=hashrate&from=${downAt - 2000}&to=${Date.now()}&resolution=raw`,
    );
    const times = hist.body.points.map((p: number[]) => p[0]);
    const gaps = times.slice(1).map((t: number, i: number) => t - times[i]);
    // Reports every 500 ms throughout the outage: none missing, none twice.
    expect(times.length).toBeGreaterThan(100);
    expect(Math.max(...gaps)).toBeLessThan(3000);
    expect(new Set(times).size).toBe(times.length);
  }, 180_000);

  it('refuses a desired state that does not verify with the pinned key, and says so', async () => {
    await sentry!.stop();
    const cfgPath = join(stateDir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
    cfg.commanderPublicKey = generateKeyPairSync('ed25519')
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    writeFileSync(cfgPath, JSON.stringify(cfg));
    rmMeta(stateDir);
    sentry = runSentry(stateDir, {});
    await expect
      .poll(async () => (await device()).details?.refusedDesiredState ?? '', {
        timeout: 30_000,
        interval: 250,
      })
      .toMatch(/does not verify/);
    // The last good playbooks keep running from disk.
    await expect.poll(() => status(stateDir).playbooks.length, { timeout: 30_000 }).toBe(2);
  }, 60_000);
});

function rmMeta(stateDir: string) {
  writeFileSync(join(stateDir, 'desired-state-meta.json'), JSON.stringify({ etag: null, revision: 0 }));
}
