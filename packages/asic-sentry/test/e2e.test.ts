import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AntminerSim,
  ShellySim,
  type SimulatedFarm,
  simulatedAsicKinds,
  startFarm,
} from '@mrm/simulators/asics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminClient,
  type Running,
  sentryFromSource,
  startCommander,
  until,
} from '../../commander/test/helpers.js';

const { args: sentryArgs, run: runCli } = sentryFromSource('asic');

describe('ASIC sentry end to end: commander, sentry process, a simulated farm on a /24', () => {
  let commander: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let farm: SimulatedFarm;
  let relay: ShellySim;
  let late: AntminerSim;
  let daemon: ChildProcess | undefined;
  let daemonOut = '';
  const stateDir = mkdtempSync(join(tmpdir(), 'mrm-asic-e2e-'));
  let sentryId = '';
  const put = (path: string, body: unknown) => admin.call('PUT', path, body);
  const asicDevices = async () =>
    (await admin.get('/api/v1/devices?kind=asic&limit=1000')).body.items as any[];
  const deviceAt = async (ip: string) => (await asicDevices()).find((d) => d.ip === ip);

  beforeAll(async () => {
    commander = await startCommander('sqlite', { sentryOfflineAfterMs: 60_000 });
    admin = await adminClient(commander.url);
    farm = await startFarm({ firstHost: '127.0.1.10', count: simulatedAsicKinds.length });
    relay = new ShellySim({ host: '127.0.1.200', generation: 2 });
    await relay.start();
    late = new AntminerSim({ host: '127.0.1.150' });
  }, 60_000);

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.on('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    await farm?.stop();
    await relay?.stop();
    await late?.stop();
    await commander?.stop();
  }, 30_000);

  it('enrolls with the ASIC sentry token, and refuses clearly what is wrong', async () => {
    const created = await admin.post('/api/v1/sentries', { name: 'lan-a', kind: 'asic' });
    expect(created.status).toBe(201);
    sentryId = created.body.id;
    const rig = await admin.post('/api/v1/sentries', { name: 'rig-1', kind: 'rig' });
    const wrongKind = await runCli(
      'enroll',
      '--url',
      commander.url,
      '--token',
      rig.body.token,
      '--state-dir',
      stateDir,
    );
    expect(wrongKind.status).toBe(1);
    expect(wrongKind.stderr).toMatch(/rig sentry token/);
    const wrongToken = await runCli(
      'enroll',
      '--url',
      commander.url,
      '--token',
      'mrm_snt_nope',
      '--state-dir',
      stateDir,
    );
    expect(wrongToken.status).toBe(1);
    const unreachable = await runCli(
      'enroll',
      '--url',
      'http://127.0.0.1:9',
      '--token',
      created.body.token,
      '--state-dir',
      stateDir,
    );
    expect(unreachable.stderr).toMatch(/reachable/);
    const ok = await runCli(
      'enroll',
      '--url',
      commander.url,
      '--token',
      created.body.token,
      '--state-dir',
      stateDir,
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/OK: enrolled as "lan-a"/);
  }, 60_000);

  it('scan --add finds every simulated miner on the /24 with the right make and model', async () => {
    const r = await runCli('scan', '127.0.1.0/24', '--add', '--json', '--state-dir', stateDir);
    expect(r.status).toBe(0);
    const hits = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(hits).toHaveLength(farm.sims.length);
    for (const sim of farm.sims) {
      const hit = hits.find((h: any) => h.ip === sim.host);
      expect(hit, sim.host).toMatchObject({ type: sim.type, make: sim.make, model: sim.model });
      expect(hit.hashrate, sim.host).toBeGreaterThan(0);
    }
    expect(r.stderr).toMatch(new RegExp(`${farm.sims.length} added`));
    const list = await runCli('list', '--json', '--state-dir', stateDir);
    expect(JSON.parse(list.stdout)).toHaveLength(farm.sims.length);
  }, 60_000);

  it('add checks the type: a wrong one is refused and nothing saved; a relay can be given', async () => {
    const ice = farm.sims.find((s) => s.type === 'iceriver')!;
    const wrong = await runCli('add', '--type', 'avalon', '--ip', ice.host, '--state-dir', stateDir);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/not avalon[\s\S]*nothing was saved/);
    const ok = await runCli(
      'add',
      '--type',
      'iceriver',
      '--ip',
      ice.host,
      '--relay',
      'shelly-gen2:127.0.1.200',
      '--state-dir',
      stateDir,
    );
    expect(ok.stdout).toMatch(/OK: .* IceRiver/);
    const list = JSON.parse((await runCli('list', '--json', '--state-dir', stateDir)).stdout);
    expect(list).toHaveLength(farm.sims.length);
    expect(list.find((a: any) => a.ip === ice.host).relay).toMatchObject({
      kind: 'shelly-gen2',
      host: '127.0.1.200',
    });
  }, 60_000);

  it('the daemon reports hashrates, boards and pools of every miner to the commander', async () => {
    daemon = spawn(process.execPath, sentryArgs('run', '--state-dir', stateDir), {
      env: {
        ...process.env,
        MRM_ASIC_POLL_INTERVAL_MS: '1000',
        MRM_SENTRY_POLL_INTERVAL_MS: '1000',
        MRM_ASIC_CONTROL_RETRY_MS: '1500',
        MRM_ASIC_RELAY_MIN_INTERVAL_MS: '0',
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
    const devices = await until('every ASIC reported', async () => {
      const all = await asicDevices();
      return all.length === farm.sims.length && all.every((d) => d.make) ? all : null;
    });
    for (const sim of farm.sims) {
      const d = devices.find((x) => x.ip === sim.host);
      expect(d, sim.host).toMatchObject({ kind: 'asic', make: sim.make, model: sim.model });
      expect(d.firmware, sim.host).toBeTruthy();
      expect(d.status, sim.host).toBe('mining');
      expect(d.hashrate, sim.host).toBeGreaterThan(0);
    }
    const ant = devices.find((d) => d.make === 'Antminer' && d.model === 'Antminer S19 Pro');
    const detail = (await admin.get(`/api/v1/devices/${ant.id}`)).body;
    expect(detail.boards).toHaveLength(3);
    expect(detail.boards[0].chips).toBeGreaterThan(0);
    expect(detail.pools[0].url).toMatch(/^stratum\+tcp:\/\//);
    expect(detail.fans.length).toBeGreaterThan(0);
    expect(detail.powerState).toBe('on');
    expect(detail.capabilities).toEqual(expect.arrayContaining(['sleep', 'wake']));
    expect(daemonOut).toMatch(/ASIC sentry starting/);
    expect(daemonOut).not.toMatch(/refused desired state/);
  }, 60_000);

  it('an ASIC set to sleep on the commander goes to sleep on its simulator, and wakes again', async () => {
    const sim = farm.sims.find((s) => s.type === 'antminer')!;
    const d = await deviceAt(sim.host);
    expect((await put(`/api/v1/devices/${d.id}/power-state`, { state: 'sleep' })).status).toBe(200);
    await until('the simulator asleep', async () => sim.state.sleeping);
    await until(
      'the commander sees it sleeping',
      async () => (await deviceAt(sim.host)).status === 'sleeping',
    );
    expect((await put(`/api/v1/devices/${d.id}/power-state`, { state: 'on' })).status).toBe(200);
    await until('the simulator awake', async () => !sim.state.sleeping);
    expect(sim.controls).toEqual(['sleep', 'wake']);
    const audit = (await admin.get('/api/v1/audit?limit=50')).body.items as any[];
    expect(audit.some((a) => a.action === 'asic.power_state_set' && a.entityId === d.id)).toBe(true);
  }, 60_000);

  it('reboots an ASIC whose firmware allows it, and says clearly when it cannot', async () => {
    const ant = farm.sims.find((s) => s.type === 'avalon')!;
    const d = await deviceAt(ant.host);
    const ok = await admin.post(`/api/v1/devices/${d.id}/reboot`);
    expect(ok.status).toBe(200);
    expect(ant.controls).toContain('reboot');
    const ice = await deviceAt(farm.sims.find((s) => s.type === 'iceriver')!.host);
    const no = await admin.post(`/api/v1/devices/${ice.id}/reboot`);
    expect(no.status).toBe(422);
    expect(no.body.error.message).toMatch(/cannot be rebooted/);
  }, 60_000);

  it('a power target from the commander is set once on a firmware that has one', async () => {
    const sim = farm.sims.find((s) => s.type === 'braiins')!;
    const d = await deviceAt(sim.host);
    const r = await put(`/api/v1/devices/${d.id}/power-state`, { state: 'on', powerTargetW: 2900 });
    expect(r.status).toBe(200);
    expect(r.body.powerTargetW).toBe(2900);
    await until('the simulator tuned', async () => sim.controls.includes('power-target 2900'));
    await new Promise((res) => setTimeout(res, 2500));
    expect(sim.controls.filter((c) => c.startsWith('power-target'))).toEqual(['power-target 2900']);
  }, 60_000);

  it('a miner whose firmware cannot sleep is switched off at its relay', async () => {
    const sim = farm.sims.find((s) => s.type === 'iceriver')!;
    const d = await deviceAt(sim.host);
    expect((await admin.get(`/api/v1/devices/${d.id}`)).body.capabilities).toEqual([]);
    expect((await put(`/api/v1/devices/${d.id}/power-state`, { state: 'off' })).status).toBe(200);
    await until('the relay off', async () => relay.switches.length > 0 && relay.outputs[0] === false);
    expect(relay.commands.length).toBe(1);
    const after = await until('the commander sees it off', async () => {
      const x = (await admin.get(`/api/v1/devices/${d.id}`)).body;
      return x.actualPowerState === 'off' ? x : null;
    });
    expect(after.status).toBe('offline');
  }, 60_000);

  it('a miner changed to a foreign pool user is flagged', async () => {
    const sim = farm.sims.find((s) => s.type === 'avalon')!;
    const d = await deviceAt(sim.host);
    const ownUser = d.pools[0].user;
    expect((await put(`/api/v1/devices/${d.id}/expected-pools`, { pools: [{ user: ownUser }] })).status).toBe(
      200,
    );
    await until(
      'guard ok',
      async () => (await admin.get(`/api/v1/devices/${d.id}`)).body.walletGuard?.status === 'ok',
    );
    sim.state.poolUser = 'thief.worker1';
    const flagged = await until('hijack flagged', async () => {
      const x = (await admin.get(`/api/v1/devices/${d.id}`)).body;
      return x.walletGuard?.status === 'mismatch' ? x : null;
    });
    expect(flagged.walletGuard.message).toMatch(/thief\.worker1/);
    expect(flagged.alerts).toEqual([expect.objectContaining({ kind: 'pool-mismatch' })]);
    const alerted = (await admin.get('/api/v1/devices?alert=pool-mismatch')).body.items as any[];
    expect(alerted.map((x) => x.id)).toEqual([d.id]);
  }, 60_000);

  it('the commander adds an ASIC through the sentry, which checks it first', async () => {
    await late.start();
    const wrong = await admin.post(`/api/v1/sentries/${sentryId}/asics`, {
      ip: late.host,
      type: 'whatsminer',
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toMatch(/not whatsminer/);
    const added = await admin.post(`/api/v1/sentries/${sentryId}/asics`, { ip: late.host, type: 'auto' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ make: 'Antminer', model: 'Antminer S19 Pro', ip: late.host });
    await until('the new ASIC reports', async () => (await deviceAt(late.host))?.status === 'mining');
    expect(
      JSON.parse(readFileSync(join(stateDir, 'asics.json'), 'utf8')).asics.some(
        (a: any) => a.ip === late.host,
      ),
    ).toBe(true);
  }, 60_000);

  it('removing an ASIC on the commander removes it from the sentry', async () => {
    const d = await deviceAt(late.host);
    expect((await admin.del(`/api/v1/devices/${d.id}`)).status).toBe(200);
    await until(
      'gone from the sentry',
      async () =>
        !JSON.parse(readFileSync(join(stateDir, 'asics.json'), 'utf8')).asics.some(
          (a: any) => a.ip === late.host,
        ),
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(await deviceAt(late.host)).toBeUndefined();
  }, 60_000);
});
