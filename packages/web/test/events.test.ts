import { sentryPaths } from '@mrm/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLimits } from '../../commander/src/services/events.js';
import {
  adminClient,
  client,
  clientsByRole,
  loginAs,
  type Running,
  startCommander,
} from '../../commander/test/helpers.js';

/** Reads server-sent events from a streaming fetch body. */
async function openEvents(url: string, token: string) {
  const ctrl = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    signal: ctrl.signal,
  });
  const events: { event: string; data: any; at: number }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let i = buffer.indexOf('\n\n');
        while (i >= 0) {
          const chunk = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
          i = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return { res, events, close: () => ctrl.abort() };
}

describe('live updates (GET /api/v1/events) and the scan route', () => {
  let run: Running;
  let admin: Awaited<ReturnType<typeof adminClient>>;
  let token: string;

  beforeAll(async () => {
    run = await startCommander('sqlite');
    admin = await adminClient(run.url);
    token = (
      await client(run.url).post('/api/v1/auth/login', {
        username: 'admin',
        password: 'correct horse battery',
      })
    ).body.token;
  });
  afterAll(() => run?.stop());

  it('answers 406 to a client that does not ask for an event stream, and 401 to nobody', async () => {
    expect((await admin.get('/api/v1/events')).status).toBe(406);
    expect((await client(run.url).get('/api/v1/events', { accept: 'text/event-stream' })).status).toBe(401);
  });

  it('names the devices whose reports were stored, coalescing to at most one event a second', async () => {
    const s = (await admin.post('/api/v1/sentries', { name: 'lan', kind: 'asic' })).body;
    const sentry = client(run.url, s.token);
    const stream = await openEvents(run.url, token);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toContain('text/event-stream');
    await expect.poll(() => stream.events.some((e) => e.event === 'hello')).toBe(true);
    const report = (seq: number, key: string) =>
      sentry.post(sentryPaths.report, {
        batches: [{ seq, devices: [{ key, at: Date.now(), status: 'mining', hashrate: seq * 1e12 }] }],
      });
    const started = Date.now();
    for (let seq = 1; seq <= 6; seq++) {
      expect((await report(seq, `10.0.0.${seq}`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
    }
    await expect
      .poll(() => stream.events.filter((e) => e.event === 'devices').length, { timeout: 5000 })
      .toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, eventLimits.minIntervalMs + 200));
    const devices = stream.events.filter((e) => e.event === 'devices');
    // Six reports over ~1.2 s arrive as two or three events, each at least the interval apart.
    expect(devices.length).toBeLessThanOrEqual(
      Math.ceil((Date.now() - started) / eventLimits.minIntervalMs) + 1,
    );
    for (let i = 1; i < devices.length; i++) {
      expect(devices[i]!.at - devices[i - 1]!.at).toBeGreaterThanOrEqual(eventLimits.minIntervalMs - 50);
    }
    const ids = new Set(devices.flatMap((e) => e.data.ids as string[]));
    const list = (await admin.get('/api/v1/devices')).body.items as { id: string }[];
    expect(list).toHaveLength(6);
    for (const d of list) expect(ids.has(d.id)).toBe(true);
    expect(devices[0]!.data.sentryIds).toEqual([s.id]);
    stream.close();
  });

  it('a viewer may follow events, and an open stream does not hold up shutdown', async () => {
    await admin.post('/api/v1/users', { username: 'watcher', password: 'viewer-password', role: 'viewer' });
    const viewer = await openEvents(run.url, await loginAs(run.url, 'watcher', 'viewer-password'));
    expect(viewer.res.status).toBe(200);
    await expect.poll(() => viewer.events.some((e) => e.event === 'hello')).toBe(true);
    // Left open on purpose: afterAll stops the commander, which must end the stream itself.
  });

  it('scan needs a connected ASIC sentry and the operator role', async () => {
    const asic = (await admin.post('/api/v1/sentries', { name: 'lan2', kind: 'asic' })).body;
    const rig = (await admin.post('/api/v1/sentries', { name: 'rig', kind: 'rig' })).body;
    const offline = await admin.post(`/api/v1/sentries/${asic.id}/scan`, { ranges: ['10.0.0.0/30'] });
    expect(offline.status).toBe(409);
    expect(offline.body.error.code).toBe('sentry_offline');
    expect((await admin.post(`/api/v1/sentries/${rig.id}/scan`, { ranges: ['10.0.0.0/30'] })).status).toBe(
      422,
    );
    expect((await admin.post(`/api/v1/sentries/${asic.id}/scan`, { ranges: ['not a range!'] })).status).toBe(
      400,
    );
    const by = await clientsByRole(run.url);
    expect(
      (await by.viewer.post(`/api/v1/sentries/${asic.id}/scan`, { ranges: ['10.0.0.0/30'] })).status,
    ).toBe(403);
  });
});
