import { randomBytes } from 'node:crypto';
import {
  mqttPublisher,
  type SunspecSim,
  startFroniusSim,
  startJsonSim,
  startSunspecSim,
} from '@mrm/simulators/energy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJsonPath, mapValue, parseJsonPath } from '../src/energy/json-path.js';
import { MqttReader } from '../src/energy/mqtt.js';
import { SunspecReader } from '../src/energy/sunspec.js';
import { adminClient, databases, type Running, startCommander } from './helpers.js';

describe('JSON paths are looked up, never evaluated', () => {
  it('reads dotted, indexed and quoted keys, and refuses expressions', () => {
    const doc = { Body: { Data: { Site: { P_PV: 5218 } } }, list: [{ 'a b': '12.5' }], v: { value: -3 } };
    expect(getJsonPath(doc, '$.Body.Data.Site.P_PV')).toBe(5218);
    expect(getJsonPath(doc, "list[0]['a b']")).toBe('12.5');
    expect(mapValue(getJsonPath(doc, 'list.0.a b'), { scale: 1000 })).toBe(12500);
    expect(mapValue(getJsonPath(doc, 'v'), { invert: true })).toBe(3);
    expect(mapValue('unavailable', {})).toBeNull();
    expect(getJsonPath(doc, '__proto__.polluted')).toBeUndefined();
    expect(() => parseJsonPath('$..[?(@.a)]')).toThrow(/wildcards|allowed/);
  });
});

describe('SunSpec over real Modbus TCP (pymodbus)', () => {
  let sim: SunspecSim;
  beforeAll(async () => {
    sim = await startSunspecSim({ args: ['--battery', '--model-802', '--dynamic-sf'] });
  });
  afterAll(() => sim?.stop());

  it('finds SunS, walks the chain and reads scaled values', async () => {
    await sim.set({ pvW: 6000, houseW: 400, extraLoadW: 1000, soc: 100, freeze: true });
    const reader = new SunspecReader({ host: '127.0.0.1', port: sim.port, unitId: 1 }, 2000);
    try {
      const r = await reader.read();
      expect(r.models!.map((m) => m.id)).toEqual([1, 103, 120, 123, 124, 802, 1, 203]);
      expect(r.models![0]).toMatchObject({ unitId: 1, id: 1, name: 'common', address: 40002, length: 66 });
      expect(r.values.pvW).toBeCloseTo(6000, 0);
      expect(r.values.gridW).toBeCloseTo(1400 - 6000, 0); // battery full: everything else is exported
      expect(r.values.batterySoc).toBeCloseTo(100, 1);
      expect(r.values.batteryW).toBe(0);
      expect(r.values.loadW).toBeCloseTo(1400, 0);
      // Values change over time; the scale factors change with them (--dynamic-sf).
      await sim.set({ pvW: 123.4, soc: 40, houseW: 5000, extraLoadW: 0 });
      const r2 = await reader.read();
      expect(r2.values.pvW).toBeCloseTo(123.4, 1);
      const st = await sim.state();
      expect(r2.values.batteryW).toBeCloseTo(st.batteryW, 0);
      expect(r2.values.batteryW!).toBeGreaterThan(0); // the battery discharges to cover the house
      expect(r2.values.gridW).toBeCloseTo(st.gridW, 0);
      expect(r2.values.batterySoc).toBeCloseTo(40, 0);
    } finally {
      await reader.close();
    }
  });

  it('says why when the device does not answer, and reads again once it does', async () => {
    const reader = new SunspecReader({ host: '127.0.0.1', port: sim.port, unitId: 1 }, 500);
    try {
      await sim.set({ offline: true });
      await expect(reader.read()).rejects.toThrow(/timed out|no SunSpec marker/i);
      await sim.set({ offline: false });
      expect((await reader.read()).values.pvW).not.toBeNull();
      await expect(new SunspecReader({ host: '127.0.0.1', port: 1, unitId: 1 }, 500).read()).rejects.toThrow(
        /cannot connect to 127\.0\.0\.1:1/,
      );
    } finally {
      await reader.close();
    }
  });

  it('reads a split (Fronius-like) float layout at base 50000 with the meter on unit 200', async () => {
    const split = await startSunspecSim({
      args: ['--layout', 'split', '--float', '--base', '50000', '--meter-sign', 'export-positive'],
    });
    const reader = new SunspecReader(
      { host: '127.0.0.1', port: split.port, unitId: 1, meterUnitId: 200, invertGrid: true },
      2000,
    );
    try {
      await split.set({ pvW: 4321.5, houseW: 321.5, freeze: true });
      const r = await reader.read();
      expect(r.models!.map((m) => `${m.unitId}:${m.id}`)).toEqual([
        '1:1',
        '1:113',
        '1:120',
        '1:123',
        '200:1',
        '200:213',
      ]);
      expect(r.models![0]!.address).toBe(50002);
      expect(r.values.pvW).toBeCloseTo(4321.5, 1);
      expect(r.values.gridW).toBeCloseTo(-4000, 0);
    } finally {
      await reader.close();
      await split.stop();
    }
  });
});

