import { type DesiredStateDocument, sentryPaths, signedDocumentSchema } from '@mrm/protocol';
import { verifySignedDocument } from '@mrm/protocol/signing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { adminClient, client, databases, type Running, startCommander } from './helpers.js';

const rigDevice = (at: number, hashrate = 1000) => ({
  key: 'rig',
  at,
  status: 'mining',
  hashrate,
  power: 250,
  algorithm: 'randomx',
  temperatures: [
    { name: 'cpu', value: 61 },
    { name: 'gpu0', value: 70 },
  ],
  fans: [{ name: 'gpu0', value: 1800 }],
  pools: [{ url: 'stratum+tcp://pool.example:3333', user: 'wallet.rig1', accepted: 10, rejected: 1 }],
});

function waitForMessage(ws: WebSocket, pred: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no matching push message in time')), timeoutMs);
    const onMsg = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString());
      if (pred(m)) {
        clearTimeout(t);
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
  });
}

describe.each(databases)('sentry protocol on %s', (db) => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let rig: { id: string; token: string; commanderUrl: string };
  let asic: { id: string; token: string };
  let rigDeviceId: string;

  beforeAll(async () => {
    run = await startCommander(db);
    admin = await adminClient(run.url);
    const r = await admin.post('/api/v1/sentries', { name: 'Rig 01', kind: 'rig' });
    expect(r.status).toBe(201);
    rig = r.body;
    const a = await admin.post('/api/v1/sentries', { name: 'LAN A', kind: 'asic' });
    asic = a.body;
    rigDeviceId = (await admin.get(`/api/v1/sentries/${rig.id}`)).body.rigId;
    expect(rigDeviceId).toBe(rig.id); // the rig shares its sentry's id
  });
  afterAll(() => run?.stop());

  it('creates a sentry with a one-time token and the commander URL', async () => {
    expect(rig.token).toMatch(/^mrm_snt_[A-Za-z0-9_-]{43}$/);
    expect(rig.commanderUrl).toBe(run.url);
    const listed = await admin.get('/api/v1/sentries');
    const mine = listed.body.items.find((s: any) => s.id === rig.id);
    expect(mine).toMatchObject({
      name: 'Rig 01',
      kind: 'rig',
      status: 'pending',
      lastSeenAt: null,
      version: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(rig.token);
  });

  it('hello names the sentry and hands over the commander key to pin', async () => {
    const s = client(run.url, rig.token);
    const r = await s.post(sentryPaths.hello, { kind: 'rig', version: '0.1.0', hostname: 'rig01' });
    expect(r.status).toBe(200);
    expect(r.body.sentry).toEqual({ id: rig.id, name: 'Rig 01', kind: 'rig' });
    expect(r.body.commanderPublicKey).toContain('BEGIN PUBLIC KEY');
    expect(r.body.commanderKeyFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const listed = (await admin.get(`/api/v1/sentries/${rig.id}`)).body;
    expect(listed).toMatchObject({ status: 'online', version: '0.1.0', hostname: 'rig01' });
  });

  it('hello refuses a wrong token, a token of the other kind, and a user token, with clear messages', async () => {
    const wrong = await client(run.url, `mrm_snt_${'A'.repeat(43)}`).post(sentryPaths.hello, {
      kind: 'rig',
      version: '1',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/unknown sentry token/);
    const none = await client(run.url).post(sentryPaths.hello, { kind: 'rig', version: '1' });
    expect(none.status).toBe(401);
    const kind = await client(run.url, asic.token).post(sentryPaths.hello, { kind: 'rig', version: '1' });
    expect(kind.status).toBe(403);
    expect(kind.body.error.code).toBe('wrong_sentry_kind');
    expect(kind.body.error.message).toMatch(/ASIC sentry/);
    const userToken = await client(
      run.url,
      (await admin.post('/api/v1/tokens', { name: 'x' })).body.token,
    ).post(sentryPaths.hello, {
      kind: 'rig',
      version: '1',
    });
    expect(userToken.status).toBe(403);
  });

  it('stores a report once even when the batch is sent twice, and acknowledges the highest sequence', async () => {
    const s = client(run.url, rig.token);
    const t0 = Date.now() - 60_000;
    const first = await s.post(sentryPaths.report, { batches: [{ seq: 1, devices: [rigDevice(t0)] }] });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ackSeq: 1, stored: 1, duplicates: 0 });
    const again = await s.post(sentryPaths.report, { batches: [{ seq: 1, devices: [rigDevice(t0)] }] });
    expect(again.body).toEqual({ ackSeq: 1, stored: 0, duplicates: 1 });
    const mixed = await s.post(sentryPaths.report, {
      batches: [
        { seq: 3, devices: [rigDevice(t0 + 20_000, 1200)] },
        { seq: 2, devices: [rigDevice(t0 + 10_000, 1100)] },
        { seq: 1, devices: [rigDevice(t0)] },
      ],
    });
    expect(mixed.body).toEqual({ ackSeq: 3, stored: 2, duplicates: 1 });
    const hist = await admin.get(
      `/api/v1/devices/${rigDeviceId}/history?metric=hashrate&from=${t0 - 1}&to=${t0 + 30_000}&resolution=raw`,
    );
    expect(hist.status).toBe(200);
    expect(hist.body.points).toEqual([
      [t0, 1000],
      [t0 + 10_000, 1100],
      [t0 + 20_000, 1200],
    ]);
    const device = (await admin.get(`/api/v1/devices/${rigDeviceId}`)).body;
    expect(device).toMatchObject({
      kind: 'rig',
      status: 'mining',
      hashrate: 1200,
      power: 250,
      algorithm: 'randomx',
      lastSeen: t0 + 20_000,
    });
    expect(device.temperatures).toEqual([
      { name: 'cpu', value: 61 },
      { name: 'gpu0', value: 70 },
    ]);
    expect(device.pools[0]).toMatchObject({ accepted: 10, rejected: 1 });
  });

  it('a late batch goes to history but does not overwrite fresher state', async () => {
    const s = client(run.url, rig.token);
    const before = (await admin.get(`/api/v1/devices/${rigDeviceId}`)).body;
    const r = await s.post(sentryPaths.report, {
      batches: [{ seq: 4, devices: [rigDevice(before.lastSeen - 5_000, 5)] }],
    });
    expect(r.body.stored).toBe(1);
    const after = (await admin.get(`/api/v1/devices/${rigDeviceId}`)).body;
    expect(after.hashrate).toBe(before.hashrate);
  });

  it('refuses malformed reports with a clear 4xx and stores nothing', async () => {
    const s = client(run.url, rig.token);
    const ackBefore = (await s.post(sentryPaths.report, { batches: [{ seq: 4, devices: [] }] })).body.ackSeq;
    const bad: [unknown, number, RegExp][] = [
      [{ batches: [] }, 400, /batches/],
      [{ batches: [{ seq: 0, devices: [] }] }, 400, /seq/],
      [{ batches: [{ seq: 10, devices: [{ ...rigDevice(1), hashrate: -5 }] }] }, 400, /hashrate/],
      [{ batches: [{ seq: 10, devices: [{ ...rigDevice(1), status: 'exploded' }] }] }, 400, /status/],
      [{ batches: [{ seq: 10, devices: [{ ...rigDevice(1), extra: 1 }] }] }, 400, /extra|unrecognized/i],
      [{ batches: [{ seq: 10, devices: [{ ...rigDevice(1), key: 'other' }] }] }, 422, /only its own machine/],
      ['{"batches": [', 400, /not valid JSON/],
    ];
    for (const [body, status, message] of bad) {
      const r = await s.post(sentryPaths.report, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.error.message).toMatch(message);
    }
    const ackAfter = (await s.post(sentryPaths.report, { batches: [{ seq: 4, devices: [] }] })).body.ackSeq;
    expect(ackAfter).toBe(ackBefore);
  });

  it('answers 413 for a report over the size limit', async () => {
    const s = client(run.url, rig.token);
    const big = {
      batches: [{ seq: 99, devices: [{ ...rigDevice(1), details: { blob: 'x'.repeat(9 * 1024 * 1024) } }] }],
    };
    const r = await s.post(sentryPaths.report, big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
  });

  it('serves a signed desired state with playbooks resolved, and 304 for an unchanged ETag', async () => {
    const pool = (
      await admin.post('/api/v1/templates', {
        name: 'XMR pool',
        kind: 'pool',
        value: 'stratum+ssl://xmr.pool.example:443',
        coin: 'XMR',
      })
    ).body;
    const wallet = (
      await admin.post('/api/v1/templates', {
        name: 'XMR wallet',
        kind: 'wallet',
        value:
          '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
      })
    ).body;
    const created = await admin.post(`/api/v1/rigs/${rigDeviceId}/playbooks`, {
      name: 'CPU',
      software: { name: 'xmrig', version: '6.22.2' },
      script: './xmrig -o $CPU_POOL -u $CPU_WALLET -p $WORKER_NAME --http-port $API_PORT',
      templates: { $CPU_POOL: pool.id, $CPU_WALLET: wallet.id },
    });
    expect(created.status).toBe(201);
    const s = client(run.url, rig.token);
    const hello = (await s.post(sentryPaths.hello, { kind: 'rig', version: '0.1.0' })).body;
    const r = await s.get(sentryPaths.desiredState);
    expect(r.status).toBe(200);
    const env = signedDocumentSchema.parse(r.body);
    expect(verifySignedDocument(env, hello.commanderPublicKey)).toBe(true);
    expect(
      verifySignedDocument(
        { ...env, payload: env.payload.replace('xmr.pool', 'evil.pool') },
        hello.commanderPublicKey,
      ),
    ).toBe(false);
    const doc = JSON.parse(env.payload) as DesiredStateDocument;
    expect(doc.kind).toBe('rig');
    expect(doc.sentryId).toBe(rig.id);
    if (doc.kind !== 'rig') throw new Error('unreachable');
    expect(doc.playbooks).toHaveLength(1);
    expect(doc.playbooks[0]!.values).toEqual({
      CPU_POOL: 'stratum+ssl://xmr.pool.example:443',
      CPU_WALLET: wallet.value,
      API_PORT: '42001',
      WORKER_NAME: 'Rig-01',
    });
    const etag = r.headers.get('etag')!;
    const again = await s.get(sentryPaths.desiredState, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    // Changing a template the playbook uses changes the rig's state.
    await admin.patch(`/api/v1/templates/${pool.id}`, { value: 'stratum+ssl://xmr2.pool.example:443' });
    const changed = await s.get(sentryPaths.desiredState, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    const doc2 = JSON.parse(changed.body.payload) as DesiredStateDocument;
    expect(doc2.revision).toBeGreaterThan(doc.revision);
  });

  it('an ASIC sentry gets its ASIC list with expected power states', async () => {
    // Not connected: the sentry cannot check it, so the commander says so unless told not to check.
    const offline = await admin.post(`/api/v1/sentries/${asic.id}/asics`, {
      type: 'antminer',
      ip: '10.0.0.21',
    });
    expect(offline.status).toBe(409);
    expect(offline.body.error.code).toBe('sentry_offline');
    const added = await admin.post(`/api/v1/sentries/${asic.id}/asics`, {
      type: 'antminer',
      ip: '10.0.0.21',
      name: 'S19 #1',
      check: false,
    });
    expect(added.status).toBe(201);
    expect(
      (
        await admin.post(`/api/v1/sentries/${asic.id}/asics`, {
          type: 'antminer',
          ip: '10.0.0.21',
          check: false,
        })
      ).status,
    ).toBe(409);
    expect(
      (await admin.post(`/api/v1/sentries/${rig.id}/asics`, { type: 'antminer', ip: '10.0.0.22' })).status,
    ).toBe(422);
    expect(
      (await admin.post(`/api/v1/sentries/${asic.id}/asics`, { type: 'antminer', ip: '10.0.0.300' })).status,
    ).toBe(400);
    await admin.patch(`/api/v1/devices/${added.body.id}`, { powerState: 'sleep' });
    const s = client(run.url, asic.token);
    const r = await s.get(sentryPaths.desiredState);
    const doc = JSON.parse(r.body.payload) as DesiredStateDocument;
    if (doc.kind !== 'asic') throw new Error('expected an ASIC document');
    expect(doc.asics).toEqual([
      {
        id: added.body.id,
        name: 'S19 #1',
        type: 'antminer',
        ip: '10.0.0.21',
        port: null,
        powerState: 'sleep',
        powerTargetW: null,
      },
    ]);
  });

  it('an ASIC sentry reports ASICs the commander did not know yet', async () => {
    const s = client(run.url, asic.token);
    const r = await s.post(sentryPaths.report, {
      batches: [
        {
          seq: 1,
          devices: [
            {
              key: '10.0.0.21',
              at: Date.now(),
              status: 'sleeping',
              make: 'Antminer',
              model: 'S19 Pro',
              hashrate: 0,
            },
            {
              key: '10.0.0.40',
              at: Date.now(),
              status: 'mining',
              make: 'Whatsminer',
              model: 'M30S',
              hashrate: 86e12,
              power: 3300,
            },
          ],
        },
      ],
    });
    expect(r.status).toBe(200);
    const list = await admin.get(`/api/v1/devices?sentryId=${asic.id}`);
    expect(list.body.total).toBe(2);
    const found = list.body.items.find((d: any) => d.asic.ip === '10.0.0.40');
    expect(found).toMatchObject({
      kind: 'asic',
      status: 'mining',
      make: 'Whatsminer',
      hashrate: 86e12,
      power: 3300,
    });
    expect(list.body.items.find((d: any) => d.asic.ip === '10.0.0.21')).toMatchObject({
      status: 'sleeping',
      name: 'S19 #1',
    });
  });

  it('pushes desired-state changes at once and delivers commands over the WebSocket', async () => {
    const wsUrl = `${run.url.replace('http', 'ws')}${sentryPaths.push}`;
    const refused = await new Promise<number>((resolve) => {
      const bad = new WebSocket(wsUrl, { headers: { authorization: `Bearer mrm_snt_${'B'.repeat(43)}` } });
      bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      bad.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${rig.token}` } });
    const welcome = await waitForMessage(ws, (m) => m.type === 'welcome');
    expect(welcome.sentryId).toBe(rig.id);
    expect((await admin.get(`/api/v1/sentries/${rig.id}`)).body.connected).toBe(true);

    const changed = waitForMessage(ws, (m) => m.type === 'desired-state-changed');
    const pbs = (await admin.get(`/api/v1/rigs/${rigDeviceId}/playbooks`)).body.items;
    await admin.patch(`/api/v1/rigs/${rigDeviceId}/playbooks/${pbs[0].id}`, { enabled: false });
    const msg = await changed;
    expect(msg.revision).toBeGreaterThan(welcome.revision);

    const cmdMsg = waitForMessage(ws, (m) => m.type === 'command');
    const sent = await admin.post(`/api/v1/sentries/${rig.id}/commands`, {
      command: 'fetch-logs',
      args: { lines: 50 },
    });
    expect(sent.status).toBe(202);
    const cmd = await cmdMsg;
    expect(cmd).toMatchObject({ id: sent.body.id, command: 'fetch-logs', args: { lines: 50 } });
    ws.send(JSON.stringify({ type: 'command-result', id: cmd.id, ok: true, output: 'last lines' }));
    await expect
      .poll(async () => (await admin.get(`/api/v1/sentries/${rig.id}/commands`)).body.items[0], {
        timeout: 5000,
      })
      .toMatchObject({ id: cmd.id, status: 'succeeded', output: 'last lines' });
    ws.close();
    await expect
      .poll(async () => (await admin.get(`/api/v1/sentries/${rig.id}`)).body.connected, { timeout: 5000 })
      .toBe(false);
    const offline = await admin.post(`/api/v1/sentries/${rig.id}/commands`, { command: 'reboot' });
    expect(offline.status).toBe(409);
  });

  it('rotate replaces the token at once; revoke refuses the sentry with a clear 403', async () => {
    const rotated = await admin.post(`/api/v1/sentries/${rig.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(rig.token);
    expect(
      (await client(run.url, rig.token).post(sentryPaths.hello, { kind: 'rig', version: '1' })).status,
    ).toBe(401);
    const fresh = client(run.url, rotated.body.token);
    expect((await fresh.post(sentryPaths.hello, { kind: 'rig', version: '1' })).status).toBe(200);
    expect((await admin.post(`/api/v1/sentries/${rig.id}/revoke`)).status).toBe(200);
    const refused = await fresh.post(sentryPaths.hello, { kind: 'rig', version: '1' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'token_revoked' });
    expect((await fresh.get(sentryPaths.desiredState)).status).toBe(403);
    expect((await admin.get(`/api/v1/sentries/${rig.id}`)).body.status).toBe('revoked');
    const audit = await admin.get(`/api/v1/audit?entityType=sentry&entityId=${rig.id}`);
    expect(audit.body.items.map((e: any) => e.action)).toEqual(
      expect.arrayContaining([
        'sentry.created',
        'sentry.token_rotated',
        'sentry.revoked',
        'sentry.command.fetch-logs',
      ]),
    );
    expect(JSON.stringify(audit.body)).not.toMatch(/token_hash|mrm_snt_[A-Za-z0-9_-]{43}/);
  });
});
