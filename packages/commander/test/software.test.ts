import { createHash } from 'node:crypto';
import { sentryPaths } from '@mrm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  type adminClient,
  client,
  loginAs,
  type Running,
  startCommander,
} from './helpers.js';

describe('mining software: catalogue, custom entries, hosted archives, rig install', () => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let token: string;

  beforeAll(async () => {
    run = await startCommander('sqlite');
    token = await loginAs(run.url, 'admin', ADMIN_PASSWORD);
    admin = client(run.url, token);
  });
  afterAll(() => run?.stop());

  const upload = (body: Uint8Array, type = 'application/octet-stream') =>
    fetch(`${run.url}/api/v1/software/archives`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });

  it('hosts an archive by sha256 and serves it to sentries only', async () => {
    const bytes = new TextEncoder().encode('not really a tarball, but bytes are bytes');
    const res = await upload(bytes);
    expect(res.status).toBe(201);
    const hosted = (await res.json()) as { sha256: string; size: number; url: string };
    expect(hosted.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(hosted.url).toBe(`${run.url}/api/sentry/v1/archives/${hosted.sha256}`);
    expect((await fetch(hosted.url)).status).toBe(401);
    const rig = (await admin.post('/api/v1/sentries', { name: 'r', kind: 'rig' })).body;
    const got = await fetch(hosted.url, { headers: { authorization: `Bearer ${rig.token}` } });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    const missing = await fetch(`${run.url}/api/sentry/v1/archives/${'0'.repeat(64)}`, {
      headers: { authorization: `Bearer ${rig.token}` },
    });
    expect(missing.status).toBe(404);
    expect((await upload(new Uint8Array())).status).toBe(400);
    expect((await upload(bytes, 'text/plain')).status).toBe(415);
  });

  it('adds custom software with a pinned sha256 that playbooks can use and rigs receive', async () => {
    const bad: [object, number, RegExp][] = [
      [
        {
          name: 'x',
          version: '1',
          platform: 'linux-x64',
          url: 'ftp://a/b',
          sha256: 'a'.repeat(64),
          executable: 'x',
          adapter: 'none',
        },
        400,
        /http/,
      ],
      [
        {
          name: 'x',
          version: '1',
          platform: 'linux-x64',
          url: 'http://a/b',
          sha256: 'abc',
          executable: 'x',
          adapter: 'none',
        },
        400,
        /64 hex/,
      ],
      [
        {
          name: 'x',
          version: '1',
          platform: 'linux-x64',
          url: 'http://a/b',
          sha256: 'a'.repeat(64),
          executable: '../x',
          adapter: 'none',
        },
        400,
        /executable/,
      ],
      [
        {
          name: 'x',
          version: '1',
          platform: 'macos',
          url: 'http://a/b',
          sha256: 'a'.repeat(64),
          executable: 'x',
          adapter: 'none',
        },
        400,
        /platform/,
      ],
      [
        {
          name: 'x',
          version: '1',
          platform: 'linux-x64',
          url: 'http://a/b',
          sha256: 'a'.repeat(64),
          executable: 'x',
          adapter: 'magic',
        },
        422,
        /unknown stats adapter/,
      ],
    ];
    for (const [body, status, message] of bad) {
      const r = await admin.post('/api/v1/software', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.error.message).toMatch(message);
    }
    const sha = 'AB'.repeat(32);
    const ok = await admin.post('/api/v1/software', {
      name: 'mysha-miner',
      version: '2.0',
      platform: 'linux-x64',
      url: 'http://files.lan/m.tar.gz',
      sha256: sha,
      executable: 'bin/mminer',
      adapter: 'xmrig',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.sha256).toBe(sha.toLowerCase());
    const dup = await admin.post('/api/v1/software', {
      name: 'mysha-miner',
      version: '2.0',
      platform: 'linux-x64',
      url: 'http://x/y',
      sha256: sha,
      executable: 'm',
      adapter: 'none',
    });
    expect(dup.status).toBe(409);
    const listed = (await admin.get('/api/v1/software')).body;
    expect(listed.custom.map((c: { name: string }) => c.name)).toContain('mysha-miner');
    expect(listed.items.find((i: { name: string }) => i.name === 'xmrig').archiveUrls['linux-x64']).toContain(
      '{V}',
    );

    const rig = (await admin.post('/api/v1/sentries', { name: 'custom rig', kind: 'rig' })).body;
    const pb = await admin.post(`/api/v1/rigs/${rig.id}/playbooks`, {
      name: 'm',
      software: { name: 'mysha-miner', version: '2.0' },
      script: './mminer --port $API_PORT',
    });
    expect(pb.status).toBe(201);
    expect(
      (
        await admin.post(`/api/v1/rigs/${rig.id}/playbooks`, {
          name: 'n',
          software: { name: 'mysha-miner', version: '9' },
          script: './m',
        })
      ).body.error.message,
    ).toMatch(/known: 2.0/);
    const doc = JSON.parse((await client(run.url, rig.token).get(sentryPaths.desiredState)).body.payload);
    expect(doc.playbooks[0].software).toEqual({
      name: 'mysha-miner',
      version: '2.0',
      executable: 'bin/mminer',
      adapter: 'xmrig',
      archives: { 'linux-x64': { url: 'http://files.lan/m.tar.gz', sha256: sha.toLowerCase() } },
    });
    // A catalogue program: upstream URLs, no sha256 until pinned.
    await admin.post(`/api/v1/rigs/${rig.id}/playbooks`, {
      name: 'x',
      software: { name: 'xmrig', version: '6.22.2' },
      script: './xmrig --http-port $API_PORT',
    });
    const doc2 = JSON.parse((await client(run.url, rig.token).get(sentryPaths.desiredState)).body.payload);
    const xmrig = doc2.playbooks.find((p: { name: string }) => p.name === 'x');
    expect(xmrig.software.archives['linux-x64']).toEqual({
      url: 'https://github.com/xmrig/xmrig/releases/download/v6.22.2/xmrig-6.22.2-linux-static-x64.tar.gz',
      sha256: null,
    });
    const audit = await admin.get('/api/v1/audit?entityType=software&sensitive=true');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('software.added');
  });

  it('serves the rig install script with the commander URL and a safe one-line command', async () => {
    const rig = (await admin.post('/api/v1/sentries', { name: 'new rig', kind: 'rig' })).body;
    expect(rig.installCommand).toBe(
      `curl -fsSL '${run.url}/install/rig-sentry.sh' | sudo sh -s -- --token '${rig.token}'`,
    );
    const asic = (await admin.post('/api/v1/sentries', { name: 'lan', kind: 'asic' })).body;
    expect(asic.installCommand).toBe(
      `curl -fsSL '${run.url}/install/asic-sentry.sh' | sudo sh -s -- --token '${asic.token}'`,
    );
    const asicScript = await (await fetch(`${run.url}/install/asic-sentry.sh`)).text();
    expect(asicScript).toContain('systemctl enable --now mrm-asic-sentry.service');
    expect(asicScript).toContain('/download/mrm-asic-sentry.cjs');
    expect(asicScript).not.toMatch(/rig-sentry|KillMode/);
    const script = await fetch(`${run.url}/install/rig-sentry.sh`);
    expect(script.status).toBe(200);
    const text = await script.text();
    expect(text).toContain(`COMMANDER_URL='${run.url}'`);
    expect(text).toContain('systemctl enable --now mrm-rig-sentry.service');
    expect(text).toMatch(/enroll --url "\$COMMANDER_URL" --token "\$TOKEN"/);
  });
});