describe('MQTT sources (local Mosquitto)', () => {
  it('maps a JSON path per topic, and treats old values as absent', async () => {
    const base = `mrm-test/${randomBytes(4).toString('hex')}`;
    const pub = await mqttPublisher();
    let t = Date.now();
    const reader = new MqttReader(
      {
        url: 'mqtt://127.0.0.1:1883',
        maxAgeMs: 5000,
        fields: {
          gridW: { topic: `${base}/grid`, path: 'value' },
          pvW: { topic: `${base}/pv`, path: '$.StatusSNS.ENERGY.Power', scale: 1000 },
          batterySoc: { topic: `${base}/soc` },
        },
      },
      3000,
      () => t,
    );
    try {
      await expect(reader.read()).rejects.toThrow(/no fresh value/);
      await pub.publish(`${base}/grid`, { value: -1234.5 });
      await pub.publish(`${base}/pv`, { StatusSNS: { ENERGY: { Power: 4.2 } } });
      await pub.publish(`${base}/soc`, '57');
      for (let i = 0; i < 40; i++) {
        const r = await reader.read().catch(() => null);
        if (r?.values.batterySoc !== null && r?.values.pvW !== null && r) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      const r = await reader.read();
      expect(r.values).toMatchObject({ gridW: -1234.5, pvW: 4200, batterySoc: 57 });
      expect(r.values.loadW).toBeCloseTo(4200 - 1234.5, 1);
      t += 6000;
      await expect(reader.read()).rejects.toThrow(/no fresh value .* in the last 5 s/);
    } finally {
      await reader.close();
      await pub.close();
    }
  });
});

describe.each(databases)('energy sources API (%s)', (dbKind) => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let sim: SunspecSim;
  beforeAll(async () => {
    run = await startCommander(dbKind);
    admin = await adminClient(run.url);
    sim = await startSunspecSim({ args: ['--battery', '--dynamic-sf'] });
  });
  afterAll(async () => {
    await run?.stop();
    await sim?.stop();
  });
  const poll = (id: string) => run.commander.ctx.energy.pollOnce(id);

  it('adds a SunSpec source; GET carries latest values and the models found', async () => {
    await sim.set({ pvW: 7000, houseW: 500, extraLoadW: 0, soc: 100, freeze: true });
    const c = await admin.post('/api/v1/energy-sources', {
      name: 'roof',
      kind: 'sunspec',
      host: '127.0.0.1',
      port: sim.port,
      unitId: 1,
      intervalMs: 60_000,
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body).toMatchObject({
      id: expect.any(String),
      kind: 'sunspec',
      config: { host: '127.0.0.1', port: sim.port, unitId: 1 },
    });
    await poll(c.body.id);
    const g = await admin.get(`/api/v1/energy-sources/${c.body.id}`);
    expect(g.body.status.state).toBe('ok');
    expect(g.body.latest).toMatchObject({ at: expect.any(Number), batteryW: null, batterySoc: 100 });
    expect(g.body.latest.pvW).toBeCloseTo(7000, 0);
    expect(g.body.latest.gridW).toBeCloseTo(-6500, 0);
    expect(g.body.latest.loadW).toBeCloseTo(500, 0);
    expect(g.body.models.map((m: { id: number }) => m.id)).toEqual([1, 103, 120, 123, 124, 1, 203]);
    const h = await admin.get(`/api/v1/energy-sources/${c.body.id}/history?from=0&to=${Date.now() + 1000}`);
    expect(h.body.points).toHaveLength(1);
    expect(h.body.points[0].pvW).toBeCloseTo(7000, 0);

    // A source that fails is shown failing, with its reason.
    await sim.set({ offline: 'exception' });
    await poll(c.body.id);
    const f = await admin.get(`/api/v1/energy-sources/${c.body.id}`);
    expect(f.body.status.state).toBe('failing');
    expect(f.body.status.error).toMatch(/GatewayNoResponse|exception|Modbus/i);
    await sim.set({ offline: false });

    const t = await admin.post(`/api/v1/energy-sources/${c.body.id}/test`);
    expect(t.body.ok).toBe(true);
    expect(t.body.models.length).toBe(7);
  });

  it('tests an unsaved source and refuses bad ones clearly', async () => {
    const t = await admin.post('/api/v1/energy-sources/test', {
      name: 'x',
      kind: 'sunspec',
      host: '127.0.0.1',
      port: 1,
      timeoutMs: 500,
    });
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ ok: false, values: null, error: expect.stringMatching(/cannot connect/) });
    const bad = await admin.post('/api/v1/energy-sources', {
      name: 'y',
      kind: 'http',
      url: 'ftp://x',
      fields: {},
    });
    expect(bad.status).toBe(400);
    const none = await admin.post('/api/v1/energy-sources', {
      name: 'y',
      kind: 'http',
      url: 'http://x',
      fields: {},
    });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/at least one value/);
  });

  it('reads the Fronius Solar API, and an HTTP JSON source whose token is never shown', async () => {
    const fronius = await startFroniusSim();
    const token = `secret-${randomBytes(6).toString('hex')}`;
    const json = await startJsonSim({ data: { grid: '-800.5', pv: 2.5 } }, token);
    try {
      fronius.site.P_Grid = 150;
      fronius.site.P_PV = null;
      fronius.site.P_Akku = 900;
      fronius.site.P_Load = -1050;
      fronius.site.SOC = 41.5;
      const f = await admin.post('/api/v1/energy-sources', {
        name: 'gen24',
        kind: 'fronius',
        url: fronius.url,
      });
      await poll(f.body.id);
      const fv = (await admin.get(`/api/v1/energy-sources/${f.body.id}`)).body.latest;
      expect(fv).toMatchObject({ pvW: 0, gridW: 150, batteryW: 900, loadW: 1050, batterySoc: 41.5 });

      const h = await admin.post('/api/v1/energy-sources', {
        name: 'ha',
        kind: 'http',
        url: `${json.url}/api/states`,
        headerName: 'Authorization',
        headerValue: `Bearer ${token}`,
        fields: { gridW: { path: '$.data.grid' }, pvW: { path: 'data.pv', scale: 1000 } },
      });
      expect(h.status).toBe(201);
      expect(h.body.config.headerValue).toBe('********');
      await poll(h.body.id);
      const hv = await admin.get(`/api/v1/energy-sources/${h.body.id}`);
      expect(hv.body.latest).toMatchObject({ gridW: -800.5, pvW: 2500 });
      expect(JSON.stringify(hv.body)).not.toContain(token);
      // The mask sent back keeps the secret; a wrong token shows as failing with the HTTP status.
      const p = await admin.patch(`/api/v1/energy-sources/${h.body.id}`, {
        headerValue: '********',
        intervalMs: 30_000,
      });
      expect(p.status).toBe(200);
      await poll(h.body.id);
      expect((await admin.get(`/api/v1/energy-sources/${h.body.id}`)).body.status.state).toBe('ok');
      await admin.patch(`/api/v1/energy-sources/${h.body.id}`, { headerValue: 'Bearer wrong' });
      await poll(h.body.id);
      const failing = (await admin.get(`/api/v1/energy-sources/${h.body.id}`)).body.status;
      expect(failing).toMatchObject({ state: 'failing', error: expect.stringMatching(/HTTP 401/) });
      const auditLog = await admin.get('/api/v1/audit?limit=100');
      expect(JSON.stringify(auditLog.body)).not.toContain(token);
      expect(JSON.stringify(auditLog.body)).not.toContain('Bearer wrong');
      expect((await admin.get('/api/v1/energy-sources')).body.items.length).toBeGreaterThanOrEqual(3);
      expect((await admin.del(`/api/v1/energy-sources/${f.body.id}`)).status).toBe(200);
      expect((await admin.get(`/api/v1/energy-sources/${f.body.id}`)).status).toBe(404);
    } finally {
      await fronius.stop();
      await json.stop();
    }
  });
});
