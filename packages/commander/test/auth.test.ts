import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThrottleLimits } from '../src/index.js';
import {
  ADMIN_PASSWORD,
  adminClient,
  client,
  databases,
  loginAs,
  type Running,
  startCommander,
} from './helpers.js';

describe.each(databases)('users, sessions and tokens on %s', (db) => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;

  beforeAll(async () => {
    run = await startCommander(db);
    admin = await adminClient(run.url);
  });
  afterAll(() => run?.stop());

  it('creates admin from MRM_ADMIN_PASSWORD and refuses a second setup', async () => {
    expect((await client(run.url).get('/api/v1/setup')).body).toEqual({ needed: false });
    const again = await client(run.url).post('/api/v1/setup', {
      username: 'mallory',
      password: 'password-123',
    });
    expect(again.status).toBe(409);
    const me = await admin.get('/api/v1/auth/me');
    expect(me.body).toMatchObject({ username: 'admin', role: 'admin', disabled: false });
  });

  it('login returns a bearer token and sets an httpOnly, SameSite=Strict cookie that works with the CSRF header', async () => {
    const res = await fetch(`${run.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/mrm_session=mrm_ses_/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = cookie.split(';')[0]!;
    const viaCookie = client(run.url);
    expect((await viaCookie.get('/api/v1/auth/me', { cookie: session })).status).toBe(200);
    const noCsrf = await viaCookie.post(
      '/api/v1/templates',
      { name: 'p', kind: 'pool', value: 'stratum+tcp://a.b:1' },
      { cookie: session },
    );
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.message).toMatch(/x-requested-with/);
    const withCsrf = await viaCookie.post(
      '/api/v1/templates',
      { name: 'cookie pool', kind: 'pool', value: 'stratum+tcp://a.b:1' },
      { cookie: session, 'x-requested-with': 'fetch' },
    );
    expect(withCsrf.status).toBe(201);
    const out = await viaCookie.post(
      '/api/v1/auth/logout',
      {},
      { cookie: session, 'x-requested-with': 'fetch' },
    );
    expect(out.status).toBe(200);
    expect((await viaCookie.get('/api/v1/auth/me', { cookie: session })).status).toBe(401);
  });

  it('wrong password and unknown user get the same 401 message', async () => {
    const a = await client(run.url).post('/api/v1/auth/login', { username: 'admin', password: 'nope-nope' });
    const b = await client(run.url).post('/api/v1/auth/login', { username: 'ghost', password: 'nope-nope' });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body).toEqual(b.body);
  });

  it('throttles failed logins per user, even for the right password, with Retry-After', async () => {
    await admin.post('/api/v1/users', { username: 'target', password: 'target-password', role: 'viewer' });
    for (let i = 0; i < loginThrottleLimits.maxFailuresPerUser; i++) {
      expect(
        (await client(run.url).post('/api/v1/auth/login', { username: 'target', password: `wrong-${i}` }))
          .status,
      ).toBe(401);
    }
    const blocked = await client(run.url).post('/api/v1/auth/login', {
      username: 'target',
      password: 'target-password',
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other users are not locked out by someone guessing at "target" (below the per-address cap).
    expect(
      (await client(run.url).post('/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD }))
        .status,
    ).toBe(200);
  });

  it('stores passwords and tokens hashed, never in clear', async () => {
    const tok = await admin.post('/api/v1/tokens', { name: 'ci' });
    const users = await run.commander.ctx.store.db.selectFrom('users').selectAll().execute();
    for (const u of users) expect(u.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(JSON.stringify(users)).not.toContain(ADMIN_PASSWORD);
    const sessions = await run.commander.ctx.store.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(sessions)).not.toContain(tok.body.token);
    expect(sessions.every((s) => /^[0-9a-f]{64}$/.test(s.token_hash))).toBe(true);
  });

  it('API tokens act with their role, are listed without the secret, and stop working when revoked', async () => {
    const created = await admin.post('/api/v1/tokens', {
      name: 'grafana',
      role: 'viewer',
      expiresInDays: 30,
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^mrm_api_/);
    const bot = client(run.url, created.body.token);
    expect((await bot.get('/api/v1/devices')).status).toBe(200);
    const denied = await bot.post('/api/v1/templates', {
      name: 'x',
      kind: 'pool',
      value: 'stratum+tcp://a.b:1',
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/operator/);
    expect((await bot.post('/api/v1/tokens', { name: 'child' })).status).toBe(403);
    const list = await admin.get('/api/v1/tokens');
    expect(list.body.items.find((t: any) => t.id === created.body.id)).toMatchObject({
      name: 'grafana',
      role: 'viewer',
    });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await admin.del(`/api/v1/tokens/${created.body.id}`)).status).toBe(200);
    expect((await bot.get('/api/v1/devices')).status).toBe(401);
  });

  it('a viewer cannot make an admin token; a token never exceeds its owner', async () => {
    await admin.post('/api/v1/users', { username: 'vera', password: 'vera-password', role: 'viewer' });
    const vera = client(run.url, await loginAs(run.url, 'vera', 'vera-password'));
    const r = await vera.post('/api/v1/tokens', { name: 'escalate', role: 'admin' });
    expect(r.status).toBe(403);
  });

  it('admin manages users: duplicate, bad input, role change, disable ends sessions, no self-demotion', async () => {
    expect(
      (await admin.post('/api/v1/users', { username: 'Admin', password: 'password-123', role: 'viewer' }))
        .status,
    ).toBe(409);
    const short = await admin.post('/api/v1/users', {
      username: 'shorty',
      password: 'short',
      role: 'viewer',
    });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/password.*at least 8/);
    const badRole = await admin.post('/api/v1/users', {
      username: 'x',
      password: 'password-123',
      role: 'root',
    });
    expect(badRole.status).toBe(400);
    const op = await admin.post('/api/v1/users', {
      username: 'olga',
      password: 'olga-password',
      role: 'operator',
    });
    expect(op.status).toBe(201);
    const olga = client(run.url, await loginAs(run.url, 'olga', 'olga-password'));
    expect((await olga.get('/api/v1/users')).status).toBe(403);
    expect((await admin.patch(`/api/v1/users/${op.body.id}`, { role: 'viewer' })).body.role).toBe('viewer');
    const demoted = await olga.post('/api/v1/templates', {
      name: 'y',
      kind: 'pool',
      value: 'stratum+tcp://a.b:1',
    });
    expect(demoted.status).toBe(403);
    await admin.patch(`/api/v1/users/${op.body.id}`, { disabled: true });
    expect((await olga.get('/api/v1/auth/me')).status).toBe(401);
    expect(
      (await client(run.url).post('/api/v1/auth/login', { username: 'olga', password: 'olga-password' }))
        .status,
    ).toBe(401);
    const me = (await admin.get('/api/v1/auth/me')).body;
    expect((await admin.patch(`/api/v1/users/${me.id}`, { role: 'viewer' })).status).toBe(422);
    expect((await admin.del(`/api/v1/users/${me.id}`)).status).toBe(422);
    expect((await admin.del(`/api/v1/users/${op.body.id}`)).status).toBe(200);
    const audit = await admin.get('/api/v1/audit?entityType=user');
    expect(audit.body.items.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['user.created', 'user.updated', 'user.deleted']),
    );
    expect(JSON.stringify(audit.body)).not.toContain('password_hash');
  });

  it('change password needs the current one and ends other sessions', async () => {
    await admin.post('/api/v1/users', { username: 'pat', password: 'pat-password-1', role: 'viewer' });
    const s1 = client(run.url, await loginAs(run.url, 'pat', 'pat-password-1'));
    const s2 = client(run.url, await loginAs(run.url, 'pat', 'pat-password-1'));
    expect(
      (await s1.post('/api/v1/auth/password', { currentPassword: 'wrong', newPassword: 'pat-password-2' }))
        .status,
    ).toBe(422);
    expect(
      (
        await s1.post('/api/v1/auth/password', {
          currentPassword: 'pat-password-1',
          newPassword: 'pat-password-2',
        })
      ).status,
    ).toBe(200);
    expect((await s1.get('/api/v1/auth/me')).status).toBe(200);
    expect((await s2.get('/api/v1/auth/me')).status).toBe(401);
    expect(await loginAs(run.url, 'pat', 'pat-password-2')).toMatch(/^mrm_ses_/);
  });

  it('malformed auth headers and tokens are a clear 401, not a 500', async () => {
    for (const h of [
      'Basic abc',
      'Bearer',
      'Bearer mrm_ses_short',
      `Bearer mrm_ses_${'x'.repeat(43)}`,
      'Bearer a b c',
    ]) {
      const r = await client(run.url).get('/api/v1/devices', { authorization: h });
      expect(r.status, h).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
    }
  });
});

describe('first-run setup', () => {
  it('creates the first admin when no user exists, then refuses', async () => {
    const run = await startCommander('sqlite', { adminPassword: undefined });
    try {
      const anon = client(run.url);
      expect((await anon.get('/api/v1/setup')).body).toEqual({ needed: true });
      expect((await anon.post('/api/v1/setup', { username: 'boss', password: 'short' })).status).toBe(400);
      const r = await anon.post('/api/v1/setup', { username: 'boss', password: 'boss-password' });
      expect(r.status).toBe(201);
      expect(r.body.user).toMatchObject({ username: 'boss', role: 'admin' });
      expect((await client(run.url, r.body.token).get('/api/v1/users')).status).toBe(200);
      expect(
        (await anon.post('/api/v1/setup', { username: 'second', password: 'second-password' })).status,
      ).toBe(409);
    } finally {
      await run.stop();
    }
  });
});
