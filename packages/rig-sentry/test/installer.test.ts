import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DesiredPlaybook } from '@mrm/protocol';
import { httpRequest } from '@mrm/sentry-core';
import { zipSync } from 'fflate';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fetcher, InstallError, Installer } from '../src/installer.js';

const get: Fetcher = (url) => httpRequest(url, { timeoutMs: 10_000 });

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('installing mining software', () => {
  let server: Server;
  let base: string;
  const files = new Map<string, Buffer>();
  let tgz: Buffer;
  let zip: Buffer;
  let evilZip: Buffer;

  beforeAll(async () => {
    const src = mkdtempSync(join(tmpdir(), 'mrm-arch-'));
    mkdirSync(join(src, 'xmrig-6.22.2'));
    writeFileSync(join(src, 'xmrig-6.22.2', 'xmrig'), '#!/bin/sh\necho fake\n', { mode: 0o755 });
    writeFileSync(join(src, 'xmrig-6.22.2', 'config.json'), '{}');
    const tgzPath = join(src, 'x.tar.gz');
    await create({ gzip: true, file: tgzPath, cwd: src }, ['xmrig-6.22.2']);
    tgz = readFileSync(tgzPath);
    zip = Buffer.from(
      zipSync({
        lolMiner: new TextEncoder().encode('#!/bin/sh\necho lol\n'),
        'readme.txt': new TextEncoder().encode('hi'),
      }),
    );
    evilZip = Buffer.from(zipSync({ '../../escape': new TextEncoder().encode('x') }));
    files.set('/x.tar.gz', tgz);
    files.set('/l.zip', zip);
    files.set('/evil.zip', evilZip);
    server = createServer((req, res) => {
      if (req.url === '/stall.tar.gz') {
        // Headers and a first chunk, then nothing: a download that hangs.
        res.writeHead(200, { 'content-length': 1000 }).write(Buffer.alloc(10));
        return;
      }
      const body = files.get(req.url ?? '');
      if (!body) return res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  const playbook = (
    name: string,
    executable: string,
    url: string,
    sha256: string | null,
  ): DesiredPlaybook => ({
    id: '00000000-0000-4000-8000-000000000001',
    name,
    software: {
      name,
      version: '1.0',
      executable,
      adapter: 'none',
      archives: { 'linux-x64': { url, sha256 } },
    },
    script: './x',
    values: {},
    apiPort: 42001,
    gpuPowerLimitW: null,
  });

  it('downloads, verifies, unpacks a tar.gz with a top-level folder and caches it', async () => {
    const logs: string[] = [];
    const inst = new Installer(mkdtempSync(join(tmpdir(), 'mrm-inst-')), 'linux-x64', get, (m) =>
      logs.push(m),
    );
    const p = playbook('xmrig', 'xmrig', `${base}/x.tar.gz`, sha(tgz));
    const got = await inst.ensure(p);
    expect(got.executablePath).toMatch(/xmrig-6\.22\.2\/xmrig$/);
    expect(statSync(got.executablePath).mode & 0o111).not.toBe(0);
    expect(existsSync(join(dirname(got.executablePath), 'config.json'))).toBe(true);
    expect(logs.some((l) => /downloading xmrig 1\.0: 100%/.test(l))).toBe(true);
    files.delete('/x.tar.gz'); // cached: no second download
    expect((await inst.ensure(p)).executablePath).toBe(got.executablePath);
    files.set('/x.tar.gz', tgz);
  });

  it('unpacks a zip whose program sits at the top, and marks it executable', async () => {
    const inst = new Installer(mkdtempSync(join(tmpdir(), 'mrm-inst-')), 'linux-x64', get, () => {});
    const got = await inst.ensure(playbook('lolminer', 'lolMiner', `${base}/l.zip`, sha(zip)));
    expect(readFileSync(got.executablePath, 'utf8')).toContain('echo lol');
    expect(statSync(got.executablePath).mode & 0o111).not.toBe(0);
  });

  it('gives up on a download that stalls, so later playbook changes are not held up', async () => {
    const inst = new Installer(mkdtempSync(join(tmpdir(), 'mrm-inst-')), 'linux-x64', get, () => {}, 300);
    await expect(inst.ensure(playbook('xmrig', 'xmrig', `${base}/stall.tar.gz`, sha(tgz)))).rejects.toThrow(
      /took longer than 0.3 s/,
    );
  });

  it('refuses a checksum mismatch and installs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mrm-inst-'));
    const inst = new Installer(dir, 'linux-x64', get, () => {});
    const err = await inst
      .ensure(playbook('xmrig', 'xmrig', `${base}/x.tar.gz`, 'a'.repeat(64)))
      .catch((e) => e);
    expect(err).toBeInstanceOf(InstallError);
    expect(err.message).toMatch(/checksum mismatch.*refusing it and keeping the current version/);
    expect(existsSync(join(dir, 'software', 'xmrig'))).toBe(false);
  });

  it('refuses an archive without a pinned sha256, a missing platform, a 404, and zip-slip entries', async () => {
    const inst = new Installer(mkdtempSync(join(tmpdir(), 'mrm-inst-')), 'linux-x64', get, () => {});
    await expect(inst.ensure(playbook('xmrig', 'xmrig', `${base}/x.tar.gz`, null))).rejects.toThrow(
      /no pinned sha256/,
    );
    const winOnly = playbook('xmrig', 'xmrig', `${base}/x.tar.gz`, sha(tgz));
    winOnly.software.archives = { 'win-x64': { url: `${base}/x.tar.gz`, sha256: sha(tgz) } };
    await expect(inst.ensure(winOnly)).rejects.toThrow(/no archive for linux-x64/);
    await expect(inst.ensure(playbook('xmrig', 'xmrig', `${base}/missing.tar.gz`, sha(tgz)))).rejects.toThrow(
      /HTTP 404/,
    );
    await expect(inst.ensure(playbook('evil', 'escape', `${base}/evil.zip`, sha(evilZip)))).rejects.toThrow(
      /escapes the install folder/,
    );
    await expect(inst.ensure(playbook('xmrig', 'nothere', `${base}/x.tar.gz`, sha(tgz)))).rejects.toThrow(
      /no "nothere" inside the archive/,
    );
  });
});
