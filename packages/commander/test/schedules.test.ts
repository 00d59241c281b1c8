import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleForces, windowOpen } from '../src/solar/schedules.js';
import { adminClient, clientsByRole, databases, type Running, startCommander } from './helpers.js';

// 2025-06-23 is a Monday.
const at = (iso: string) => Date.parse(iso);

describe('schedule windows', () => {
  const night = { days: [1, 2, 3, 4, 5], start: '22:00', end: '06:00', timeZone: 'Europe/Berlin' };
  it('runs past midnight on the days it starts, in its time zone', () => {
    expect(windowOpen(night, at('2025-06-23T20:30:00Z'))).toBe(30); // Mon 22:30 CEST
    expect(windowOpen(night, at('2025-06-24T03:59:00Z'))).toBe(7 * 60 - 1 + 60); // Tue 05:59 local
    expect(windowOpen(night, at('2025-06-24T04:00:00Z'))).toBeNull(); // Tue 06:00 local
    expect(windowOpen(night, at('2025-06-23T03:00:00Z'))).toBeNull(); // Mon 05:00: Sunday's window is not listed
    expect(windowOpen(night, at('2025-06-28T21:00:00Z'))).toBeNull(); // Sat 23:00
    expect(
      windowOpen({ ...night, start: '09:00', end: '17:00', timeZone: 'UTC' }, at('2025-06-23T16:59:00Z')),
    ).toBe(479);
  });

  it('composes: an open window wins over outside actions; the latest opened wins; ties go to the stricter', () => {
    const base = { enabled: true, timeZone: 'UTC', groupIds: [] as string[], outsideAction: null };
    const forces = scheduleForces(
      [
        {
          ...base,
          id: 'a',
          name: 'day sleep',
          days: [1],
          start: '08:00',
          end: '18:00',
          action: 'sleep',
          deviceIds: ['d1', 'd2'],
        },
        {
          ...base,
          id: 'b',
          name: 'noon run',
          days: [1],
          start: '11:00',
          end: '13:00',
          action: 'on',
          deviceIds: ['d1'],
        },
        {
          ...base,
          id: 'c',
          name: 'night',
          days: [1],
          start: '22:00',
          end: '06:00',
          action: 'on',
          outsideAction: 'off',
          deviceIds: ['d2', 'd3'],
        },
        {
          ...base,
          id: 'e',
          name: 'grp',
          days: [1],
          start: '08:00',
          end: '18:00',
          action: 'off',
          deviceIds: [],
          groupIds: ['g'],
        },
      ],
      (g) => (g === 'g' ? ['d2'] : []),
      at('2025-06-23T12:00:00Z'),
    );
    expect(forces.get('d1')).toMatchObject({ action: 'on', by: 'noon run', inside: true });
    expect(forces.get('d2')).toMatchObject({ action: 'off', by: 'grp', inside: true });
    expect(forces.get('d3')).toMatchObject({ action: 'off', by: 'night', inside: false });
  });
});

