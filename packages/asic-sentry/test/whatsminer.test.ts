import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { AntminerSim } from '@mrm/simulators/asics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// The Whatsminer simulator is not in the simulators' index yet (shared file); imported by path.
import { WhatsminerSim } from '../../simulators/src/asics/whatsminer.js';
import { Probes } from '../src/drivers/types.js';
import {
  WHATSMINER_FIRMWARE_V2,
  WHATSMINER_FIRMWARE_V3,
  whatsminerDriver,
} from '../src/drivers/whatsminer.js';
import {
  aesEcbDecrypt,
  aesEcbEncrypt,
  md5Crypt,
  v2AesKey,
  v2Token,
  v3Token,
} from '../src/drivers/whatsminer-crypto.js';
import { AsicError } from '../src/errors.js';
import { encodeV3Frame, v3FrameComplete } from '../src/transport/whatsminer-v3.js';

const fx = (dir: string, f: string) =>
  JSON.parse(
    readFileSync(new URL(`../../simulators/fixtures/asic/whatsminer/${dir}/${f}`, import.meta.url), 'utf8'),
  );
const v2 = (f: string) => fx('api-v2.0.5-fw20230803_asic-rs', f);
const v3 = (f: string) => fx('api-v3-m60s_asic-rs', f);
const target = (ip: string, extra: Record<string, unknown> = {}) => ({
  ip,
  timeoutMs: 2000,
  maxBytes: 1024 * 1024,
  ...extra,
});

function rawExchange(host: string, port: number, req: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host, port }, () => s.write(req));
    s.on('data', (d) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (port === 4433 && v3FrameComplete(all)) {
        s.destroy();
        resolve(all);
      }
    });
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

async function expectReason(p: Promise<unknown>, reason: string) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(AsicError);
  expect((err as AsicError).reason).toBe(reason);
}

describe('whatsminer crypto', () => {
  it('MD5-crypt matches `openssl passwd -1` (values computed with OpenSSL 3)', () => {
    // openssl passwd -1 -salt BQ5hoXV9 admin
    expect(md5Crypt('admin', 'BQ5hoXV9')).toBe('$1$BQ5hoXV9$RxmaDUO33TS7O26yeMHZ81');
    // openssl passwd -1 -salt abc 'pässwörd-with-more-than-16-chars'
    expect(md5Crypt('pässwörd-with-more-than-16-chars', '$1$abc$')).toBe('$1$abc$Bx0uUN9YSAcRhxxRe/f8t1');
  });

  it('AES-256-ECB round-trips with zero padding and the v2 token is the 4th $-field', () => {
    const tok = v2Token('admin', { time: '1700000000', salt: 'BQ5hoXV9', newsalt: 'abcdefgh' });
    expect(tok.hostPasswdMd5).toBe('RxmaDUO33TS7O26yeMHZ81');
    expect(tok.hostSign).toBe(md5Crypt(`${tok.hostPasswdMd5}1700000000`, 'abcdefgh').split('$')[3]);
    const key = v2AesKey(tok.hostPasswdMd5);
    const enc = aesEcbEncrypt('{"cmd":"power_on"}', key);
    expect(Buffer.from(enc, 'base64').length).toBe(32);
    expect(aesEcbDecrypt(enc, key)).toBe('{"cmd":"power_on"}');
  });

  it('v3 token is 8 base64 chars of sha256(cmd+password+salt+ts)', () => {
    const t = v3Token('set.system.reboot', 'super', 'uhCiDyVj', 1700000000);
    expect(t).toHaveLength(8);
    expect(t).toBe(
      // computed independently with node:crypto
      createHash('sha256').update('set.system.rebootsuperuhCiDyVj1700000000').digest('base64').slice(0, 8),
    );
  });
});

