import { sentryPaths } from '@mrm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, client, databases, type Running, startCommander } from './helpers.js';

const HOUR = 3600_000;
const MIN = 60_000;

describe.each(databases)('devices, history, rollups and retention on %s', (db) => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let clock = Date.UTC(2026, 10, 1, 12, 0, 0);
  let asicSentry: ReturnType<typeof client>;
  let asicSentryId: string;
  let seq = 0;

  const report = async (devices: unknown[]) => {
    const r = await asicSentry.post(sentryPaths.report, { batches: [{ seq: ++seq, devices }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    run = await startCommander(db, { retention: { rawHours: 2, fiveMinuteDays: 1 } }, { now: () => clock });
    admin = await adminClient(run.url);
    const s = await admin.post('/api/v1/sentries', { name: 'LAN', kind: 'asic' });
    asicSentry = client(run.url, s.body.token);
    asicSentryId = s.body.id;
  });
  afterAll(() => run?.stop());

  it('lists devices with filters, search and pagination as {items, total}', async () => {
    const devices = Array.from({ length: 25 }, (_, i) => ({
      key: `10.1.0.${i + 1}`,
      at: clock,
      status: i % 5 === 0 ? 'sleeping' : 'mining',
      make: i % 2 ? 'Antminer' : 'Whatsminer',
      model: i % 2 ? 'S19 Pro' : 'M30S',
      name: `asic-${String(i + 1).padStart(2, '0')}`,
      hashrate: 100e12 + i,
      power: 3000,
      temperatures: [{ name: 'board1', value: 60 + i }],
      fans: [{ name: 'fan1', value: 4000 }],
    }));
    await report(devices);
    const rigS = await admin.post('/api/v1/sentries', { name: 'gpu rig', kind: 'rig' });
    const page1 = await admin.get('/api/v1/devices?kind=asic&limit=10');
    expect(page1.body.total).toBe(25);
    expect(page1.body.items).toHaveLength(10);
    expect(page1.body.items[0]).toMatchObject({
      name: 'asic-01',
      kind: 'asic',
      status: 'sleeping',
      make: 'Whatsminer',
      power: 3000,
    });
    const page3 = await admin.get('/api/v1/devices?kind=asic&limit=10&offset=20');
    expect(page3.body.items.map((d: any) => d.name)).toEqual([
      'asic-21',
      'asic-22',
      'asic-23',
      'asic-24',
      'asic-25',
    ]);
    expect((await admin.get('/api/v1/devices?status=sleeping')).body.total).toBe(5);
    expect((await admin.get(`/api/v1/devices?sentryId=${asicSentryId}&status=mining`)).body.total).toBe(20);
    expect((await admin.get('/api/v1/devices?q=ASIC-1')).body.total).toBe(10);
    expect((await admin.get('/api/v1/devices?q=10.1.0.25')).body.items[0].name).toBe('asic-25');
    expect((await admin.get('/api/v1/devices?q=%25')).body.total).toBe(0);
    const rigs = await admin.get('/api/v1/devices?kind=rig');
    expect(rigs.body.items).toEqual([
      expect.objectContaining({ name: 'gpu rig', status: 'pending', sentryId: rigS.body.id }),
    ]);
    for (const bad of [
      'limit=0',
      'limit=1001',
      'offset=-1',
      'kind=toaster',
      'status=happy',
      'sentryId=x',
      `q=${'a'.repeat(101)}`,
    ]) {
      const r = await admin.get(`/api/v1/devices?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.message).toMatch(/querystring/);
    }
  });

  it('shows every device of a silent sentry as unreachable, not as mining', async () => {
    clock += 10 * MIN;
    const list = await admin.get(`/api/v1/devices?sentryId=${asicSentryId}&limit=1`);
    expect(list.body.items[0].status).toBe('unreachable');
    expect((await admin.get('/api/v1/devices?status=unreachable')).body.total).toBe(25);
    expect((await admin.get('/api/v1/devices?status=mining')).body.total).toBe(0);
    expect((await admin.get(`/api/v1/sentries/${asicSentryId}`)).body.status).toBe('offline');
    await report([{ key: '10.1.0.1', at: clock, status: 'mining', hashrate: 1 }]);
    expect((await admin.get('/api/v1/devices?status=unreachable')).body.total).toBe(0);
  });

  it('rolls raw samples into 5-minute and hourly averages and serves each resolution', async () => {
    const start = Date.UTC(2026, 10, 1, 13, 0, 0);
    clock = start;
    // One sample a minute for two hours on one ASIC: hashrate climbs 0, 1, 2, ...
    for (let m = 0; m < 120; m += 10) {
      await report(
        Array.from({ length: 10 }, (_, k) => ({
          key: '10.9.9.9',
          at: start + (m + k) * MIN,
          status: 'mining',
          hashrate: m + k,
          power: 1000,
        })),
      );
    }
    const id = (await admin.get('/api/v1/devices?q=10.9.9.9')).body.items[0].id;
    clock = start + 2 * HOUR + MIN;
    await run.commander.ctx.telemetry.runOnce();
    const five = await admin.get(
      `/api/v1/devices/${id}/history?metric=hashrate&from=${start}&to=${start + HOUR - 1}&resolution=5m`,
    );
    expect(five.body.resolution).toBe('5m');
    expect(five.body.points.slice(0, 3)).toEqual([
      [start, 2],
      [start + 5 * MIN, 7],
      [start + 10 * MIN, 12],
    ]);
    const hourly = await admin.get(
      `/api/v1/devices/${id}/history?metric=hashrate&from=${start}&to=${start + 2 * HOUR}&resolution=1h`,
    );
    expect(hourly.body.points).toEqual([
      [start, 29.5],
      [start + HOUR, 89.5],
    ]);
    const power = await admin.get(
      `/api/v1/devices/${id}/history?metric=power&from=${start}&to=${start + HOUR}&resolution=1h`,
    );
    expect(power.body.points[0]).toEqual([start, 1000]);
    // auto picks raw for a recent, short range.
    const auto = await admin.get(
      `/api/v1/devices/${id}/history?metric=hashrate&from=${start + 90 * MIN}&to=${start + 95 * MIN}`,
    );
    expect(auto.body.resolution).toBe('raw');
    expect(auto.body.points).toHaveLength(6);
  });

  it('re-rolls buckets that late reports touched, and prunes by retention', async () => {
    const start = Date.UTC(2026, 10, 1, 13, 0, 0);
    const id = (await admin.get('/api/v1/devices?q=10.9.9.9')).body.items[0].id;
    // A sentry's outbox delivers samples for buckets already rolled up: one whose raw samples are
    // all still kept (recomputed), one whose first raw sample was pruned (left as it was).
    await report([
      { key: '10.9.9.9', at: start + 5 * MIN + 30_000, status: 'mining', hashrate: 1000, power: 1000 },
      { key: '10.9.9.9', at: start + 30_000, status: 'mining', hashrate: 1000, power: 1000 },
    ]);
    await run.commander.ctx.telemetry.runOnce();
    const five = await admin.get(
      `/api/v1/devices/${id}/history?metric=hashrate&from=${start}&to=${start + 5 * MIN}&resolution=5m`,
    );
    expect(five.body.points).toEqual([
      [start, 2],
      [start + 5 * MIN, (5 + 6 + 7 + 8 + 9 + 1000) / 6],
    ]);

    // Raw is kept 2 h, 5-minute rollups 1 day, hourly forever (configured above).
    clock = start + 3 * HOUR;
    await run.commander.ctx.telemetry.runOnce();
    const raw = await admin.get(
      `/api/v1/devices/${id}/history?metric=hashrate&from=${start}&to=${start + 2 * HOUR}&resolution=raw`,
    );
    expect(raw.body.points.length).toBeLessThan(120);
    expect(raw.body.points.every(([t]: [number]) => t >= clock - 2 * HOUR)).toBe(true);
    clock = start + 3 * 86_400_000;
    admin = await adminClient(run.url); // the 12-hour session ended with the jump
    await run.commander.ctx.telemetry.runOnce();
    const fiveGone = await admin.get(
      `/api/v1/devices/${id}/history?metric=hashrate&from=${start}&to=${start + 2 * HOUR}&resolution=5m`,
    );
    expect(fiveGone.body.points).toEqual([]);
    const hourly = await admin.get(
      `/api/v1/devices/${id}/history?metric=hashrate&from=${start}&to=${start + 2 * HOUR}`,
    );
    expect(hourly.body.resolution).toBe('1h');
    expect(hourly.body.points).toHaveLength(2);
  });

  it('history refuses bad queries clearly', async () => {
    const id = (await admin.get('/api/v1/devices?q=10.9.9.9')).body.items[0].id;
    expect((await admin.get(`/api/v1/devices/${id}/history?metric=mood&from=0&to=1`)).status).toBe(400);
    expect(
      (await admin.get(`/api/v1/devices/${id}/history?metric=power&from=10&to=1`)).body.error.message,
    ).toMatch(/before from/);
    expect((await admin.get(`/api/v1/devices/${id}/history?metric=power`)).status).toBe(400);
    expect(
      (
        await admin.get(
          '/api/v1/devices/00000000-0000-4000-8000-000000000000/history?metric=power&from=0&to=1',
        )
      ).status,
    ).toBe(404);
  });

  it('removes an ASIC with its history; a rig cannot be removed that way', async () => {
    const id = (await admin.get('/api/v1/devices?q=10.9.9.9')).body.items[0].id;
    expect((await admin.del(`/api/v1/devices/${id}`)).status).toBe(200);
    expect((await admin.get(`/api/v1/devices/${id}`)).status).toBe(404);
    const left = await run.commander.ctx.store.db
      .selectFrom('telemetry_1h')
      .select('device_id')
      .where('device_id', '=', id)
      .execute();
    expect(left).toEqual([]);
    const rig = (await admin.get('/api/v1/devices?kind=rig')).body.items[0];
    expect((await admin.del(`/api/v1/devices/${rig.id}`)).status).toBe(422);
    expect((await admin.patch(`/api/v1/devices/${rig.id}`, { powerState: 'sleep' })).status).toBe(422);
  });
});
