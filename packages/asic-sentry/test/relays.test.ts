import { afterEach, describe, expect, it } from 'vitest';
import { ShellySim } from '../../simulators/src/relays/shelly.js';
import { TasmotaSim } from '../../simulators/src/relays/tasmota.js';
import { AsicError } from '../src/errors.js';
import { relayDrivers, setRelaySafely } from '../src/relays/index.js';
import { RelayGuard } from '../src/relays/rate-limit.js';
import type { RelayKind, RelayTarget } from '../src/relays/types.js';

// Loopback range of this suite: 127.0.14.1–127.0.14.254; the plugs answer on their real port 80.
let nextHost = 1;
const host = () => `127.0.14.${nextHost++}`;
const sims: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

type Sim = ShellySim | TasmotaSim;
async function startSim(kind: RelayKind, opts: Record<string, unknown> = {}): Promise<Sim> {
  const base = { host: host(), ...opts };
  const sim =
    kind === 'tasmota'
      ? new TasmotaSim(base as any)
      : new ShellySim({ ...(base as any), generation: kind === 'shelly-gen1' ? 1 : 2 });
  await sim.start();
  sims.push(sim);
  return sim;
}

const target = (kind: RelayKind, sim: Sim, extra: Partial<RelayTarget> = {}): RelayTarget => ({
  kind,
  host: sim.host,
  timeoutMs: 2000,
  maxBytes: 64 * 1024,
  ...extra,
});

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AsicError);
    return (err as AsicError).reason;
  }
  throw new Error('expected an AsicError');
}

const kinds: RelayKind[] = ['shelly-gen1', 'shelly-gen2', 'tasmota'];

describe.each(kinds)('%s relay', (kind) => {
  const driver = relayDrivers[kind];

  it('is registered under its kind', () => {
    expect(driver.kind).toBe(kind);
  });

  it('reads and switches each channel of a two-output device', async () => {
    const sim = await startSim(kind, { channels: 2, initial: [true, false] });
    const ch0 = target(kind, sim, { channel: 0 });
    const ch1 = target(kind, sim, { channel: 1 });
    expect(await driver.get(ch0)).toBe(true);
    expect(await driver.get(ch1)).toBe(false);

    await driver.set(ch0, false);
    expect(sim.outputs).toEqual([false, false]);
    await driver.set(ch1, true);
    expect(sim.outputs).toEqual([false, true]);
    expect(await driver.get(ch0)).toBe(false);
    expect(await driver.get(ch1)).toBe(true);

    expect(sim.switches.map((s) => [s.channel, s.on])).toEqual([
      [0, false],
      [1, true],
    ]);
    expect(sim.commands).toHaveLength(2); // each set() sent its command exactly once
    for (const s of sim.switches) expect(s.at).toBeGreaterThan(0);
  });

  it('works on a one-output device (channel defaults to 0)', async () => {
    const sim = await startSim(kind, { initial: [false] });
    const t = target(kind, sim);
    expect(await driver.get(t)).toBe(false);
    await driver.set(t, true);
    expect(sim.outputs).toEqual([true]);
    expect(await driver.get(t)).toBe(true);
  });

  it('uses the password when the device has one, and a wrong one is reason auth', async () => {
    const sim = await startSim(kind, { password: 's3cret' });
    expect(await driver.get(target(kind, sim, { password: 's3cret' }))).toBe(true);
    await driver.set(target(kind, sim, { password: 's3cret' }), false);
    expect(sim.outputs).toEqual([false]);

    expect(await reason(driver.get(target(kind, sim, { password: 'wrong' })))).toBe('auth');
    expect(await reason(driver.get(target(kind, sim)))).toBe('auth');
    expect(await reason(driver.set(target(kind, sim, { password: 'wrong' }), true))).toBe('auth');
    expect(sim.outputs).toEqual([false]);
    expect(sim.commands).toHaveLength(1);
  });

  it('a slow device gives reason timeout', async () => {
    const sim = await startSim(kind, { slowMs: 800 });
    expect(await reason(driver.get(target(kind, sim, { timeoutMs: 200 })))).toBe('timeout');
  });

  it('a channel the device does not have is an error, not a state', async () => {
    const sim = await startSim(kind);
    const r = await reason(driver.get(target(kind, sim, { channel: 3 })));
    // Shelly answers a missing channel with an HTTP/RPC error; Tasmota with {"Command":"Unknown"}.
    expect(r).toBe(kind === 'tasmota' ? 'unsupported' : 'http_status');
  });

  it('throws refused_command when the relay does not change', async () => {
    const sim = await startSim(kind);
    // A relay that acknowledges but does not switch (e.g. a locked output).
    (sim as any).switchTo = function (this: any, channel: number, on: boolean, path: string) {
      this.commands.push({ at: Date.now(), channel, on, path });
      return this.outputs[channel];
    };
    expect(await reason(driver.set(target(kind, sim), false))).toBe('refused_command');
    expect(sim.commands).toHaveLength(1);
    expect(sim.outputs).toEqual([true]);
  });

  it('setRelaySafely does nothing when the relay is already as wanted', async () => {
    const sim = await startSim(kind);
    const r = await setRelaySafely(driver, target(kind, sim), true);
    expect(r).toEqual({ changed: false, state: true });
    expect(sim.commands).toHaveLength(0);
  });

  it('setRelaySafely switches once', async () => {
    const sim = await startSim(kind);
    const r = await setRelaySafely(driver, target(kind, sim), false);
    expect(r).toEqual({ changed: true, state: false });
    expect(sim.commands).toHaveLength(1);
    expect(sim.outputs).toEqual([false]);
  });

  it('a switch command that times out is not resent; the state is read back and reported', async () => {
    // The device carries the command out at once but answers after 1.5 s; reads stay fast.
    const sim = await startSim(kind, { slowSetMs: 1500 });
    const t = target(kind, sim, { timeoutMs: 400 });
    const r = await setRelaySafely(driver, t, false);
    expect(r.changed).toBe(true);
    expect(r.state).toBe(false);
    expect(r.note).toMatch(/timed out/);
    expect(r.note).toMatch(/not resent/);
    expect(sim.commands).toHaveLength(1);
    expect(sim.switches).toHaveLength(1);
    // Wait past the late answer: still exactly one command ever reached the device.
    await new Promise((res) => setTimeout(res, 1300));
    expect(sim.commands).toHaveLength(1);
  });

  it('a timed-out command the device did not carry out is reported as not changed', async () => {
    const sim = await startSim(kind, { slowSetMs: 1500 });
    (sim as any).switchTo = function (this: any, channel: number, on: boolean, path: string) {
      this.commands.push({ at: Date.now(), channel, on, path });
      return this.outputs[channel];
    };
    const r = await setRelaySafely(driver, target(kind, sim, { timeoutMs: 400 }), false);
    expect(r).toMatchObject({ changed: false, state: true });
    expect(r.note).toMatch(/still on/);
    expect(sim.commands).toHaveLength(1);
  });

  it('when both the command and the read-back time out, the outcome is reported unknown', async () => {
    const sim = await startSim(kind, { slowSetMs: 1500 });
    // The device goes slow for everything once it has carried out the command.
    const original = (sim as any).switchTo.bind(sim);
    (sim as any).switchTo = (channel: number, on: boolean, path: string) => {
      sim.slowMs = 1500;
      return original(channel, on, path);
    };
    const p = setRelaySafely(driver, target(kind, sim, { timeoutMs: 300 }), false);
    await expect(p).rejects.toMatchObject({
      reason: 'timeout',
      message: expect.stringMatching(/outcome unknown/),
    });
    expect(sim.commands).toHaveLength(1);
  });
});