describe('Whatsminer API v2 (4028) against the simulator', () => {
  const ip = '127.0.11.1';
  const sim = new WhatsminerSim({ host: ip });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  afterEach(() => {
    Object.assign(sim.state, {
      hashrateScale: 1,
      tempOffset: 0,
      sleeping: false,
      poolUser: undefined,
      powerLimitW: undefined,
    });
  });

  it('serves the recording byte for byte with the NUL terminator', async () => {
    const raw = await rawExchange(ip, 4028, '{"command":"summary"}');
    const recorded = readFileSync(
      new URL(
        '../../simulators/fixtures/asic/whatsminer/api-v2.0.5-fw20230803_asic-rs/summary.json',
        import.meta.url,
      ),
    );
    expect(raw.at(-1)).toBe(0);
    expect(raw.subarray(0, -1).equals(recorded)).toBe(true);
  });

  it('identifies a v2 firmware from devdetails and get_version', async () => {
    const id = await whatsminerDriver.detect(new Probes(target(ip)));
    expect(id).toEqual({
      type: 'whatsminer',
      make: 'Whatsminer',
      model: sim.model,
      firmware: WHATSMINER_FIRMWARE_V2,
      firmwareVersion: v2('get_version.json').Msg.fw_ver,
    });
  });

  it('reads the recording in the common units (MH/s → H/s)', async () => {
    const r = await whatsminerDriver.read(target(ip), {
      type: 'whatsminer',
      make: 'Whatsminer',
      firmware: WHATSMINER_FIRMWARE_V2,
    });
    const s = v2('summary.json').SUMMARY[0];
    const devs = v2('devs.json').DEVS;
    const status = v2('status.json').Msg;
    expect(r.state).toBe('mining');
    expect(r.firmware).toBe(WHATSMINER_FIRMWARE_V2);
    expect(r.firmwareVersion).toBe(v2('get_version.json').Msg.fw_ver);
    expect(r.model).toBe(sim.model);
    expect(r.hashrate).toBe(s['HS RT'] * 1e6);
    expect(r.hashrateAvg).toBe(s['MHS av'] * 1e6);
    expect(r.hashrateNominal).toBe(s['Factory GHS'] * 1e9);
    expect(r.powerW).toBe(s.Power);
    expect(r.powerLimitW).toBe(Number(status.power_limit_set));
    expect(r.uptimeS).toBe(s.Elapsed);
    expect(r.mac).toBe(s.MAC);
    expect(r.hostname).toBe(v2('get_miner_info.json').Msg.hostname);
    expect(r.fans).toEqual([
      { name: 'in', rpm: s['Fan Speed In'] },
      { name: 'out', rpm: s['Fan Speed Out'] },
    ]);
    expect(r.boards).toHaveLength(devs.length);
    expect(r.boards[1]).toEqual({
      index: devs[1].Slot,
      hashrate: devs[1]['MHS av'] * 1e6,
      chips: devs[1]['Effective Chips'],
      boardTemp: devs[1].Temperature,
      chipTemp: devs[1]['Chip Temp Max'],
      status: 'ok',
    });
    expect(r.pools.map((p) => p.url)).toEqual(v2('pools.json').POOLS.map((p: any) => p.URL));
    expect(r.pools[0]).toMatchObject({ user: 'asic-rs.test', accepted: v2('pools.json').POOLS[0].Accepted });
    expect(r.errors).toEqual([]);
    expect(r.efficiencyJTH).toBeCloseTo(s.Power / (s['HS RT'] / 1e6), 2);
  });

  it('shows hashrateScale, tempOffset, poolUser and sleeping', async () => {
    Object.assign(sim.state, { hashrateScale: 0.5, tempOffset: 5, poolUser: 'thief.1' });
    const s = v2('summary.json').SUMMARY[0];
    let r = await whatsminerDriver.read(target(ip));
    expect(r.hashrate).toBeCloseTo(s['HS RT'] * 0.5 * 1e6, -3);
    expect(r.boards[0]!.boardTemp).toBe(v2('devs.json').DEVS[0].Temperature + 5);
    expect(r.pools.every((p) => p.user === 'thief.1')).toBe(true);
    sim.state.sleeping = true;
    r = await whatsminerDriver.read(target(ip));
    expect(r.state).toBe('sleeping');
    expect(r.hashrate).toBe(0);
  });

  it('sleep, wake, power target and reboot go through the encrypted write API', async () => {
    await whatsminerDriver.control.sleep!(target(ip));
    expect(sim.state.sleeping).toBe(true);
    expect((await whatsminerDriver.read(target(ip))).state).toBe('sleeping');
    await whatsminerDriver.control.wake!(target(ip));
    expect(sim.state.sleeping).toBe(false);
    await whatsminerDriver.control.setPowerTarget!(target(ip), 2800);
    expect(sim.state.powerLimitW).toBe(2800);
    expect((await whatsminerDriver.read(target(ip))).powerLimitW).toBe(2800);
    await whatsminerDriver.control.reboot!(target(ip));
    expect(sim.controls.slice(-4)).toEqual(['sleep', 'wake', 'power-target 2800', 'reboot']);
  });

  it('a wrong password is an auth error and changes nothing', async () => {
    const before = sim.controls.length;
    await expectReason(whatsminerDriver.control.sleep!(target(ip, { password: 'wrong' })), 'auth');
    expect(sim.state.sleeping).toBe(false);
    expect(sim.controls.length).toBe(before);
  });

  it('capabilities include the power target on API 2.0.5 firmware', () => {
    expect(
      whatsminerDriver.capabilities({
        type: 'whatsminer',
        make: 'Whatsminer',
        firmware: WHATSMINER_FIRMWARE_V2,
        firmwareVersion: '20230803.11.REL',
      }),
    ).toEqual(['sleep', 'wake', 'powerTarget', 'reboot']);
  });
});

