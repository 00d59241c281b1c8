import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sentryPaths } from '@mrm/protocol';
import { type SimulatedFarm, startFarm } from '@mrm/simulators/asics';
import { type SunspecSim, startSunspecSim } from '@mrm/simulators/energy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminClient,
  client,
  type Running,
  sentryFromSource,
  startCommander,
  until as waitUntil,
} from './helpers.js';

const { args: asicArgs, run: runCli } = sentryFromSource('asic');
const until = <T>(what: string, fn: () => Promise<T | undefined | null | false>) =>
  waitUntil(what, fn, 40_000);

const ASIC_W = 3250;
const RIG_W = 1000;

/**
 * Closed loop: a SunSpec inverter (pymodbus), the commander with its solar loop, a real ASIC
 * sentry process driving a simulated Antminer, and a stand-in rig sentry that runs "miners"
 * exactly when its signed desired state carries playbooks. The miners' draw is fed back into
 * the inverter's site, so the controller sees its own actions in the grid reading.
 */
describe('solar end to end: sunshine wakes an ASIC and starts a rig, a cloud stops them', () => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let sim: SunspecSim;
  let farm: SimulatedFarm;
  let daemon: ChildProcess | undefined;
  let daemonOut = '';
  let feedback: NodeJS.Timeout | undefined;
  let rigLoop: NodeJS.Timeout | undefined;
  let rigMining = false;
  let asicId = '';
  let rigId = '';
  let sourceId = '';
  const stateDir = mkdtempSync(join(tmpdir(), 'mrm-solar-e2e-'));
  const decisions = async () =>
    (
      (await admin.get('/api/v1/solar/decisions?limit=200')).body.items as { reason: string; kind: string }[]
    ).map((d) => d.reason);

  beforeAll(async () => {
    run = await startCommander('sqlite', { sentryOfflineAfterMs: 60_000 });
    admin = await adminClient(run.url);
    sim = await startSunspecSim({ args: ['--dynamic-sf'] });
    await sim.set({ pvW: 0, houseW: 400, extraLoadW: 0, clock: '12:00', freeze: true });
    farm = await startFarm({ firstHost: '127.0.3.10', count: 1, kinds: ['antminer'] });
  }, 60_000);

  afterAll(async () => {
    clearInterval(feedback);
    clearInterval(rigLoop);
    const t0 = Date.now();
    await run?.stop();
    const tRun = Date.now() - t0;
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.on('exit', r));
      daemon.kill('SIGTERM');
      const kill = setTimeout(() => daemon!.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    }
    const tDaemon = Date.now() - t0;
    await farm?.stop();
    await sim?.stop();
    if (Date.now() - t0 > 10_000) console.warn(`slow teardown: commander ${tRun} ms, daemon ${tDaemon} ms`);
  }, 60_000);

  it('sets up: an inverter source, an ASIC behind its sentry, a rig with a playbook, solar rules', async () => {
    const src = await admin.post('/api/v1/energy-sources', {
      name: 'inverter',
      kind: 'sunspec',
      host: '127.0.0.1',
      port: sim.port,
      unitId: 1,
      intervalMs: 1000,
      timeoutMs: 1000,
    });
    expect(src.status).toBe(201);
    sourceId = src.body.id;

    // The ASIC sentry, as an operator runs it.
    const asicSentry = await admin.post('/api/v1/sentries', { name: 'lan', kind: 'asic' });
    const enrolled = await runCli(
      'enroll',
      '--url',
      run.url,
      '--token',
      asicSentry.body.token,
      '--state-dir',
      stateDir,
    );
    expect(enrolled.status, enrolled.stderr).toBe(0);
    const ant = farm.sims[0]!;
    const added = await runCli('add', '--type', 'antminer', '--ip', ant.host, '--state-dir', stateDir);
    expect(added.status, added.stderr).toBe(0);
    daemon = spawn(process.execPath, asicArgs('run', '--state-dir', stateDir), {
      env: {
        ...process.env,
        MRM_ASIC_POLL_INTERVAL_MS: '500',
        MRM_SENTRY_POLL_INTERVAL_MS: '1000',
        MRM_ASIC_CONTROL_RETRY_MS: '1000',
        MRM_ASIC_REQUEST_TIMEOUT_MS: '2000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout!.on('data', (d) => {
      daemonOut += d.toString();
    });
    daemon.stderr!.on('data', (d) => {
      daemonOut += d.toString();
    });
    const asic = await until('the ASIC reported', async () => {
      const items = (await admin.get('/api/v1/devices?kind=asic')).body.items as any[];
      return items.find((d) => d.status === 'mining');
    });
    asicId = asic.id;
    // It starts asleep, so that the sun has something to wake.
    await admin.call('PUT', `/api/v1/devices/${asicId}/power-state`, { state: 'sleep' });
    await until('the simulated ASIC asleep', async () => (ant.state as { sleeping: boolean }).sleeping);

    // A rig sentry stand-in: it mines exactly when its desired state carries playbooks.
    const rigSentry = await admin.post('/api/v1/sentries', { name: 'rig-1', kind: 'rig' });
    rigId = rigSentry.body.id;
    const rig = client(run.url, rigSentry.body.token);
    await rig.post(sentryPaths.hello, { kind: 'rig', version: '0.1.0', hostname: 'rig-1' });
    const pool = await admin.post('/api/v1/templates', {
      name: 'pool',
      kind: 'pool',
      value: 'stratum+tcp://pool.example:3333',
    });
    const wallet = await admin.post('/api/v1/templates', {
      name: 'wallet',
      kind: 'wallet',
      value:
        '48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD',
      coin: 'XMR',
    });
    const pb = await admin.post(`/api/v1/rigs/${rigId}/playbooks`, {
      name: 'CPU xmrig',
      software: { name: 'xmrig', version: '6.22.2' },
      script: './xmrig -o $CPU_POOL -u $CPU_WALLET --http-port $API_PORT',
      templates: { CPU_POOL: pool.body.id, CPU_WALLET: wallet.body.id },
    });
    expect(pb.status, JSON.stringify(pb.body)).toBe(201);
    let seq = 0;
    const rigTick = async () => {
      const ds = await rig.get(sentryPaths.desiredState);
      if (ds.status !== 200) return;
      const doc = JSON.parse(ds.body.payload) as { playbooks: unknown[] };
      rigMining = doc.playbooks.length > 0;
      await rig.post(sentryPaths.report, {
        batches: [
          {
            seq: ++seq,
            devices: [
              {
                key: 'rig',
                at: Date.now(),
                status: rigMining ? 'mining' : 'idle',
                hashrate: rigMining ? 5000 : 0,
                power: rigMining ? RIG_W : 40,
                algorithm: 'randomx',
                temperatures: [],
                fans: [],
                pools: [],
              },
            ],
          },
        ],
      });
    };
    // A rig set to sleep runs no playbooks: start it asleep too.
    await admin.call('PUT', `/api/v1/devices/${rigId}/power-state`, { state: 'sleep' });
    await rigTick();
    expect(rigMining).toBe(false);
    rigLoop = setInterval(() => void rigTick().catch(() => {}), 400);

    // What the miners draw goes back into the simulated site.
    feedback = setInterval(() => {
      const asicOn = !(ant.state as { sleeping: boolean }).sleeping;
      void sim.set({ extraLoadW: (asicOn ? ASIC_W : 0) + (rigMining ? RIG_W : 0) }).catch(() => {});
    }, 300);

    const settings = await admin.call('PUT', '/api/v1/solar/settings', {
      enabled: true,
      sourceId,
      tickMs: 1000,
      enableMarginW: 100,
      residualW: 0,
      enableDelayS: 2,
      disableDelayS: 3,
      minOnS: 0,
      minOffS: 0,
      settleS: 6,
      staleAfterS: 4,
      fallbackHoldS: 2,
      fallback: 'stop',
      socFloor: null,
    });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const r1 = await admin.post('/api/v1/solar/rules', {
      targetType: 'device',
      targetId: asicId,
      priority: 10,
      powerW: ASIC_W,
      offState: 'sleep',
    });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    const r2 = await admin.post('/api/v1/solar/rules', {
      targetType: 'device',
      targetId: rigId,
      priority: 5,
      powerW: RIG_W,
      offState: 'sleep',
    });
    expect(r2.status).toBe(201);
    expect((await admin.get('/api/v1/solar/rules')).body.items.map((r: any) => r.name)).toEqual([
      asic.name,
      'rig-1',
    ]);
  }, 120_000);

  it('surplus rises on the inverter: the ASIC is woken, then the rig’s playbook starts', async () => {
    await sim.set({ pvW: 5200 });
    const ant = farm.sims[0]!;
    await until('the simulated ASIC awake', async () => !(ant.state as { sleeping: boolean }).sleeping);
    await until('the rig mining', async () => rigMining);
    const log = await decisions();
    expect(log.some((r) => /^started .*: surplus 4\.8 kW for \d+ s ≥ 3\.35 kW needed/.test(r))).toBe(true);
    expect(log.some((r) => /^started rig-1: surplus/.test(r))).toBe(true);
    const status = (await admin.get('/api/v1/solar/status')).body;
    expect(status.units.map((u: any) => u.level)).toEqual([1, 1]);
    expect(status.reading.gridW).toBeLessThan(0);
    // The source's history holds the readings with what the controlled devices drew.
    const hist = await admin.get(`/api/v1/energy-sources/${sourceId}/history?from=0&to=${Date.now() + 1000}`);
    expect(hist.body.points.length).toBeGreaterThan(3);
  }, 90_000);

  it('a cloud passes: after the disable delay the rig stops, then the ASIC sleeps', async () => {
    await sim.set({ pvW: 1500 });
    await until('the rig stopped', async () => !rigMining);
    const ant = farm.sims[0]!;
    await until('the simulated ASIC asleep', async () => (ant.state as { sleeping: boolean }).sleeping);
    const log = await decisions();
    expect(log.some((r) => /^stopped rig-1: deficit .* for \d+ s > 0 W threshold/.test(r))).toBe(true);
    // Lowest priority first: the rig stopped before the ASIC.
    const items = (await admin.get('/api/v1/solar/decisions?limit=200')).body.items as any[];
    const stops = items.filter((d) => d.kind === 'stop').reverse();
    expect(stops[0].name).toBe('rig-1');
  }, 90_000);

  it('a failing source triggers the chosen fallback (stop)', async () => {
    await sim.set({ pvW: 5200 });
    const ant = farm.sims[0]!;
    await until('awake again', async () => !(ant.state as { sleeping: boolean }).sleeping);
    await sim.set({ offline: true });
    await until('the ASIC asleep by the fallback', async () => (ant.state as { sleeping: boolean }).sleeping);
    const log = await decisions();
    expect(
      log.some((r) =>
        /^energy source failing for \d+ s \(.*\): fallback "stop", stopping every solar device$/.test(r),
      ),
    ).toBe(true);
    const src = (await admin.get(`/api/v1/energy-sources/${sourceId}`)).body;
    expect(src.status.state).toBe('failing');
    expect((await admin.get('/api/v1/solar/status')).body.fallbackActive).toBe(true);
    await sim.set({ offline: false });
    expect(daemonOut).not.toMatch(/refused desired state/);
  }, 90_000);

  it('replays the day it recorded, and a CSV day', async () => {
    const r = await admin.post('/api/v1/solar/replay', {
      input: { from: 'history', sourceId, start: Date.now() - 3_600_000, end: Date.now() },
      stepS: 1,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.devices).toHaveLength(2);
    const csv = [
      'time,pvW,houseW',
      '06:00,0,400',
      '09:00,3000,400',
      '12:00,7000,400',
      '15:00,3000,400',
      '19:00,0,400',
    ].join('\n');
    // Tuning: the stored settings (seconds, for this test) overridden by the defaults' minutes.
    const c = await admin.post('/api/v1/solar/replay', {
      input: { from: 'csv', csv },
      stepS: 10,
      settings: {
        enableDelayS: 120,
        disableDelayS: 180,
        minOnS: 600,
        minOffS: 300,
        settleS: 120,
        residualW: 100,
      },
    });
    expect(c.status).toBe(200);
    expect(c.body.totals.minedOnSolarKWh).toBeGreaterThan(0);
    expect(c.body.devices[0].switches).toBe(2);
    for (const d of c.body.devices) expect(d.maxSwitchesInAnHour).toBeLessThanOrEqual(4);
    expect(c.body.decisions[0].reason).toMatch(/adopted|started/);
  }, 60_000);
});
