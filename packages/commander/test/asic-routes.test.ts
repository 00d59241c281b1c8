import { sentryPaths } from '@mrm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolMismatch } from '../src/services/wallet-guard.js';
import { client, clientsByRole, databases, type Running, startCommander } from './helpers.js';

describe('wallet guard rules', () => {
  const pool = (url: string, user?: string) => ({ url, ...(user ? { user } : {}) });
  it('accepts the expected account with a worker suffix, any scheme or case of the same endpoint', () => {
    expect(
      poolMismatch([{ user: 'acct' }], [pool('stratum+tcp://a:1', 'acct.rig7'), pool('x://b:2', 'acct')]),
    ).toBeNull();
    expect(
      poolMismatch(
        [{ url: 'stratum+tcp://Pool.Example:700', user: 'acct' }],
        [pool('pool.example:700', 'acct_1')],
      ),
    ).toBeNull();
  });
  it('names the foreign pool', () => {
    expect(poolMismatch([{ user: 'acct' }], [pool('stratum+tcp://a:1', 'acct2.x')])).toMatch(
      /acct2\.x is not an expected pool/,
    );
    expect(poolMismatch([{ url: 'a:1' }], [pool('a:1', 'x'), pool('b:1', 'y'), pool('c:1', 'z')])).toMatch(
      /b:1 .* \(and 1 more\)/,
    );
    expect(poolMismatch([{ user: 'acct' }], [pool('a:1')])).toMatch(/user \(none\)/);
  });
});