describe.each(databases)('schedules API and their effect (%s)', (dbKind) => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let rigId = '';
  beforeAll(async () => {
    run = await startCommander(dbKind);
    admin = await adminClient(run.url);
    rigId = (await admin.post('/api/v1/sentries', { name: 'rig-s', kind: 'rig' })).body.id;
  });
  afterAll(() => run?.stop());

  it('creates, lists, changes and deletes schedules; refuses unknown devices and bad windows', async () => {
    const bad = await admin.post('/api/v1/schedules', {
      name: 'x',
      days: [1],
      start: '25:00',
      end: '06:00',
      action: 'on',
    });
    expect(bad.status).toBe(400);
    const tz = await admin.post('/api/v1/schedules', {
      name: 'x',
      days: [1],
      start: '01:00',
      end: '06:00',
      action: 'on',
      timeZone: 'Mars/Olympus',
    });
    expect(tz.status).toBe(400);
    const ghost = await admin.post('/api/v1/schedules', {
      name: 'x',
      days: [1],
      start: '01:00',
      end: '06:00',
      action: 'on',
      deviceIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(ghost.status).toBe(422);
    const c = await admin.post('/api/v1/schedules', {
      name: 'Night tariff',
      days: [0, 1, 2, 3, 4, 5, 6],
      start: '00:00',
      end: '00:00',
      timeZone: 'Europe/Berlin',
      action: 'sleep',
      deviceIds: [rigId],
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body).toMatchObject({ activeNow: true, outsideAction: null, deviceIds: [rigId] });
    // The window is open all day: the loop puts the rig to sleep, and the decision log says why.
    await run.commander.ctx.solar.runOnce();
    const dev = await run.commander.ctx.store.db
      .selectFrom('devices')
      .select('power_state')
      .where('id', '=', rigId)
      .executeTakeFirstOrThrow();
    expect(dev.power_state).toBe('sleep');
    const log = (await admin.get('/api/v1/solar/decisions')).body.items;
    expect(log[0]).toMatchObject({
      kind: 'schedule',
      reason: 'set rig-s to sleep: schedule "Night tariff" is in its window',
      deviceIds: [rigId],
    });
    const p = await admin.patch(`/api/v1/schedules/${c.body.id}`, { enabled: false, end: '06:00' });
    expect(p.body, JSON.stringify(p.body)).toMatchObject({ enabled: false, end: '06:00', activeNow: false });
    // A PATCH changes only what it names: the devices, zone and outside action stay.
    const renamed = await admin.patch(`/api/v1/schedules/${c.body.id}`, { name: 'Night tariff 2' });
    expect(renamed.body).toMatchObject({
      name: 'Night tariff 2',
      enabled: false,
      timeZone: 'Europe/Berlin',
      deviceIds: [rigId],
      outsideAction: null,
    });
    expect((await admin.get('/api/v1/schedules')).body.items).toHaveLength(1);
    expect((await admin.del(`/api/v1/schedules/${c.body.id}`)).status).toBe(200);
    expect((await admin.get(`/api/v1/schedules/${c.body.id}`)).status).toBe(404);
    const audit = (await admin.get('/api/v1/audit?limit=50')).body.items.map((a: any) => a.action);
    expect(audit).toEqual(
      expect.arrayContaining([
        'schedule.created',
        'schedule.updated',
        'schedule.deleted',
        'solar.power_states_set',
      ]),
    );
  });

  it('solar rules: CRUD, priorities, settings, and viewers may only read', async () => {
    const roles = await clientsByRole(run.url);
    const r = await admin.post('/api/v1/solar/rules', {
      targetType: 'device',
      targetId: rigId,
      priority: 3,
      powerW: 900,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      name: 'rig-s',
      deviceIds: [rigId],
      offState: 'sleep',
      enableDelayS: null,
    });
    expect((await admin.post('/api/v1/solar/rules', { targetType: 'device', targetId: rigId })).status).toBe(
      409,
    );
    const g = await admin.post('/api/v1/groups', { name: 'fleet', deviceIds: [rigId] });
    const r2 = await admin.post('/api/v1/solar/rules', {
      targetType: 'group',
      targetId: g.body.id,
      priority: 1,
      reducedW: 300,
    });
    expect(r2.status).toBe(400);
    const r3 = await admin.post('/api/v1/solar/rules', {
      targetType: 'group',
      targetId: g.body.id,
      priority: 1,
    });
    expect(r3.status).toBe(201);
    const order = await admin.call('PUT', '/api/v1/solar/priorities', { order: [r3.body.id, r.body.id] });
    expect(order.body.items.map((x: any) => [x.name, x.priority])).toEqual([
      ['fleet', 2],
      ['rig-s', 1],
    ]);
    const patched = await admin.patch(`/api/v1/solar/rules/${r.body.id}`, { minOnS: 900, offState: 'off' });
    expect(patched.body).toMatchObject({ minOnS: 900, offState: 'off' });
    expect((await roles.viewer.call('PUT', '/api/v1/solar/settings', { enableDelayS: 5 })).status).toBe(403);
    const s = await roles.operator.call('PUT', '/api/v1/solar/settings', {
      enableDelayS: 5,
      fallback: 'keep',
    });
    expect(s.body).toMatchObject({ enableDelayS: 5, fallback: 'keep', disableDelayS: 180 });
    expect((await roles.viewer.get('/api/v1/solar/settings')).body.enableDelayS).toBe(5);
    expect((await admin.call('PUT', '/api/v1/solar/settings', { maxSwitchesPerHour: 1 })).status).toBe(400);
    const st = await roles.viewer.get('/api/v1/solar/status');
    expect(st.body.units.map((u: any) => u.name)).toEqual(['fleet', 'rig-s']);
    expect((await admin.del(`/api/v1/solar/rules/${r3.body.id}`)).status).toBe(200);
  });
});
