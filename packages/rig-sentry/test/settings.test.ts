import { describe, expect, it } from 'vitest';
import { defaultSettings, loadSettings } from '../src/settings.js';

describe('rig sentry settings', () => {
  it('takes the defaults an operator gets when nothing is set', () => {
    expect(loadSettings({})).toEqual(defaultSettings);
    expect(defaultSettings.apiPortOffset).toBe(0);
  });

  it('reads overrides from the environment, including the API port offset for several rigs on one machine', () => {
    const s = loadSettings({
      MRM_SENTRY_API_PORT_OFFSET: '100',
      MRM_SENTRY_PUSH: '0',
      MRM_SENTRY_POLL_MS: '5000',
    });
    expect(s).toMatchObject({ apiPortOffset: 100, push: false, pollIntervalMs: 5000 });
  });

  it('refuses a value that is not a number, with the variable named', () => {
    expect(() => loadSettings({ MRM_SENTRY_API_PORT_OFFSET: 'ten' })).toThrow(/MRM_SENTRY_API_PORT_OFFSET/);
    expect(() => loadSettings({ MRM_SENTRY_REPORT_MS: '-1' })).toThrow(/MRM_SENTRY_REPORT_MS/);
  });
});
