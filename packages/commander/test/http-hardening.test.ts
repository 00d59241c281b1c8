import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLimits } from '../src/index.js';
import { adminClient, client, type Running, startCommander } from './helpers.js';

function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('HTTP hardening', () => {
  let run: Running;
  beforeAll(async () => {
    run = await startCommander('sqlite');
  });
  afterAll(() => run?.stop());

  it('answers oversized headers with 431 in the JSON error envelope', async () => {
    const r = await client(run.url).get('/healthz', { 'x-big': 'a'.repeat(httpLimits.maxHeaderBytes + 1) });
    expect(r.status).toBe(431);
    expect(r.body.error.message).toMatch(/headers are larger than the limit/);
  });

  it('answers a malformed request line with 400 JSON, and keeps serving', async () => {
    const raw = await rawRequest(run.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1.1 400/);
    expect(raw).toContain('"code":"bad_request"');
    expect((await client(run.url).get('/healthz')).status).toBe(200);
  });

  it('refuses prototype poisoning, deep nesting and wrong JSON types without a 500', async () => {
    const admin = await adminClient(run.url);
    const proto = await admin.post(
      '/api/v1/templates',
      '{"__proto__":{"admin":true},"name":"a","type":"pool","value":"stratum+tcp://a.b:1"}',
    );
    expect(proto.status).toBe(400);
    const deep = await admin.post('/api/v1/templates', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(deep.status).toBe(400);
    for (const body of ['null', '42', '"text"', 'true']) {
      const r = await admin.post('/api/v1/templates', body);
      expect(r.status, body).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('never leaks a stack trace', async () => {
    const admin = await adminClient(run.url);
    const r = await admin.post('/api/v1/templates', '{"name": ');
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(r.body).toEqual({ error: { code: 'bad_request', message: 'body is not valid JSON' } });
  });
});
