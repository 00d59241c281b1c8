import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sentryPaths } from '@mrm/protocol';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, adminClient, client } from './helpers.js';

const root = new URL('../../../', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The real entry point in its own process, as `npm start` runs it (from source, via tsx). */
function startProcess(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join(root, 'packages/commander/src/main.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d) => {
    out += d.toString();
  });
  const waitFor = (pattern: RegExp, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const tick = () => {
        if (pattern.test(out)) return resolve();
        if (Date.now() - started > ms)
          return reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, waitFor, exited, output: () => out };
}

describe('process lifecycle', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('refuses to start on bad configuration with a clear message and exit code 2', async () => {
    const p = startProcess({ PORT: 'eighty' });
    children.push(p.child);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/invalid configuration: port/);
  });

  it('finishes an in-flight report on SIGTERM, then exits 0 with the data stored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mrm-shutdown-'));
    const port = await freePort();
    const p = startProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      MRM_DATA_DIR: dataDir,
      MRM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MRM_LOG_LEVEL: 'info',
    });
    children.push(p.child);
    await p.waitFor(/commander listening/);
    const url = `http://127.0.0.1:${port}`;
    const admin = await adminClient(url);
    const sentry = (await admin.post('/api/v1/sentries', { name: 'LAN', kind: 'asic' })).body;
    const devices = Array.from({ length: 5000 }, (_, i) => ({
      key: `10.${Math.floor(i / 250)}.${i % 250}.1`,
      at: Date.now(),
      status: 'mining',
      hashrate: 1e14,
      temperatures: [{ name: 'b1', value: 70 }],
    }));
    const inFlight = client(url, sentry.token).post(sentryPaths.report, { batches: [{ seq: 1, devices }] });
    await p.waitFor(/"url":"\/api\/sentry\/v1\/report"/);
    p.child.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ackSeq: 1, stored: 1 });
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/shutting down/);
    const db = new SQLite(join(dataDir, 'commander.sqlite'), { readonly: true });
    const count = db.prepare('select count(*) as n from telemetry_raw').get() as { n: number };
    db.close();
    expect(count.n).toBe(5000);
  });
});
