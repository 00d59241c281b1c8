import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Commander, type Config, createCommander, loadConfig } from '../src/index.js';

export type DbKind = 'sqlite' | 'postgres';
export const databases: DbKind[] = ['sqlite', 'postgres'];

/** The PostgreSQL server the integration tests use; CI installs and starts it (see .ci/run). */
export const PG_ADMIN_URL = process.env.MRM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty PostgreSQL database for one test file; dropped by the returned function. */
export async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mrm_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(err as Error).message}). ` +
        'The suite tests both databases: start PostgreSQL or set MRM_TEST_PG_URL.',
    );
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface Running {
  commander: Commander;
  url: string;
  config: Config;
  /** Shuts the commander down and removes its database. */
  stop(): Promise<void>;
  /** Restarts on the same database and port (new process state: throttles, push sockets), after an outage. */
  restart(downForMs?: number): Promise<Running>;
}

export const ADMIN_PASSWORD = 'correct horse battery';

export async function startCommander(
  db: DbKind,
  overrides: Partial<Config> = {},
  opts: { now?: () => number } = {},
): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mrm-test-'));
  const pgDb = db === 'postgres' ? await freshPostgres() : undefined;
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      databaseUrl: pgDb?.url,
      adminPassword: ADMIN_PASSWORD,
      logLevel: 'silent',
      ...overrides,
    },
  );
  const boot = async (): Promise<Running> => {
    const commander = await createCommander(config, { logger: false, ...opts });
    const url = await commander.listen();
    // A restart comes back on the same port, as a real commander would.
    config.port = Number(new URL(url).port);
    let stopped = false;
    return {
      commander,
      url,
      config,
      async stop() {
        if (stopped) return;
        stopped = true;
        await commander.close();
        await pgDb?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
      async restart(downForMs = 0) {
        stopped = true;
        await commander.close();
        if (downForMs) await new Promise((r) => setTimeout(r, downForMs));
        return boot();
      },
    };
  };
  return boot();
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny JSON client over real HTTP. */
export function client(base: string, token?: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // non-JSON answers stay text, and tests assert on that
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b ?? {}, h),
    patch: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('PATCH', p, b ?? {}, h),
    del: <T = any>(p: string, h?: Record<string, string>) => call<T>('DELETE', p, undefined, h),
    call,
  };
}

export async function loginAs(base: string, username: string, password: string): Promise<string> {
  const r = await client(base).post<{ token: string }>('/api/v1/auth/login', { username, password });
  if (r.status !== 200) throw new Error(`login as ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

export async function adminClient(base: string) {
  return client(base, await loginAs(base, 'admin', ADMIN_PASSWORD));
}

/** Creates users of every role and returns a signed-in client for each. */
export async function clientsByRole(base: string) {
  const admin = await adminClient(base);
  const out: Record<'admin' | 'operator' | 'viewer', ReturnType<typeof client>> = { admin } as never;
  for (const role of ['operator', 'viewer'] as const) {
    const username = `${role}-${randomBytes(3).toString('hex')}`;
    const r = await admin.post('/api/v1/users', { username, password: 'password-123', role });
    if (r.status !== 201) throw new Error(`could not create ${role}: ${JSON.stringify(r.body)}`);
    out[role] = client(base, await loginAs(base, username, 'password-123'));
  }
  return out;
}

/** A sentry's CLI from source, in its own process, as `npx mrm-…-sentry` runs it. */
export function sentryFromSource(kind: 'rig' | 'asic') {
  const main = fileURLToPath(new URL(`../../${kind}-sentry/src/main.ts`, import.meta.url));
  const args = (...rest: string[]) => ['--conditions=source', '--import', 'tsx', main, ...rest];
  /** Async, so a commander in this same process keeps answering while the CLI runs. */
  const run = (...rest: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, args(...rest), { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => {
        stdout += d.toString();
      });
      child.stderr!.on('data', (d) => {
        stderr += d.toString();
      });
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
  return { args, run };
}

/** Polls `fn` until it returns something truthy; the error names what was awaited and the last failure. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