describe('Whatsminer API v3 (4433) against the simulator', () => {
  const ip = '127.0.11.2';
  const sim = new WhatsminerSim({ host: ip, api: 'v3' });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  afterEach(() => {
    Object.assign(sim.state, {
      hashrateScale: 1,
      tempOffset: 0,
      sleeping: false,
      poolUser: undefined,
      powerLimitW: undefined,
    });
  });

  it('frames the recording with a 4-byte little-endian length', async () => {
    const raw = await rawExchange(ip, 4433, encodeV3Frame('{"cmd":"get.miner.status","param":"summary"}'));
    const recorded = readFileSync(
      new URL(
        '../../simulators/fixtures/asic/whatsminer/api-v3-m60s_asic-rs/get_miner_status_summary.json',
        import.meta.url,
      ),
    );
    expect(raw.readUInt32LE(0)).toBe(recorded.length);
    expect(raw.subarray(4).equals(recorded)).toBe(true);
  });

  it('identifies a v3 firmware through get.device.info', async () => {
    const info = v3('get_device_info.json').msg;
    const id = await whatsminerDriver.detect(new Probes(target(ip)));
    expect(id).toEqual({
      type: 'whatsminer',
      make: 'Whatsminer',
      model: info.miner.type.replace('_', ' '),
      firmware: WHATSMINER_FIRMWARE_V3,
      firmwareVersion: info.system.fwversion,
    });
    expect(id!.model).toBe(sim.model);
  });

  it('reads the recording in the common units (TH/s → H/s)', async () => {
    const s = v3('get_miner_status_summary.json').msg.summary;
    const edevs = v3('get_miner_status_edevs.json').msg.edevs;
    const info = v3('get_device_info.json').msg;
    const r = await whatsminerDriver.read(target(ip), {
      type: 'whatsminer',
      make: 'Whatsminer',
      firmware: WHATSMINER_FIRMWARE_V3,
    });
    expect(r.state).toBe('mining');
    expect(r.model).toBe(sim.model);
    expect(r.firmwareVersion).toBe(info.system.fwversion);
    expect(r.serial).toBe(info.miner['miner-sn']);
    expect(r.mac).toBe(info.network.mac);
    expect(r.hashrate).toBeCloseTo(s['hash-realtime'] * 1e12, 0);
    expect(r.hashrateAvg).toBeCloseTo(s['hash-average'] * 1e12, 0);
    expect(r.hashrateNominal).toBeCloseTo(s['factory-hash'] * 1e12, 0);
    expect(r.powerW).toBe(s['power-realtime']);
    expect(r.powerLimitW).toBe(s['power-limit']);
    expect(r.efficiencyJTH).toBe(s['power-rate']);
    expect(r.uptimeS).toBe(s.elapsed);
    expect(r.fans).toEqual([
      { name: 'in', rpm: s['fan-speed-in'] },
      { name: 'out', rpm: s['fan-speed-out'] },
      { name: 'psu', rpm: info.power.fanspeed },
    ]);
    expect(r.boards).toHaveLength(edevs.length);
    expect(r.boards[2]).toEqual({
      index: 2,
      hashrate: edevs[2]['hash-realtime'] * 1e12,
      chips: edevs[2]['effective-chips'],
      boardTemp: s['board-temperature'][2],
      chipTemp: edevs[2]['chip-temp-max'],
      status: 'ok',
    });
    expect(r.pools.map((p) => p.url)).toEqual(
      v3('get_miner_status_pools.json').msg.pools.map((p: any) => p.url),
    );
    expect(r.errors).toEqual([]);
  });

  it('read without an identity finds the v3 API itself', async () => {
    const r = await whatsminerDriver.read(target('127.0.11.2'));
    expect(r.firmware).toBe(WHATSMINER_FIRMWARE_V3);
  });

  it('shows hashrateScale, poolUser and sleeping', async () => {
    const s = v3('get_miner_status_summary.json').msg.summary;
    Object.assign(sim.state, { hashrateScale: 0.5, poolUser: 'thief.2' });
    let r = await whatsminerDriver.read(target(ip));
    // the simulator rounds scaled values to 2 decimals of the firmware's unit (TH/s)
    expect(r.hashrate).toBeCloseTo((Math.round(s['hash-realtime'] * 0.5 * 100) / 100) * 1e12, -3);
    expect(r.pools.every((p) => p.user === 'thief.2')).toBe(true);
    sim.state.sleeping = true;
    r = await whatsminerDriver.read(target(ip));
    expect(r.state).toBe('sleeping');
    expect(r.hashrate).toBe(0);
  });

  it('control uses set.miner.service / power_limit / reboot with the per-command token', async () => {
    await whatsminerDriver.control.sleep!(target(ip));
    expect(sim.state.sleeping).toBe(true);
    await whatsminerDriver.control.wake!(target(ip));
    expect(sim.state.sleeping).toBe(false);
    await whatsminerDriver.control.setPowerTarget!(target(ip), 3000);
    expect(sim.state.powerLimitW).toBe(3000);
    expect((await whatsminerDriver.read(target(ip))).powerLimitW).toBe(3000);
    await whatsminerDriver.control.reboot!(target(ip));
    expect(sim.controls).toEqual(['sleep', 'wake', 'power-target 3000', 'reboot']);
  });

  it('a wrong password is an auth error (code -4)', async () => {
    await expectReason(whatsminerDriver.control.sleep!(target(ip, { password: 'nope' })), 'auth');
    expect(sim.state.sleeping).toBe(false);
  });
});