describe.each(databases)('ASIC routes on %s', (db) => {
  let run: Running;
  let by: Awaited<ReturnType<typeof clientsByRole>>;
  let sentry: { id: string; token: string };
  let rigDeviceId: string;
  let seq = 0;
  const report = (devices: unknown[]) =>
    client(run.url, sentry.token).post(sentryPaths.report, { batches: [{ seq: ++seq, devices }] });
  const s19 = (user: string) => ({
    key: '10.0.0.21',
    at: Date.now(),
    status: 'mining',
    make: 'Antminer',
    model: 'Antminer S19 Pro',
    hashrate: 110e12,
    pools: [{ url: 'stratum+tcp://btc.pool.example:700', user }],
    details: {
      asicType: 'braiins',
      boards: [{ index: 0, chips: 114 }],
      power: { actual: 'on', capabilities: ['sleep'] },
    },
  });

  beforeAll(async () => {
    run = await startCommander(db);
    by = await clientsByRole(run.url);
    sentry = (await by.admin.post('/api/v1/sentries', { name: 'lan', kind: 'asic' })).body;
    const rig = (await by.admin.post('/api/v1/sentries', { name: 'rig', kind: 'rig' })).body;
    await client(run.url, rig.token).post(sentryPaths.report, {
      batches: [{ seq: 1, devices: [{ key: 'rig', at: Date.now(), status: 'mining' }] }],
    });
    rigDeviceId = (await by.admin.get('/api/v1/devices?kind=rig')).body.items[0].id;
  });
  afterAll(() => run.stop());

  it('an ASIC the sentry reports is registered with its driver type, address and detail fields', async () => {
    expect((await report([s19('acct.1')])).status).toBe(200);
    const list = (await by.viewer.get('/api/v1/devices?kind=asic')).body.items;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      kind: 'asic',
      ip: '10.0.0.21',
      make: 'Antminer',
      hashrate: 110e12,
      status: 'mining',
    });
    expect(list[0].asic.type).toBe('braiins');
    expect(list[0].walletGuard).toEqual({
      status: 'unset',
      source: null,
      expected: [],
      message: null,
      since: null,
    });
    const detail = (await by.viewer.get(`/api/v1/devices/${list[0].id}`)).body;
    expect(detail).toMatchObject({
      boards: [{ index: 0, chips: 114 }],
      powerState: 'on',
      actualPowerState: 'on',
      capabilities: ['sleep'],
      powerW: null,
    });
  });

  it('sets the expected power state; only valid states, only operators', async () => {
    const id = (await by.viewer.get('/api/v1/devices?kind=asic')).body.items[0].id;
    const ok = await by.operator.call('PUT', `/api/v1/devices/${id}/power-state`, { state: 'sleep' });
    expect(ok.status).toBe(200);
    expect(ok.body.powerState).toBe('sleep');
    const state = await client(run.url, sentry.token).get(sentryPaths.desiredState);
    expect(JSON.parse(state.body.payload).asics[0]).toMatchObject({
      id,
      powerState: 'sleep',
      type: 'braiins',
    });
    expect((await by.viewer.call('PUT', `/api/v1/devices/${id}/power-state`, { state: 'on' })).status).toBe(
      403,
    );
    const bad = await by.operator.call('PUT', `/api/v1/devices/${id}/power-state`, { state: 'hibernate' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    // A rig set off runs no playbooks until it is on again (schedules and the solar controller use this).
    const rigOff = await by.operator.call('PUT', `/api/v1/devices/${rigDeviceId}/power-state`, {
      state: 'off',
    });
    expect(rigOff.status).toBe(200);
    expect(rigOff.body.asic).toBeNull();
    expect(rigOff.body.powerState).toBe('off');
    expect((await by.viewer.get(`/api/v1/devices/${rigDeviceId}`)).body.powerState).toBe('off');
    expect(
      (await by.operator.call('PUT', `/api/v1/devices/${rigDeviceId}/power-state`, { state: 'on' })).status,
    ).toBe(200);
    const audit = (await by.admin.get('/api/v1/audit?limit=20')).body.items as any[];
    expect(audit.find((a) => a.action === 'asic.power_state_set')).toMatchObject({
      entityId: id,
      after: { powerState: 'sleep' },
    });
  });

  it('wallet guard: a foreign pool user is flagged, listed, and cleared when the pools match again', async () => {
    const id = (await by.viewer.get('/api/v1/devices?kind=asic')).body.items[0].id;
    expect(
      (await by.operator.call('PUT', `/api/v1/devices/${id}/expected-pools`, { pools: [{ user: 'acct' }] }))
        .status,
    ).toBe(403);
    expect((await by.admin.call('PUT', `/api/v1/devices/${id}/expected-pools`, { pools: [{}] })).status).toBe(
      400,
    );
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ user: `u${i}` }));
    expect(
      (await by.admin.call('PUT', `/api/v1/devices/${id}/expected-pools`, { pools: tooMany })).status,
    ).toBe(400);
    const set = await by.admin.call('PUT', `/api/v1/devices/${id}/expected-pools`, {
      pools: [{ user: 'acct' }],
    });
    expect(set.status).toBe(200);
    expect(set.body.walletGuard).toMatchObject({
      status: 'ok',
      source: 'device',
      expected: [{ user: 'acct' }],
    });
    await report([s19('thief.1')]);
    const flagged = (await by.viewer.get(`/api/v1/devices/${id}`)).body;
    expect(flagged.walletGuard.status).toBe('mismatch');
    expect(flagged.walletGuard.message).toMatch(/thief\.1/);
    expect(flagged.alerts).toEqual([expect.objectContaining({ kind: 'pool-mismatch' })]);
    const since = flagged.walletGuard.since;
    await report([s19('thief.1')]);
    expect((await by.viewer.get(`/api/v1/devices/${id}`)).body.walletGuard.since).toBe(since);
    expect((await by.viewer.get('/api/v1/devices?alert=pool-mismatch')).body.total).toBe(1);
    await report([s19('acct.1')]);
    expect((await by.viewer.get(`/api/v1/devices/${id}`)).body.walletGuard.status).toBe('ok');
    expect((await by.viewer.get('/api/v1/devices?alert=pool-mismatch')).body.total).toBe(0);
    const audit = (await by.admin.get('/api/v1/audit?limit=50')).body.items as any[];
    expect(audit.find((a) => a.action === 'asic.expected_pools_set')).toBeTruthy();
  });

  it("a sentry's expectation covers its ASICs that have none of their own", async () => {
    const id = (await by.viewer.get('/api/v1/devices?kind=asic')).body.items[0].id;
    await by.admin.call('PUT', `/api/v1/devices/${id}/expected-pools`, { pools: [] });
    const g = await by.admin.call('PUT', `/api/v1/sentries/${sentry.id}/expected-pools`, {
      pools: [{ user: 'farm' }],
    });
    expect(g.status).toBe(200);
    await report([s19('acct.1')]);
    const d = (await by.viewer.get(`/api/v1/devices/${id}`)).body;
    expect(d.walletGuard).toMatchObject({
      status: 'mismatch',
      source: 'sentry',
      expected: [{ user: 'farm' }],
    });
  });

  it('adding an ASIC through a sentry that is not connected says so, unless told not to check', async () => {
    const r = await by.operator.post(`/api/v1/sentries/${sentry.id}/asics`, {
      ip: '10.0.0.40',
      type: 'auto',
    });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'sentry_offline' });
    const unchecked = await by.operator.post(`/api/v1/sentries/${sentry.id}/asics`, {
      ip: '10.0.0.40',
      type: 'avalon',
      check: false,
    });
    expect(unchecked.status).toBe(201);
    expect(unchecked.body).toMatchObject({ ip: '10.0.0.40', status: 'pending' });
  });

  it('groups: members, filter, group power state, group wallet guard, clear errors', async () => {
    const asicId = (await by.viewer.get('/api/v1/devices?kind=asic')).body.items[0].id;
    expect((await by.viewer.post('/api/v1/groups', { name: 'row A' })).status).toBe(403);
    const bad = await by.operator.post('/api/v1/groups', {
      name: 'row A',
      deviceIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/no such device/);
    const g = await by.operator.post('/api/v1/groups', {
      name: 'row A',
      deviceIds: [asicId, rigDeviceId, asicId],
    });
    expect(g.status).toBe(201);
    expect(g.body.deviceIds.sort()).toEqual([asicId, rigDeviceId].sort());
    expect((await by.operator.post('/api/v1/groups', { name: 'row A' })).status).toBe(409);
    const inGroup = (await by.viewer.get(`/api/v1/devices?groupId=${g.body.id}`)).body;
    expect(inGroup.total).toBe(2);
    expect(inGroup.items[0].groupIds).toEqual([g.body.id]);
    const ps = await by.operator.call('PUT', `/api/v1/groups/${g.body.id}/power-state`, { state: 'off' });
    expect(ps.body).toEqual({ changed: 1 });
    expect((await by.viewer.get(`/api/v1/devices/${asicId}`)).body.powerState).toBe('off');
    const wg = await by.admin.call('PUT', `/api/v1/groups/${g.body.id}/expected-pools`, {
      pools: [{ user: 'acct' }],
    });
    expect(wg.body.expectedPools).toEqual([{ user: 'acct' }]);
    await report([s19('acct.1')]);
    expect((await by.viewer.get(`/api/v1/devices/${asicId}`)).body.walletGuard).toMatchObject({
      status: 'ok',
      source: 'group',
    });
    const members = await by.operator.call('PUT', `/api/v1/groups/${g.body.id}/devices`, {
      deviceIds: [rigDeviceId],
    });
    expect(members.body.deviceIds).toEqual([rigDeviceId]);
    expect((await by.operator.del(`/api/v1/groups/${g.body.id}`)).status).toBe(200);
    expect((await by.viewer.get(`/api/v1/groups/${g.body.id}`)).status).toBe(404);
  });
});
