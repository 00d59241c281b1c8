import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sentryPaths } from '@mrm/protocol';
import { startJsonSim } from '@mrm/simulators/energy';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  client,
  loginAs,
  type Running,
  startCommander,
} from '../../commander/test/helpers.js';
import { ensureWebBuilt } from './build.js';

/**
 * The solar and schedules pages in Debian's Chromium (headless, no browser download) against a
 * real commander on SQLite, reading a simulated HTTP JSON meter on a local port.
 */
const CHROMIUM = process.env.MRM_CHROMIUM ?? '/usr/bin/chromium';
const shots = join(new URL('../../..', import.meta.url).pathname, '.test-results', 'screenshots');
const XSS_NAME = '<img src=x onerror=alert(1)>';
const TOKEN = 'meter-secret-token';

describe('solar and schedules in a real browser', () => {
  let run: Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: ReturnType<typeof client>;
  let meter: Awaited<ReturnType<typeof startJsonSim>>;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  let asicSentry: { id: string; token: string; seq: number };
  let rigSentry: { id: string; token: string; seq: number };
  let asicId = '';
  let rigId = '';
  let reportTimer: NodeJS.Timeout | undefined;

  const shot = (name: string, p: Page = page) =>
    p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const report = async (s: { token: string; seq: number }, devices: unknown[]) => {
    s.seq++;
    const r = await client(run.url, s.token).post(sentryPaths.report, { batches: [{ seq: s.seq, devices }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  const asicReport = () => ({
    key: '10.0.0.21',
    at: Date.now(),
    status: 'mining',
    name: XSS_NAME,
    make: 'Antminer',
    model: 'Antminer S19 Pro',
    algorithm: 'sha256',
    hashrate: 110e12,
    power: 3250,
    temperatures: [{ name: 'chip', value: 71 }],
    fans: [{ name: 'fan1', value: 5400 }],
    pools: [],
    details: {
      asicType: 'antminer',
      boards: [],
      power: { actual: 'on', capabilities: ['sleep', 'wake', 'reboot'] },
    },
  });
  const rigReport = () => ({
    key: 'rig',
    at: Date.now(),
    status: 'mining',
    algorithm: 'randomx',
    hashrate: 12_000,
    power: 180,
    temperatures: [],
    fans: [],
    details: { playbooks: [], gpus: [] },
  });

  beforeAll(async () => {
    await ensureWebBuilt();
    mkdirSync(shots, { recursive: true });
    run = await startCommander('sqlite');
    admin = client(run.url, await loginAs(run.url, 'admin', ADMIN_PASSWORD));
    // A meter importing 2 kW: whatever the solar devices run, the controller has a deficit to act on.
    meter = await startJsonSim(
      { site: { pv: 1.2, grid: 2000, load: 3200 }, battery: { power: -300, soc: 76 } },
      TOKEN,
    );
    const a = (await admin.post('/api/v1/sentries', { name: 'lan-asics', kind: 'asic' })).body;
    asicSentry = { id: a.id, token: a.token, seq: 0 };
    const r = (await admin.post('/api/v1/sentries', { name: 'rig-01', kind: 'rig' })).body;
    rigSentry = { id: r.id, token: r.token, seq: 0 };
    await report(asicSentry, [asicReport()]);
    await report(rigSentry, [rigReport()]);
    const devices = (await admin.get('/api/v1/devices')).body.items as { id: string; kind: string }[];
    asicId = devices.find((d) => d.kind === 'asic')!.id;
    rigId = devices.find((d) => d.kind === 'rig')!.id;
    // The devices keep reporting, as their sentries would.
    reportTimer = setInterval(() => {
      void report(asicSentry, [asicReport()]).catch(() => {});
      void report(rigSentry, [rigReport()]).catch(() => {});
    }, 2000);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void (d.type() === 'confirm' ? d.accept() : d.dismiss());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(run.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('overview-stats').waitFor();
  }, 120_000);

  afterAll(async () => {
    clearInterval(reportTimer);
    await browser?.close();
    await run?.stop();
    await meter?.stop();
  });

  it('tells a newcomer to add an energy source first', async () => {
    await page.getByTestId('solar-today').getByText('No inverter or meter is configured').waitFor();
    await page.getByRole('link', { name: 'Solar & schedules', exact: true }).click();
    await page.getByText('Add an energy source to start').waitFor();
    await shot('solar-empty');
  });

  it('adds an HTTP JSON source: the test shows the error in words, then what was read', async () => {
    await page.getByRole('link', { name: 'Energy sources', exact: true }).click();
    await page.getByText('No energy source yet').waitFor();
    await page.getByRole('button', { name: 'Add an energy source' }).click();
    await page.getByLabel('Kind').selectOption('http');
    await page.getByLabel('Name', { exact: true }).fill('house meter');
    await page.getByLabel('Read every (s)').fill('1');
    await page.getByRole('textbox', { name: 'URL' }).fill(meter.url);
    await page.getByLabel('PV power (W) path').fill('$.site.pv');
    await page.getByLabel('PV power (W) scale').fill('1000');
    await page.getByLabel('Grid power (W, + import) path').fill('$.site.grid');
    await page.getByLabel('Load (W) path').fill('site.load');
    await page.getByLabel('Battery power (W, + discharge) path').fill('battery.power');
    await page.getByLabel('Battery charge (%) path').fill('battery.soc');
    // Without its token the meter refuses: the reason is shown, in words.
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page
      .getByTestId('test-result')
      .filter({ hasText: /The connection test failed.*answered HTTP 401/ })
      .waitFor();
    await shot('energy-source-test-failed');
    await page.getByLabel('Token header (optional)').fill('Authorization');
    await page.getByLabel('Header value').fill(`Bearer ${TOKEN}`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result');
    await result.getByText(/Connected in \d+ ms/).waitFor();
    expect(await result.textContent()).toContain('1200 W');
    expect(await result.textContent()).toContain('importing 2000 W');
    expect(await result.textContent()).toContain('charging 300 W, 76 %');
    await shot('energy-source-test-ok');
    await page.getByRole('button', { name: 'Save source' }).click();
    await page.locator('tr[data-source="house meter"]').waitFor();
    // Live values arrive without a reload.
    await expect
      .poll(() => page.getByTestId('source-pv-house meter').textContent(), { timeout: 15_000 })
      .toBe('1200 W');
    const src = (await admin.get('/api/v1/energy-sources')).body.items[0];
    expect(src.config.headerValue).toBe('********');
    await shot('energy-sources');
  });

  it('edits the source keeping its masked token, and shows a failing source with its reason', async () => {
    await page.locator('tr[data-source="house meter"]').getByRole('button', { name: 'Edit' }).click();
    await expect(page.getByLabel('Header value').inputValue()).resolves.toBe('********');
    // Unchanged, the saved source is tested, token and all.
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page
      .getByTestId('test-result')
      .getByText(/Connected in/)
      .waitFor();
    await page.getByLabel('Read every (s)').fill('1');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('button', { name: 'Save changes' }).waitFor({ state: 'detached' });
    meter.mode = 'fail';
    await page.locator('tr[data-source="house meter"]').getByText('failing').waitFor({ timeout: 15_000 });
    await page
      .getByTestId('source-error')
      .filter({ hasText: /answered HTTP 500/ })
      .waitFor();
    await shot('energy-source-failing');
    meter.mode = 'ok';
    await page.locator('tr[data-source="house meter"]').getByText('ok', { exact: true }).waitFor({
      timeout: 15_000,
    });
  });

  it('creates a schedule for the rig, and disables it', async () => {
    await page.getByRole('link', { name: 'Schedules', exact: true }).click();
    await page.getByText('No schedule yet').waitFor();
    await page.getByRole('button', { name: 'Add a schedule' }).click();
    await page.getByLabel('Name').fill('night tariff');
    await page.getByLabel('Start', { exact: true }).fill('23:00');
    await page.locator('input[name="schedule-end"]').fill('05:00');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByLabel('In the window').selectOption('on');
    await page.getByLabel('Outside the window').selectOption('');
    await page.getByRole('checkbox', { name: 'Sat' }).check();
    // Without a device the form says so, next to the button.
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByRole('alert').filter({ hasText: 'pick at least one device or group' }).waitFor();
    await page.getByRole('listbox', { name: 'Devices' }).selectOption(rigId);
    await page.getByRole('button', { name: 'Save schedule' }).click();
    const row = page.locator('tr[data-schedule="night tariff"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Mon, Tue, Wed, Thu, Fri, Sat, 23:00–05:00 (next day)');
    expect(await row.textContent()).toContain('rig-01');
    await row.getByRole('checkbox', { name: 'night tariff enabled' }).uncheck();
    await expect.poll(async () => (await admin.get('/api/v1/schedules')).body.items[0].enabled).toBe(false);
    await shot('schedules');
  });

  it('turns the controller on and puts the ASIC under solar control; the log explains, live', async () => {
    await page.getByRole('link', { name: 'Solar control', exact: true }).click();
    await page.getByText('No device under solar control').waitFor();
    await page.getByRole('button', { name: 'Add a device or group' }).click();
    await page.locator('select[name="rule-target"]').selectOption(asicId);
    await page.getByLabel('Draws at full power (W)').fill('3250');
    await page.getByRole('button', { name: 'Add to solar control' }).click();
    await page.locator('tr[data-rule]').waitFor();
    const form = page.getByRole('form', { name: 'Controller settings' });
    await form.getByLabel('Run devices on solar surplus').check();
    await form.getByLabel('Energy source').selectOption({ label: 'house meter' });
    for (const [label, v] of [
      ['Decide every (s)', '1'],
      ['Start delay (s)', '0'],
      ['Stop delay (s)', '0'],
      ['Min on time (s)', '0'],
      ['Min off time (s)', '0'],
      ['Settle time (s)', '2'],
    ] as const)
      await form.getByLabel(label).fill(v);
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByText('Settings saved.').waitFor();
    const saved = (await admin.get('/api/v1/solar/settings')).body;
    expect(saved).toMatchObject({ enabled: true, tickMs: 1000, enableDelayS: 0 });
    await page.getByTestId('controller-state').filter({ hasText: 'controller on' }).waitFor();
    // Importing 2 kW with the ASIC running: the controller decides, and says why, without a reload.
    const log = page.getByTestId('decision-log');
    await expect.poll(() => log.locator('li').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const first = (await log.locator('li .reason').first().textContent()) ?? '';
    // The ASIC's own reported draw counts as available: 2 kW import with it running leaves a surplus,
    // and the one sentence says what was done, to which device, and the numbers behind it.
    expect(first).toMatch(/^started .+: surplus [\d.]+ kW for \d+ min ≥ [\d.]+ W needed/);
    await page.getByTestId('solar-now').getByText('importing 2000 W').waitFor();
    // The rule's row says what its device is doing now.
    await expect
      .poll(async () => (await page.locator('td[data-testid^="rule-now-"]').textContent()) ?? '', {
        timeout: 15_000,
      })
      .not.toContain('waiting for the first round');
  });

  it('draws the day chart from the energy history, with a lane for the ASIC', async () => {
    const chart = page.getByTestId('day-chart');
    await chart.locator('canvas').waitFor();
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 90_000 })
      .toBeGreaterThan(0);
    expect(await chart.getAttribute('data-lanes')).toBe('1');
    // The canvas has something drawn on it.
    type Canvas = {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      };
    };
    const painted = await chart.locator('canvas').evaluate((el) => {
      const c = el as unknown as Canvas;
      const ctx = c.getContext('2d');
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(100);
    // A device's name is text, never markup.
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.locator('tr[data-rule]').getByText(XSS_NAME).waitFor();
    await shot('solar');
  });

  it('replays a CSV day with edited settings and shows energy on solar, import and switches', async () => {
    await page.getByRole('link', { name: 'Replay', exact: true }).click();
    await page.getByText('No replay yet').waitFor();
    await page.getByRole('button', { name: 'A CSV' }).click();
    // A malformed CSV is explained where it was sent.
    await page.getByLabel(/^CSV:/).fill('this is not a csv');
    await page.getByRole('button', { name: 'Run the replay' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /could not replay/i })
      .waitFor();
    await page.getByRole('button', { name: 'Use the sample day' }).click();
    await page.getByText('A simulated home battery').click();
    await page.getByText('Settings for this replay').click();
    await page.locator('input[name="replay-enableDelayS"]').fill('60');
    await page.getByRole('button', { name: 'Run the replay' }).click();
    const result = page.getByTestId('replay-result');
    await result.waitFor();
    expect(await page.getByTestId('replay-solar').textContent()).toMatch(/kWh$/);
    await result.locator(`tr[data-replay-device="${XSS_NAME}"]`).waitFor();
    const chart = page.getByTestId('replay-chart');
    await chart.locator('canvas').waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(5);
    await result.getByTestId('decision-log').locator('li').first().waitFor();
    await shot('replay');
  });

  it("shows today's solar production and consumption on the overview", async () => {
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const today = page.getByTestId('solar-today');
    await today.getByText('house meter').waitFor();
    await expect.poll(() => page.getByTestId('today-pv').textContent()).toMatch(/kWh$/);
    await shot('overview-solar');
  });

  it('offers Reboot on an ASIC that can, and says why it could not', async () => {
    await page.goto(`${run.url}/#/devices/${asicId}`);
    await page.getByRole('button', { name: 'Reboot' }).click();
    await page
      .getByTestId('reboot')
      .getByRole('alert')
      .filter({ hasText: /could not reboot: .*not connected/i })
      .waitFor({ timeout: 30_000 });
    expect(dialogs.some((d) => d.startsWith('confirm: Reboot'))).toBe(true);
    await shot('asic-reboot-error');
  });

  it('looks right on a phone, in the dark theme', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    const p = await phone.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(run.url);
    await p.getByLabel('Username').fill('admin');
    await p.getByLabel('Password').fill(ADMIN_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('overview-stats').waitFor();
    await p.goto(`${run.url}/#/energy`);
    await p.getByTestId('day-chart').locator('canvas').waitFor();
    // Nothing wider than the phone, and the dark palette is the one in use.
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await p.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(15, 18, 22)');
    await shot('solar-phone-dark', p);
    await phone.close();
  });

  it('a viewer sees the solar pages and can change nothing', async () => {
    expect(
      (
        await admin.post('/api/v1/users', {
          username: 'watcher',
          password: 'viewer-password',
          role: 'viewer',
        })
      ).status,
    ).toBe(201);
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(run.url);
    await p.getByLabel('Username').fill('watcher');
    await p.getByLabel('Password').fill('viewer-password');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('overview-stats').waitFor();
    await p.goto(`${run.url}/#/energy/sources`);
    await p.locator('tr[data-source="house meter"]').waitFor();
    expect(await p.getByRole('button', { name: 'Add an energy source' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await p.goto(`${run.url}/#/energy/schedules`);
    await p.locator('tr[data-schedule="night tariff"]').waitFor();
    expect(await p.getByRole('button', { name: 'Add a schedule' }).count()).toBe(0);
    expect(await p.getByRole('checkbox', { name: 'night tariff enabled' }).isDisabled()).toBe(true);
    await p.goto(`${run.url}/#/energy`);
    await p.locator('tr[data-rule]').waitFor();
    expect(await p.getByRole('button', { name: 'Add a device or group' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
    expect(await p.getByLabel('Run devices on solar surplus').isDisabled()).toBe(true);
    await p.getByTestId('decision-log').waitFor();
    await p.goto(`${run.url}/#/devices/${asicId}`);
    await p.getByRole('heading', { name: 'Hash boards' }).waitFor();
    expect(await p.getByRole('button', { name: 'Reboot' }).count()).toBe(0);
    await shot('solar-viewer', p);
    await ctx.close();
    expect(pageErrors).toEqual([]);
  });
});
