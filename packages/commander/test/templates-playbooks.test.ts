import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, client, databases, type Running, startCommander } from './helpers.js';

const WALLET =
  '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';

describe.each(databases)('templates and playbooks on %s', (db) => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let rigId: string;
  let pool: any;
  let wallet: any;

  const count = async (table: 'templates' | 'playbooks') =>
    Number(
      (
        await run.commander.ctx.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    run = await startCommander(db);
    admin = await adminClient(run.url);
    const s = await admin.post('/api/v1/sentries', { name: 'gpu-rig-7', kind: 'rig' });
    rigId = s.body.id; // a rig sentry's rig has the sentry's id
    pool = (
      await admin.post('/api/v1/templates', {
        name: 'ETC pool',
        kind: 'pool',
        value: 'stratum+tcp://etc.pool.example:1010',
        coin: 'ETC',
        algorithm: 'etchash',
      })
    ).body;
    wallet = (
      await admin.post('/api/v1/templates', { name: 'XMR', kind: 'wallet', value: WALLET, coin: 'XMR' })
    ).body;
  });
  afterAll(() => run?.stop());

  it('accepts the pool schemes miners use, with coin and algorithm labels', async () => {
    expect(pool).toMatchObject({ kind: 'pool', coin: 'ETC', algorithm: 'etchash', usedBy: [] });
    for (const value of [
      'stratum+ssl://pool.example:443',
      'stratum2+tcp://v2.pool.example:3336',
      'stratum+tcp://[2001:db8::1]:3333',
      'stratum+tcp://10.0.0.5:3333',
    ]) {
      const r = await admin.post('/api/v1/templates', { name: `p ${value}`, kind: 'pool', value });
      expect(r.status, value).toBe(201);
    }
  });

  it('refuses bad templates with a clear 4xx and stores nothing', async () => {
    const before = await count('templates');
    const cases: [unknown, number, RegExp][] = [
      [{ name: 'a', kind: 'pool', value: 'http://pool.example:80' }, 400, /scheme "http" is not supported/],
      [{ name: 'a', kind: 'pool', value: 'pool.example:3333' }, 400, /must start with a scheme/],
      [{ name: 'a', kind: 'pool', value: 'stratum+tcp://pool.example' }, 400, /host:port/],
      [{ name: 'a', kind: 'pool', value: 'stratum+tcp://pool.example:99999' }, 400, /port/],
      [{ name: 'a', kind: 'pool', value: 'stratum+tcp://pool .example:3333' }, 400, /whitespace/],
      [{ name: 'a', kind: 'wallet', value: 'abc;reboot' }, 400, /may contain only/],
      [{ name: 'a', kind: 'wallet', value: 'abc$(reboot)' }, 400, /may contain only/],
      [{ name: 'a', kind: 'wallet', value: 'abc\u0000def' }, 400, /control characters/],
      [{ name: 'a', kind: 'wallet', value: 'x'.repeat(257) }, 400, /at most 256/],
      [{ name: '', kind: 'wallet', value: 'abc' }, 400, /name/],
      [{ name: 'n\u0007', kind: 'wallet', value: 'abc' }, 400, /control characters/],
      [{ name: 'a', kind: 'password', value: 'abc' }, 400, /kind/],
      [{ name: 'a', kind: 'wallet', value: 'abc', coin: 'X M R' }, 400, /coin/],
      [{ name: 'a', kind: 'wallet', value: 'abc', owner: 'me' }, 400, /owner|unrecognized/i],
      [{ name: 'ETC pool', kind: 'pool', value: 'stratum+tcp://other.example:1' }, 409, /already exists/],
      ['not json', 400, /not valid JSON/],
      [[1, 2], 400, /expected object/i],
    ];
    for (const [body, status, message] of cases) {
      const r = await admin.post('/api/v1/templates', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    const patched = await admin.patch(`/api/v1/templates/${pool.id}`, { value: 'ftp://x:1' });
    expect(patched.status).toBe(400);
    expect(await count('templates')).toBe(before);
    expect((await admin.get(`/api/v1/templates/${pool.id}`)).body.value).toBe(pool.value);
  });

  it('rejects a body over 1 MiB with 413 and a non-JSON content type with 415', async () => {
    const big = await admin.post('/api/v1/templates', {
      name: 'big',
      kind: 'wallet',
      value: 'x'.repeat(1024 * 1024 + 10),
    });
    expect(big.status).toBe(413);
    const form = await admin.call('POST', '/api/v1/templates', 'name=a', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(form.body.error).toBeDefined();
  });

  it('lists the mining software catalogue with default scripts bound to loopback', async () => {
    const r = await admin.get('/api/v1/software');
    const names = r.body.items.map((s: any) => s.name);
    for (const n of [
      'xmrig',
      'lolminer',
      'bzminer',
      't-rex',
      'gminer',
      'nbminer',
      'teamredminer',
      'srbminer-multi',
      'rigel',
      'onezerominer',
      'miniz',
      'cpuminer-opt',
    ]) {
      expect(names).toContain(n);
    }
    for (const s of r.body.items) {
      expect(s.defaultScript, s.name).toContain('$API_PORT');
      if (s.apiBindsLoopback) expect(s.defaultScript, s.name).toContain('127.0.0.1');
    }
  });

  it('creates playbooks with distinct API ports, lists, updates and deletes them, all audited', async () => {
    const cpu = await admin.post(`/api/v1/rigs/${rigId}/playbooks`, {
      name: 'CPU xmrig',
      software: { name: 'xmrig', version: '6.22.2' },
      script: './xmrig -o $CPU_POOL -u $CPU_WALLET --rig-id ${WORKER_NAME} --http-port $API_PORT',
      templates: { $CPU_POOL: pool.id, $CPU_WALLET: wallet.id },
    });
    expect(cpu.status).toBe(201);
    const gpu = await admin.post(`/api/v1/rigs/${rigId}/playbooks`, {
      name: 'GPU lolminer',
      software: { name: 'lolminer', version: '1.92' },
      script: './lolMiner --pool $GPU_POOL_1 --user $GPU_WALLET_1 --apiport $API_PORT',
      templates: { GPU_POOL_1: pool.id, GPU_WALLET_1: wallet.id },
      workerName: 'rig7-gpu',
    });
    expect(gpu.status).toBe(201);
    expect(cpu.body.apiPort).not.toBe(gpu.body.apiPort);
    const list = await admin.get(`/api/v1/rigs/${rigId}/playbooks`);
    expect(list.body.items.map((p: any) => p.name)).toEqual(['CPU xmrig', 'GPU lolminer']);
    const used = (await admin.get(`/api/v1/templates/${pool.id}`)).body.usedBy;
    expect(used.map((u: any) => u.playbookName).sort()).toEqual(['CPU xmrig', 'GPU lolminer']);
    const inUse = await admin.del(`/api/v1/templates/${pool.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toMatch(/used by 2 playbook/);

    const upd = await admin.patch(`/api/v1/rigs/${rigId}/playbooks/${gpu.body.id}`, {
      software: { name: 'lolminer', version: '1.91' },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.software.version).toBe('1.91');
    expect((await admin.del(`/api/v1/rigs/${rigId}/playbooks/${gpu.body.id}`)).status).toBe(200);
    expect((await admin.get(`/api/v1/rigs/${rigId}/playbooks/${gpu.body.id}`)).status).toBe(404);
    const audit = await admin.get('/api/v1/audit?sensitive=true&entityType=playbook');
    expect(audit.body.items.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['playbook.created', 'playbook.updated', 'playbook.deleted']),
    );
    expect(audit.body.items.every((e: any) => e.sensitive && e.actor === 'admin')).toBe(true);
  });

  it('refuses bad playbooks with a clear 4xx and stores nothing', async () => {
    const before = await count('playbooks');
    const base = {
      name: 'bad',
      software: { name: 'xmrig', version: '6.22.2' },
      script: './xmrig -o $CPU_POOL -u $CPU_WALLET',
      templates: { $CPU_POOL: pool.id, $CPU_WALLET: wallet.id },
    };
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: [unknown, number, RegExp][] = [
      [
        { ...base, software: { name: 'evilminer', version: '1' } },
        422,
        /unknown mining software "evilminer"/,
      ],
      [{ ...base, software: { name: 'xmrig', version: '0.0.1' } }, 422, /no version "0.0.1"/],
      [{ ...base, software: { name: 'xmrig; rm', version: '1' } }, 400, /software.name/],
      [{ ...base, templates: { $CPU_POOL: pool.id } }, 422, /uses \$CPU_WALLET; choose a template/],
      [
        { ...base, templates: { $CPU_POOL: wallet.id, $CPU_WALLET: wallet.id } },
        422,
        /is a wallet template; \$CPU_POOL needs a pool/,
      ],
      [{ ...base, templates: { $CPU_POOL: missing, $CPU_WALLET: wallet.id } }, 422, /no template with id/],
      [{ ...base, templates: { ...base.templates, $GPU_POOL_1: pool.id } }, 422, /does not use \$GPU_POOL_1/],
      [{ ...base, templates: { ...base.templates, $EVIL: pool.id } }, 400, /EVIL|unrecognized/i],
      [{ ...base, templates: { $CPU_POOL: 'not-a-uuid', $CPU_WALLET: wallet.id } }, 400, /CPU_POOL/],
      [{ ...base, script: '' }, 400, /script/],
      [{ ...base, script: 'x'.repeat(64 * 1024 + 1) }, 400, /at most 65536 bytes/],
      [{ ...base, script: './xmrig \u001b[31m' }, 400, /control characters/],
      [{ ...base, workerName: 'rig 7; reboot' }, 400, /workerName/],
      [{ ...base, enabled: 'yes' }, 400, /enabled/],
      [{ ...base, name: 'CPU xmrig' }, 409, /already has a playbook/],
    ];
    for (const [body, status, message] of cases) {
      const r = await admin.post(`/api/v1/rigs/${rigId}/playbooks`, body);
      expect(r.status, JSON.stringify(body).slice(0, 200)).toBe(status);
      expect(r.body.error.message, JSON.stringify(body).slice(0, 200)).toMatch(message);
    }
    expect((await admin.post(`/api/v1/rigs/${missing}/playbooks`, base)).status).toBe(404);
    expect((await admin.post('/api/v1/rigs/not-a-uuid/playbooks', base)).status).toBe(400);
    expect(await count('playbooks')).toBe(before);
  });

  it('caps playbooks per rig', async () => {
    const s = await admin.post('/api/v1/sentries', { name: 'busy rig', kind: 'rig' });
    const busy = (await admin.get(`/api/v1/sentries/${s.body.id}`)).body.rigId;
    const body = (i: number) => ({
      name: `p${i}`,
      software: { name: 'xmrig', version: '6.22.2' },
      script: './xmrig --http-port $API_PORT',
    });
    for (let i = 0; i < 16; i++)
      expect((await admin.post(`/api/v1/rigs/${busy}/playbooks`, body(i))).status).toBe(201);
    const over = await admin.post(`/api/v1/rigs/${busy}/playbooks`, body(99));
    expect(over.status).toBe(422);
    expect(over.body.error.message).toMatch(/at most 16 playbooks/);
  });
});

describe('playbook GPU power limits', () => {
  it('stores a per-playbook GPU power limit, sends it to the rig, and refuses silly values', async () => {
    const run = await startCommander('sqlite');
    try {
      const admin = await adminClient(run.url);
      const rig = (await admin.post('/api/v1/sentries', { name: 'pl rig', kind: 'rig' })).body;
      const body = {
        name: 'g',
        software: { name: 'lolminer', version: '1.92' },
        script: './lolMiner --apiport $API_PORT',
      };
      for (const bad of [5, 5000, 12.5, '200']) {
        const r = await admin.post(`/api/v1/rigs/${rig.id}/playbooks`, { ...body, gpuPowerLimitW: bad });
        expect(r.status, String(bad)).toBe(400);
        expect(r.body.error.message).toMatch(/gpuPowerLimitW/);
      }
      const ok = await admin.post(`/api/v1/rigs/${rig.id}/playbooks`, { ...body, gpuPowerLimitW: 180 });
      expect(ok.body.gpuPowerLimitW).toBe(180);
      const doc = JSON.parse(
        (await client(run.url, rig.token).get('/api/sentry/v1/desired-state')).body.payload,
      );
      expect(doc.playbooks[0].gpuPowerLimitW).toBe(180);
      const cleared = await admin.patch(`/api/v1/rigs/${rig.id}/playbooks/${ok.body.id}`, {
        gpuPowerLimitW: null,
      });
      expect(cleared.body.gpuPowerLimitW).toBeNull();
    } finally {
      await run.stop();
    }
  });
});