describe('Tasmota specifics', () => {
  it('answers {"POWER":…} on one relay and {"POWER<n>":…} on several', async () => {
    const one = await startSim('tasmota');
    const many = await startSim('tasmota', { channels: 3 });
    const get = (h: string, path: string) => fetch(`http://${h}${path}`).then((r) => r.json());
    expect(await get(one.host, '/cm?cmnd=Power1%20Off')).toEqual({ POWER: 'OFF' });
    expect(await get(many.host, '/cm?cmnd=Power3')).toEqual({ POWER3: 'ON' });
    expect(await get(many.host, '/cm?cmnd=Power4')).toEqual({ Command: 'Unknown' });
  });

  it('older firmware refusing credentials with HTTP 200 is still reason auth', async () => {
    const sim = await startSim('tasmota', { password: 'pw', legacyAuth: true });
    expect(await reason(relayDrivers.tasmota.get(target('tasmota', sim, { password: 'nope' })))).toBe('auth');
    expect(await relayDrivers.tasmota.get(target('tasmota', sim, { password: 'pw' }))).toBe(true);
  });
});

describe('Shelly Gen2 specifics', () => {
  it('answers the 401 challenge with SHA-256 Digest, executing the command once', async () => {
    const sim = (await startSim('shelly-gen2', { password: 'pw' })) as ShellySim;
    await relayDrivers['shelly-gen2'].set(target('shelly-gen2', sim, { password: 'pw' }), false);
    // set = (challenge + command) + (challenge + read-back)
    expect(sim.requests.filter((p) => p.startsWith('/rpc/Switch.Set'))).toHaveLength(2);
    expect(sim.commands).toHaveLength(1);
    expect(sim.outputs).toEqual([false]);
  });
});

describe('RelayGuard', () => {
  it('refuses to switch the same relay again inside the interval', () => {
    let now = 1_000_000;
    const guard = new RelayGuard(undefined, () => now);
    expect(guard.minIntervalMs).toBe(60_000);
    const plug = { host: '10.0.0.5', channel: 0 };
    expect(guard.tryClaim(plug)).toBe(0);
    now += 20_000;
    expect(guard.tryClaim(plug)).toBe(40_000);
    expect(guard.waitMs(plug)).toBe(40_000);
    // another channel or another plug is independent
    expect(guard.tryClaim({ host: '10.0.0.5', channel: 1 })).toBe(0);
    expect(guard.tryClaim({ host: '10.0.0.6', channel: 0 })).toBe(0);
    // a refused claim does not restart the interval
    now += 40_000;
    expect(guard.tryClaim(plug)).toBe(0);
    expect(guard.tryClaim(plug)).toBe(60_000);
  });

  it('takes a configurable interval', () => {
    let now = 0;
    const guard = new RelayGuard(5_000, () => now);
    const plug = { host: 'plug', port: 8080 };
    guard.record(plug);
    now = 4_999;
    expect(guard.waitMs(plug)).toBe(1);
    now = 5_000;
    expect(guard.tryClaim(plug)).toBe(0);
  });

  it('guards a real switch against the simulator', async () => {
    let now = 0;
    const guard = new RelayGuard(60_000, () => now);
    const sim = await startSim('shelly-gen1');
    const t = target('shelly-gen1', sim);
    expect(guard.tryClaim(t)).toBe(0);
    await setRelaySafely(relayDrivers['shelly-gen1'], t, false);
    now = 10_000;
    expect(guard.tryClaim(t)).toBe(50_000); // refused: no second switch
    expect(sim.switches).toHaveLength(1);
  });
});