describe('Whatsminer driver edge cases', () => {
  const sims: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('detect() is null for an Antminer and for a silent host', async () => {
    const ant = new AntminerSim({ host: '127.0.11.3', ports: { http: 8011 } });
    sims.push(ant);
    await ant.start();
    expect(await whatsminerDriver.detect(new Probes(target('127.0.11.3')))).toBeNull();
    expect(await whatsminerDriver.detect(new Probes(target('127.0.11.4', { timeoutMs: 500 })))).toBeNull();
  });

  it('a slow v2 miner gives reason timeout', async () => {
    const sim = new WhatsminerSim({ host: '127.0.11.5' }, { slowMs: 800 });
    sims.push(sim);
    await sim.start();
    await expectReason(
      whatsminerDriver.read(target('127.0.11.5', { timeoutMs: 300 }), {
        type: 'whatsminer',
        make: 'Whatsminer',
        firmware: WHATSMINER_FIRMWARE_V2,
      }),
      'timeout',
    );
  });

  it('a slow v3 miner gives reason timeout', async () => {
    const sim = new WhatsminerSim({ host: '127.0.11.6', api: 'v3' }, { slowMs: 800 });
    sims.push(sim);
    await sim.start();
    await expectReason(
      whatsminerDriver.read(target('127.0.11.6', { timeoutMs: 300 }), {
        type: 'whatsminer',
        make: 'Whatsminer',
        firmware: WHATSMINER_FIRMWARE_V3,
      }),
      'timeout',
    );
  });

  it('garbage from the miner is malformed, not a crash', async () => {
    const sim = new WhatsminerSim({ host: '127.0.11.7', api: 'v3' }, { fault: 'garbage' });
    sims.push(sim);
    await sim.start();
    const err = await whatsminerDriver
      .read(target('127.0.11.7'), {
        type: 'whatsminer',
        make: 'Whatsminer',
        firmware: WHATSMINER_FIRMWARE_V3,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AsicError);
    expect(['malformed', 'too_large', 'timeout']).toContain(err.reason);
  });
});
