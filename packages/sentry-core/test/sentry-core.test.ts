import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, type Running, startCommander } from '../../commander/test/helpers.js';
import {
  CommanderClient,
  CommanderError,
  DesiredStateFetcher,
  DesiredStateRefused,
  enroll,
  loadConfig,
  Outbox,
  PushClient,
  verifyDesiredState,
} from '../src/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mrm-sentry-'));
const device = (at: number, hashrate: number) => ({ key: 'rig', at, status: 'mining' as const, hashrate });

describe('sentry core against a real commander', () => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let rig: { id: string; token: string };
  let asic: { id: string; token: string };

  beforeAll(async () => {
    run = await startCommander('sqlite');
    admin = await adminClient(run.url);
    rig = (await admin.post('/api/v1/sentries', { name: 'rig-a', kind: 'rig' })).body;
    asic = (await admin.post('/api/v1/sentries', { name: 'lan-a', kind: 'asic' })).body;
  });
  afterAll(() => run?.stop());

  it('enrols: pins the key and stores the config 0600', async () => {
    const dir = tmp();
    const config = await enroll({
      url: `${run.url}/`,
      token: rig.token,
      kind: 'rig',
      version: '0.1.0',
      stateDir: dir,
    });
    expect(config).toMatchObject({ sentryId: rig.id, name: 'rig-a', kind: 'rig', commanderUrl: run.url });
    expect(config.commanderPublicKey).toContain('BEGIN PUBLIC KEY');
    expect(loadConfig(dir)).toEqual(config);
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('enrolment errors are clear and save nothing', async () => {
    const cases: [Parameters<typeof enroll>[0], string, RegExp][] = [
      [
        { url: 'http://127.0.0.1:1', token: rig.token, kind: 'rig', version: '1', stateDir: '' },
        'unreachable',
        /unreachable/,
      ],
      [
        { url: run.url, token: `mrm_snt_${'x'.repeat(43)}`, kind: 'rig', version: '1', stateDir: '' },
        'wrong-token',
        /wrong token/,
      ],
      [
        { url: run.url, token: asic.token, kind: 'rig', version: '1', stateDir: '' },
        'wrong-kind',
        /ASIC sentry/,
      ],
    ];
    for (const [opts, kind, message] of cases) {
      const dir = tmp();
      const err = await enroll({ ...opts, stateDir: dir }).catch((e) => e);
      expect(err).toBeInstanceOf(CommanderError);
      expect(err.kind).toBe(kind);
      expect(err.message).toMatch(message);
      expect(readdirSync(dir)).toEqual([]);
    }
    await expect(
      enroll({ url: 'not a url', token: rig.token, kind: 'rig', version: '1', stateDir: tmp() }),
    ).rejects.toThrow(/not a URL/);
    const revoked = (await admin.post('/api/v1/sentries', { name: 'gone', kind: 'rig' })).body;
    await admin.post(`/api/v1/sentries/${revoked.id}/revoke`);
    const err = await enroll({
      url: run.url,
      token: revoked.token,
      kind: 'rig',
      version: '1',
      stateDir: tmp(),
    }).catch((e) => e);
    expect(err.kind).toBe('revoked');
  });

  it('accepts only desired states signed by the pinned key, for this sentry, not older than the last', async () => {
    const dir = tmp();
    const config = await enroll({ url: run.url, token: rig.token, kind: 'rig', version: '1', stateDir: dir });
    const client = new CommanderClient(run.url, rig.token);
    const fetched = await client.desiredState(null);
    const body = fetched!.body as { payload: string; signature: string; keyFingerprint: string };
    const doc = verifyDesiredState(body, config, 0);
    expect(doc.sentryId).toBe(rig.id);
    const tampered = { ...body, payload: body.payload.replace('"playbooks":[]', '"playbooks":[] ') };
    expect(() => verifyDesiredState(tampered, config, 0)).toThrow(/does not verify/);
    expect(() => verifyDesiredState({ payload: body.payload }, config, 0)).toThrow(/not a signed document/);
    expect(() => verifyDesiredState(body, { ...config, sentryId: asic.id }, 0)).toThrow(/another sentry/);
    expect(() => verifyDesiredState(body, config, doc.revision + 1)).toThrow(/older/);
    const fetcher = new DesiredStateFetcher(dir, client, config);
    expect(await fetcher.fetch()).not.toBeNull();
    expect(await fetcher.fetch()).toBeNull(); // 304: unchanged
    // A different (pinned) key refuses the commander's real document.
    const other = new DesiredStateFetcher(tmp(), client, { ...config, commanderPublicKey: asicKeyPem() });
    await expect(other.fetch()).rejects.toBeInstanceOf(DesiredStateRefused);
  });

  it('outbox: buffers while the commander is away, sends in order, stores nothing twice', async () => {
    const dir = tmp();
    const outbox = new Outbox(dir);
    const away = new CommanderClient('http://127.0.0.1:1', rig.token, 500);
    const t0 = Date.now() - 120_000;
    for (let i = 0; i < 5; i++) outbox.append([device(t0 + i * 1000, 100 + i)]);
    await expect(outbox.flush(away)).rejects.toThrow(/unreachable/);
    expect(outbox.pendingCount()).toBe(5);
    const client = new CommanderClient(run.url, rig.token);
    await outbox.flush(client);
    expect(outbox.pendingCount()).toBe(0);
    const hist = await admin.get(
      `/api/v1/devices/${rig.id}/history?metric=hashrate&from=${t0 - 1}&to=${t0 + 10_000}&resolution=raw`,
    );
    expect(hist.body.points.map((p: number[]) => p[1])).toEqual([100, 101, 102, 103, 104]);
    // A restart that lost the outbox's counter continues above what the commander stored.
    const fresh = new Outbox(tmp());
    const hello = await client.hello({ kind: 'rig', version: '1' });
    fresh.raiseSeqAbove(hello.lastSeq);
    expect(fresh.append([device(t0 + 6000, 106)])).toBe(hello.lastSeq + 1);
    await fresh.flush(client);
    const after = await admin.get(
      `/api/v1/devices/${rig.id}/history?metric=hashrate&from=${t0 - 1}&to=${t0 + 10_000}&resolution=raw`,
    );
    expect(after.body.points).toHaveLength(6);
  });

  it('outbox: bounded by size and age, dropping the oldest and counting them', () => {
    let clock = 1_000_000;
    const dir = tmp();
    const outbox = new Outbox(dir, { maxBytes: 2_000, maxAgeMs: 60_000, batchesPerRequest: 20 }, () => clock);
    for (let i = 0; i < 30; i++) outbox.append([device(clock, i)]);
    const kept = readdirSync(join(dir, 'outbox')).sort();
    expect(outbox.dropped).toBeGreaterThan(0);
    expect(kept.length + outbox.dropped).toBe(30);
    const newest = JSON.parse(readFileSync(join(dir, 'outbox', kept.at(-1)!), 'utf8'));
    expect(newest.devices[0].hashrate).toBe(29);
    const droppedBySize = outbox.dropped;
    clock += 10 * 60_000; // past maxAgeMs: everything older goes
    outbox.append([device(clock, 99)]);
    expect(outbox.pendingCount()).toBe(1);
    expect(outbox.dropped).toBe(droppedBySize + kept.length);
  });

  it('push client receives state changes and reconnects after the socket drops', async () => {
    const client = new CommanderClient(run.url, rig.token);
    const seen: string[] = [];
    const push = new PushClient(client, { onMessage: (m) => seen.push(m.type) });
    push.start();
    await expect.poll(() => seen.includes('welcome'), { timeout: 5000 }).toBe(true);
    run.commander.ctx.push.closeSentry(rig.id, 'test drop');
    await expect.poll(() => seen.filter((t) => t === 'welcome').length, { timeout: 10_000 }).toBe(2);
    push.stop();
  });
});

/** Any other Ed25519 key: stands for a commander we never pinned. */
function asicKeyPem(): string {
  return generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
