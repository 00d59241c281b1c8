import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, clientsByRole, type Running, startCommander } from './helpers.js';

type Role = 'admin' | 'operator' | 'viewer';
const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/**
 * Walks every route of the OpenAPI document as nobody, as each role and as a sentry, and checks
 * that access is enforced as each route declares and that nothing answers 500.
 */
describe('every route is authorized', () => {
  let run: Running;
  let byRole: Awaited<ReturnType<typeof clientsByRole>>;
  let sentry: ReturnType<typeof client>;
  let paths: Record<string, Record<string, unknown>>;

  beforeAll(async () => {
    run = await startCommander('sqlite');
    byRole = await clientsByRole(run.url);
    const s = await byRole.admin.post('/api/v1/sentries', { name: 'walker', kind: 'rig' });
    sentry = client(run.url, s.body.token);
    paths = (await client(run.url).get('/api/openapi.json')).body.paths;
  });
  afterAll(() => run?.stop());

  it('documents every route, and every documented route declares an access level', async () => {
    const documented = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    // The push WebSocket cannot be an OpenAPI operation; the document's description names it instead.
    const doc = (await client(run.url).get('/api/openapi.json')).body;
    expect(doc.info.description).toContain('/api/sentry/v1/push');
    const declared = run.commander.routes
      .filter((r) => !['/api/openapi.json', '/', '/api/sentry/v1/push'].includes(r.url))
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    const missing = declared.filter((d) => !documented.includes(d));
    const extra = documented.filter((d) => !declared.includes(d));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    expect(documented.length).toBeGreaterThan(30);
  });

  it('refuses nobody, wrong roles and sentries; admits the rest; never answers 500', async () => {
    const checked: string[] = [];
    // Logging out ends the session the later calls use, so it goes last.
    const routes = [...run.commander.routes].sort(
      (a, b) => Number(a.url.endsWith('/logout')) - Number(b.url.endsWith('/logout')),
    );
    for (const route of routes) {
      if (route.url === '/api/openapi.json' || route.url === '/') continue;
      const path = route.url.replace(/:(\w+)/g, () => randomUUID());
      const call = (c: ReturnType<typeof client>) =>
        c.call(route.method, path, ['GET', 'DELETE'].includes(route.method) ? undefined : {});
      const label = `${route.method} ${route.url}`;
      const anon = await call(client(run.url));
      expect(anon.status, `${label} as nobody`).not.toBe(500);
      if (route.access === 'public') continue;
      expect(anon.status, `${label} as nobody`).toBe(401);
      expect(anon.body.error.code, label).toBe('unauthorized');

      const asSentry = await call(sentry);
      if (route.access === 'sentry') {
        expect([401, 403], `${label} as sentry`).not.toContain(asSentry.status);
      } else {
        expect(asSentry.status, `${label} as sentry`).toBe(403);
      }
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const r = await call(byRole[role]);
        expect(r.status, `${label} as ${role}`).not.toBe(500);
        if (route.access === 'sentry') {
          expect(r.status, `${label} as ${role}`).toBe(403);
        } else if (route.access === 'self' || rank[role] >= rank[route.access as Role]) {
          expect([401, 403], `${label} as ${role}: ${JSON.stringify(r.body)}`).not.toContain(r.status);
        } else {
          expect(r.status, `${label} as ${role}`).toBe(403);
          expect(r.body.error.message).toMatch(/needs the (operator|admin) role/);
        }
      }
      checked.push(label);
    }
    expect(checked.length).toBeGreaterThan(30);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await client(run.url).get('/api/v1/nope');
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({ code: 'not_found', message: 'no route for GET /api/v1/nope' });
  });
});
