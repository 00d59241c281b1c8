import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

describe('configuration', () => {
  it('defaults to port 8080, ./data and SQLite', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, dataDir: './data', logLevel: 'info' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.retention).toEqual({ rawHours: 48, fiveMinuteDays: 30 });
  });

  it('reads the documented environment variables', () => {
    const c = loadConfig({
      PORT: '9000',
      MRM_DATA_DIR: '/var/lib/mrm',
      MRM_DATABASE_URL: 'postgres://mrm@db/mrm',
      MRM_ADMIN_PASSWORD: 'long-enough',
      MRM_PUBLIC_URL: 'https://farm.example:8443',
      MRM_RETENTION_RAW_HOURS: '24',
    });
    expect(c).toMatchObject({
      port: 9000,
      dataDir: '/var/lib/mrm',
      databaseUrl: 'postgres://mrm@db/mrm',
      adminPassword: 'long-enough',
      publicUrl: 'https://farm.example:8443',
    });
    expect(c.retention.rawHours).toBe(24);
  });

  it('merges a JSON config file under the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mrm-cfg-'));
    writeFileSync(
      join(dir, 'mrm.config.json'),
      JSON.stringify({ port: 7000, logLevel: 'debug', retention: { fiveMinuteDays: 7 } }),
    );
    const c = loadConfig({ MRM_DATA_DIR: dir, PORT: '7100' });
    expect(c.port).toBe(7100);
    expect(c.logLevel).toBe('debug');
    expect(c.retention).toEqual({ rawHours: 48, fiveMinuteDays: 7 });
  });

  it.each([
    [{ PORT: 'eighty' }, /port/],
    [{ PORT: '70000' }, /port/],
    [{ MRM_DATABASE_URL: 'mysql://x' }, /postgres:\/\//],
    [{ MRM_ADMIN_PASSWORD: 'short' }, /at least 8/],
    [{ MRM_PUBLIC_URL: 'farm' }, /MRM_PUBLIC_URL/],
    [{ MRM_CONFIG: '/nonexistent/mrm.json' }, /does not exist/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses a config file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mrm-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{ port: ');
    expect(() => loadConfig({ MRM_CONFIG: join(dir, 'bad.json') })).toThrow(/not valid JSON/);
  });
});
