import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sentryPaths } from '@mrm/protocol';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, loginAs, type Running, startCommander } from '../../commander/test/helpers.js';
import { ensureWebBuilt } from './build.js';

/**
 * The dashboard in Debian's Chromium (headless, no browser download) against a real commander on
 * SQLite, with sentries simulated by HTTP clients posting reports with their tokens.
 */
const CHROMIUM = process.env.MRM_CHROMIUM ?? '/usr/bin/chromium';
const shots = join(new URL('../../..', import.meta.url).pathname, '.test-results', 'screenshots');
const PASSWORD = 'first-admin-password';
const XSS_NAME = '<img src=x onerror=alert(1)>';

describe('dashboard in a real browser', () => {
  let run: Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: ReturnType<typeof client>;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  const rigs: { id: string; token: string; seq: number; deviceId?: string }[] = [];
  let asicSentry: { id: string; token: string; seq: number };
  let asicDeviceId = '';

  const shot = (name: string, p: Page = page) =>
    p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const report = async (s: { token: string; seq: number }, devices: unknown[]) => {
    s.seq++;
    const r = await client(run.url, s.token).post(sentryPaths.report, { batches: [{ seq: s.seq, devices }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  const rigReport = (hashrate: number, at = Date.now(), extra: Record<string, unknown> = {}) => ({
    key: 'rig',
    at,
    status: 'mining',
    algorithm: 'randomx',
    hashrate,
    power: 180,
    temperatures: [{ name: 'cpu', value: 61 }],
    fans: [],
    details: {
      playbooks: [],
      gpus: [
        {
          busId: '0000:01:00.0',
          vendor: 'nvidia',
          name: 'RTX 3070',
          hashrate: hashrate / 2,
          temperature: 58,
          fanPercent: 55,
          power: 120,
        },
      ],
      hardware: {
        cpu: { model: 'Ryzen 5 5600', cores: 6, threads: 12, load1: 5.5, temperature: 61 },
        memory: null,
        os: null,
        probes: {},
      },
      ...extra,
    },
  });
  const asicReport = (hashrate: number, at = Date.now()) => ({
    key: '10.0.0.21',
    at,
    status: 'mining',
    name: XSS_NAME,
    make: 'Antminer',
    model: 'Antminer S19 Pro',
    algorithm: 'sha256',
    hashrate,
    power: 3250,
    temperatures: [{ name: 'chip', value: 71 }],
    fans: [{ name: 'fan1', value: 5400 }],
    pools: [{ url: 'stratum+tcp://btc.pool.example:700', user: 'acct.1', accepted: 1200, rejected: 3 }],
    details: {
      asicType: 'antminer',
      boards: [
        { index: 0, hashrate: hashrate / 3, chips: 114, expectedChips: 114, chipTemp: 71, boardTemp: 60 },
      ],
      power: { actual: 'on', capabilities: ['sleep', 'wake'] },
    },
  });

  beforeAll(async () => {
    await ensureWebBuilt();
    mkdirSync(shots, { recursive: true });
    run = await startCommander('sqlite', { adminPassword: undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await run?.stop();
  });

  it('serves the dashboard with a Content-Security-Policy', async () => {
    const res = await fetch(run.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(run.url + asset!, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('first-run setup creates the admin and signs in', async () => {
    await page.goto(run.url);
    await page.getByRole('heading', { name: /create the first admin/i }).waitFor();
    await shot('setup');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel(/^Password \(at least/).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: /create admin/i }).click();
    await page.getByText('Welcome to Mining Rig Monitor').waitFor();
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    await shot('overview-empty');
    admin = client(run.url, await loginAs(run.url, 'admin', PASSWORD));
  });

  it('signs out and in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: /sign in/i }).waitFor();
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /could not sign in/i })
      .waitFor();
    await shot('login-error');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Welcome to Mining Rig Monitor').waitFor();
  });

  it('creates a rig sentry and shows its token once, with the install command', async () => {
    await page.goto(`${run.url}/#/sentries`);
    await page.getByLabel('Name').fill('rig-01');
    await page.getByLabel('Kind').selectOption('rig');
    await page.getByRole('button', { name: 'Create sentry' }).click();
    const token = (await page.getByTestId('secret-token').textContent())!;
    expect(token).toMatch(/^mrm_snt_/);
    expect(await page.getByTestId('secret-commander-url').textContent()).toBe(run.url);
    expect(await page.getByTestId('secret-install-command').textContent()).toContain(token);
    await shot('sentry-created');
    // The token works: the sentry says hello with it.
    const hello = await client(run.url, token).post(sentryPaths.hello, { kind: 'rig', version: '0.1.0' });
    expect(hello.status).toBe(200);
    rigs.push({ id: hello.body.sentry.id, token, seq: 0 });
    await page.getByRole('button', { name: /I have copied/ }).click();
    await expect(page.getByTestId('secret-token').count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'rig-01' }).waitFor();
  });

  it('creates pool and wallet templates', async () => {
    await page.goto(`${run.url}/#/templates`);
    await page.getByText('No pool template yet').waitFor();
    await page.getByLabel('Kind').selectOption('pool');
    await page.getByLabel('Name').fill('XMR pool');
    await page.getByRole('textbox', { name: 'Pool URL' }).fill('stratum+tcp://xmr.pool.example:3333');
    await page.getByLabel('Coin').fill('XMR');
    await page.getByLabel('Algorithm').fill('randomx');
    await page.getByRole('button', { name: 'Add template' }).click();
    await page.getByText('Saved XMR pool').waitFor();
    // A bad value is explained next to the form.
    await page.getByLabel('Kind').selectOption('pool');
    await page.getByLabel('Name').fill('broken');
    await page.getByRole('textbox', { name: 'Pool URL' }).fill('http://nope');
    await page.getByRole('button', { name: 'Add template' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /could not save the template/i })
      .waitFor();
    await page.getByLabel('Kind').selectOption('wallet');
    await page.getByLabel('Name').fill('XMR wallet');
    await page
      .getByRole('textbox', { name: 'Wallet address' })
      .fill(
        '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
      );
    await page.getByRole('button', { name: 'Add template' }).click();
    await page.getByText('Saved XMR wallet').waitFor();
    await page.locator('tr[data-template="XMR wallet"]').waitFor();
    await shot('templates');
  });

  it('shows simulated rigs and an ASIC with hashrates that change live, without a reload', async () => {
    for (const name of ['rig-02', 'rig-03']) {
      const s = (await admin.post('/api/v1/sentries', { name, kind: 'rig' })).body;
      rigs.push({ id: s.id, token: s.token, seq: 0 });
    }
    const now = Date.now();
    for (const [i, r] of rigs.entries()) {
      // A few minutes of history, then the current reading.
      for (let m = 10; m >= 1; m--) await report(r, [rigReport(10_000 + 100 * m + i, now - m * 60_000)]);
      await report(r, [rigReport(12_000 + i, now)]);
    }
    const a = (await admin.post('/api/v1/sentries', { name: 'lan-asics', kind: 'asic' })).body;
    asicSentry = { id: a.id, token: a.token, seq: 0 };
    for (let m = 10; m >= 1; m--) await report(asicSentry, [asicReport(100e12 + m * 1e12, now - m * 60_000)]);
    await report(asicSentry, [asicReport(110e12, now)]);
    const devices = (await admin.get('/api/v1/devices')).body.items as {
      id: string;
      kind: string;
      sentryId: string;
    }[];
    for (const r of rigs) r.deviceId = devices.find((d) => d.sentryId === r.id)!.id;
    asicDeviceId = devices.find((d) => d.kind === 'asic')!.id;

    await page.goto(`${run.url}/#/devices`);
    await page.getByTestId('device-count').filter({ hasText: '4 devices' }).waitFor();
    const asicRow = page.locator(`tr[data-device-id="${asicDeviceId}"]`);
    const rigRow = page.locator(`tr[data-device-id="${rigs[0]!.deviceId}"]`);
    await expect(asicRow.getByTestId('hashrate').textContent()).resolves.toBe('110 TH/s');
    await expect(rigRow.getByTestId('hashrate').textContent()).resolves.toBe('12.0 kH/s');
    await page.evaluate('window.__noReload = true');
    await shot('devices');

    await report(rigs[0]!, [rigReport(15_500)]);
    await report(asicSentry, [asicReport(95e12)]);
    await rigRow.getByTestId('hashrate').filter({ hasText: '15.5 kH/s' }).waitFor({ timeout: 10_000 });
    await asicRow.getByTestId('hashrate').filter({ hasText: '95.0 TH/s' }).waitFor({ timeout: 10_000 });
    expect(await page.evaluate('window.__noReload')).toBe(true);
  });

  it('renders a device named like HTML as text, and fires no dialog', async () => {
    const link = page.getByRole('link', { name: XSS_NAME });
    await link.waitFor();
    expect(await link.textContent()).toBe(XSS_NAME);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await link.click();
    await page.getByRole('heading', { name: XSS_NAME }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows the ASIC: boards, pools, power controls and a drawn history chart', async () => {
    await expect(page.getByTestId('detail-hashrate').textContent()).resolves.toBe('95.0 TH/s');
    await page.getByRole('heading', { name: 'Hash boards' }).waitFor();
    await page.getByText('stratum+tcp://btc.pool.example:700').waitFor();
    await page.getByRole('button', { name: 'Sleep' }).waitFor();
    const chart = page.getByTestId('chart-hashrate');
    await chart.locator('canvas').waitFor();
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 10_000 })
      .toBeGreaterThan(5);
    await shot('asic-detail');
    await page.getByRole('button', { name: 'Sleep' }).click();
    await expect
      .poll(async () => (await admin.get(`/api/v1/devices/${asicDeviceId}`)).body.powerState)
      .toBe('sleep');
  });

  it('shows a rig with its GPUs, CPU and history charts', async () => {
    await page.goto(`${run.url}/#/devices/${rigs[0]!.deviceId}`);
    await page.getByText('RTX 3070').waitFor();
    await page.getByText('Ryzen 5 5600').first().waitFor();
    await page.getByText('No playbook on this rig').waitFor();
    const chart = page.getByTestId('chart-temperature');
    await chart.locator('canvas').waitFor();
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 10_000 })
      .toBeGreaterThan(5);
    await page.getByRole('button', { name: '6 h' }).click();
    await shot('rig-detail');
  });

  it('creates a playbook from a catalogue program, shows the rendered script, and applies it to three rigs', async () => {
    await page.goto(`${run.url}/#/devices`);
    for (const r of rigs)
      await page.locator(`tr[data-device-id="${r.deviceId}"] input[type=checkbox]`).check();
    await page.getByRole('button', { name: 'Apply a playbook to 3 rigs' }).click();
    await page.getByRole('heading', { name: 'New playbook' }).waitFor();
    await page.getByLabel('Program').selectOption('xmrig');
    const highlighted = page.getByTestId('highlighted-script');
    await expect.poll(() => highlighted.locator('mark').count()).toBeGreaterThan(1);
    await page.getByLabel('Playbook name').fill('XMRig CPU');
    await page.locator('select[name="template-CPU_POOL"]').selectOption({ label: 'XMR pool (XMR, randomx)' });
    await page
      .locator('select[name="template-CPU_WALLET"]')
      .selectOption({ label: 'XMR wallet (XMR, randomx)' });
    const rendered = page.getByTestId('rendered-script');
    await rendered.filter({ hasText: "'stratum+tcp://xmr.pool.example:3333'" }).waitFor();
    expect(await rendered.textContent()).toContain("'44AFFq5kSiGBoZ4");
    expect(await rendered.textContent()).not.toContain('$CPU_POOL');
    await shot('playbook-editor');
    await page.getByRole('button', { name: 'Save and apply to 3 rigs' }).click();
    const progress = page.getByTestId('apply-progress');
    await expect.poll(() => progress.getByText('saved', { exact: true }).count()).toBe(3);
    const ids: string[] = [];
    for (const r of rigs) {
      const list = (await admin.get(`/api/v1/rigs/${r.deviceId}/playbooks`)).body.items;
      expect(list).toHaveLength(1);
      expect(list[0].templates).toMatchObject({
        $CPU_POOL: expect.any(String),
        $CPU_WALLET: expect.any(String),
      });
      ids.push(list[0].id);
    }
    // The first rig reports the playbook running, the second reports it failing: progress says so.
    await report(rigs[0]!, [
      rigReport(13_000, Date.now(), {
        playbooks: [{ id: ids[0], name: 'XMRig CPU', state: 'running', hashrate: 13_000 }],
      }),
    ]);
    await report(rigs[1]!, [
      rigReport(0, Date.now(), {
        playbooks: [
          { id: ids[1], name: 'XMRig CPU', state: 'failing', lastError: 'xmrig exited with code 1' },
        ],
      }),
    ]);
    await progress.getByText('applied, running').waitFor({ timeout: 10_000 });
    await progress.getByText('failed: xmrig exited with code 1').waitFor({ timeout: 10_000 });
    await shot('playbook-progress');
    await page.goto(`${run.url}/#/playbooks`);
    await page.getByRole('cell', { name: 'XMRig CPU' }).first().waitFor();
    await shot('playbooks');
  });

  it('shows the overview, audit log and users pages', async () => {
    await page.goto(`${run.url}/#/`);
    await page.getByTestId('overview-stats').waitFor();
    await page.getByTestId('algo-hashrate-randomx').waitFor();
    await shot('overview');
    await page.goto(`${run.url}/#/audit`);
    await page.getByText('template.created').first().waitFor();
    await page.getByLabel('Only wallet and pool changes').check();
    await page.getByText('wallet/pool').first().waitFor();
    await shot('audit');
    await page.goto(`${run.url}/#/users`);
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await shot('users');
    await page.goto(`${run.url}/#/sentries/${asicSentry.id}`);
    await page.getByRole('heading', { name: 'Scan the LAN' }).waitFor();
    await page.getByLabel('Address ranges').fill('10.0.0.0/30');
    await page.getByRole('button', { name: 'Scan' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /not connected/ })
      .waitFor();
    await shot('asic-sentry');
  });

  it('looks right on a phone, in the dark theme', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const p = await phone.newPage();
    await p.goto(run.url);
    await p.getByLabel('Username').fill('admin');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('overview-stats').waitFor();
    await p.getByRole('button', { name: 'Menu' }).click();
    await p.getByRole('link', { name: 'Devices' }).click();
    await p.getByTestId('device-count').waitFor();
    // Nothing wider than the phone, and the dark palette is the one in use.
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await p.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(15, 18, 22)');
    await shot('devices-phone-dark', p);
    await phone.close();
  });

  it('a viewer sees everything and can change nothing', async () => {
    const created = await admin.post('/api/v1/users', {
      username: 'watcher',
      password: 'viewer-password',
      role: 'viewer',
    });
    expect(created.status).toBe(201);
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await p.goto(run.url);
    await p.getByLabel('Username').fill('watcher');
    await p.getByLabel('Password').fill('viewer-password');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('overview-stats').waitFor();
    await p.goto(`${run.url}/#/sentries`);
    await p.getByRole('link', { name: 'rig-01' }).waitFor();
    expect(await p.getByRole('button', { name: 'Create sentry' }).count()).toBe(0);
    await p.goto(`${run.url}/#/templates`);
    await p.locator('tr[data-template="XMR pool"]').waitFor();
    expect(await p.getByRole('button', { name: 'Add template' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await p.goto(`${run.url}/#/devices`);
    await p.getByTestId('device-count').waitFor();
    expect(await p.locator('tr[data-device-id] input[type=checkbox]').count()).toBe(0);
    await p.goto(`${run.url}/#/devices/${asicDeviceId}`);
    await p.getByRole('heading', { name: 'Hash boards' }).waitFor();
    expect(await p.getByRole('button', { name: 'Sleep' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Rename' }).count()).toBe(0);
    await p.goto(`${run.url}/#/users`);
    await p.getByText('Managing users needs the admin role').waitFor();
    expect(await p.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await shot('viewer-devices', p);
    // The API refuses too, whatever the page shows.
    const token = await loginAs(run.url, 'watcher', 'viewer-password');
    expect((await client(run.url, token).post('/api/v1/sentries', { name: 'x', kind: 'rig' })).status).toBe(
      403,
    );
    await ctx.close();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
