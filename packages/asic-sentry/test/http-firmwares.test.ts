import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BitaxeSim } from '../../simulators/src/asics/bitaxe.js';
import { EpicSim } from '../../simulators/src/asics/epic.js';
import { GoldshellSim } from '../../simulators/src/asics/goldshell.js';
import { IceriverSim } from '../../simulators/src/asics/iceriver.js';
import { defaultSimState } from '../../simulators/src/asics/types.js';
import { bitaxeDriver } from '../src/drivers/bitaxe.js';
import { epicDriver } from '../src/drivers/epic.js';
import { goldshellDriver } from '../src/drivers/goldshell.js';
import { iceriverDriver } from '../src/drivers/iceriver.js';
import { Probes } from '../src/drivers/types.js';
import { AsicError } from '../src/errors.js';

const fixture = (rel: string): any =>
  JSON.parse(readFileSync(new URL(`../../simulators/fixtures/asic/${rel}`, import.meta.url), 'utf8'));

const IP = {
  bitaxe: '127.0.12.10',
  goldshell: '127.0.12.20',
  iceriver: '127.0.12.30',
  epic: '127.0.12.40',
  nothing: '127.0.12.250',
};

const target = (ip: string, extra: Record<string, unknown> = {}) => ({
  ip,
  timeoutMs: 2000,
  maxBytes: 1024 * 1024,
  ...extra,
});
const probes = (ip: string) => new Probes(target(ip));

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AsicError);
    return (err as AsicError).reason;
  }
  throw new Error('expected an AsicError');
}

const close = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.abs(b) * 1e-9 + 1e-6);

const bitaxe = new BitaxeSim({ host: IP.bitaxe });
const goldshell = new GoldshellSim({ host: IP.goldshell });
const iceriver = new IceriverSim({ host: IP.iceriver });
const epic = new EpicSim({ host: IP.epic });
const sims = [bitaxe, goldshell, iceriver, epic];
const drivers = {
  bitaxe: bitaxeDriver,
  goldshell: goldshellDriver,
  iceriver: iceriverDriver,
  epic: epicDriver,
};

beforeAll(async () => {
  for (const s of sims) await s.start();
});
afterAll(async () => {
  for (const s of sims) await s.stop();
});
beforeEach(() => {
  for (const s of sims) {
    Object.assign(s.state, defaultSimState(), { poolUser: undefined, powerLimitW: undefined });
    s.controls.length = 0;
  }
});

describe('identification across the HTTP firmwares', () => {
  it('each driver claims its own simulator and no other', async () => {
    const expected = {
      bitaxe: {
        type: 'bitaxe',
        make: 'Bitaxe',
        model: 'Bitaxe Supra',
        firmware: 'AxeOS',
        firmwareVersion: 'v2.4.5-3-gb5d1e36-dirty',
      },
      goldshell: {
        type: 'goldshell',
        make: 'Goldshell',
        model: 'Goldshell CK5',
        firmware: 'stock',
        firmwareVersion: '2.0.1',
      },
      iceriver: {
        type: 'iceriver',
        make: 'IceRiver',
        model: 'IceRiver KS5L',
        firmware: 'stock',
        firmwareVersion: '3.2.10',
      },
      epic: { type: 'epic', make: 'ePIC', model: 'AntMiner S19 XP', firmware: 'ePIC' },
    } as const;
    for (const [host, ip] of Object.entries(IP)) {
      if (host === 'nothing') continue;
      // One Probes per host, shared by all drivers, as identification does.
      const p = probes(ip);
      for (const [type, d] of Object.entries(drivers)) {
        const id = await d.detect(p);
        if (type === host) expect(id).toEqual(expected[type as keyof typeof expected]);
        else expect(id, `${type} on ${host}`).toBeNull();
      }
    }
    // The simulators' own expectations agree.
    expect(bitaxe.model).toBe(expected.bitaxe.model);
    expect(goldshell.model).toBe(expected.goldshell.model);
    expect(iceriver.model).toBe(expected.iceriver.model);
    expect(epic.model).toBe(expected.epic.model);
  });

  it('a silent address is nobody', async () => {
    const p = new Probes(target(IP.nothing, { timeoutMs: 300 }));
    for (const d of Object.values(drivers)) expect(await d.detect(p)).toBeNull();
  });

  it('the ePIC simulator survives a cgminer JSON request on 4028 and keeps answering', async () => {
    const answer = await new Promise<string>((resolve) => {
      const sock = connect({ host: IP.epic, port: 4028 }, () => sock.write('{"command":"version"}'));
      let buf = '';
      sock.on('data', (d) => (buf += d.toString()));
      sock.on('close', () => resolve(buf));
      sock.on('error', () => resolve(buf));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(await epicDriver.detect(probes(IP.epic))).not.toBeNull();
  });
});

describe('Bitaxe (AxeOS)', () => {
  const info = fixture('bitaxe/axeos-2.0.0_asic-rs/api_system_info.json');

  it('reads the recorded /api/system/info', async () => {
    const r = await bitaxeDriver.read(target(IP.bitaxe));
    expect(r.make).toBe('Bitaxe');
    expect(r.model).toBe('Bitaxe Supra'); // ASICModel BM1368 = Supra
    expect(r.firmwareVersion).toBe(info.version);
    expect(r.hashrate).toBe(info.hashRate * 1e9); // GH/s
    expect(r.powerW).toBe(info.power);
    expect(r.boards).toEqual([
      { index: 0, hashrate: info.hashRate * 1e9, chips: info.asicCount, chipTemp: info.temp, status: 'ok' },
    ]);
    expect(r.fans).toEqual([{ name: 'fan1', rpm: info.fanrpm }]);
    expect(r.uptimeS).toBe(info.uptimeSeconds);
    expect(r.mac).toBe(info.macAddr);
    expect(r.hostname).toBe(info.hostname);
    expect(r.pools[0]).toMatchObject({
      url: `${info.stratumURL}:${info.stratumPort}`,
      user: info.stratumUser,
      status: 'active',
      accepted: info.sharesAccepted,
    });
    expect(r.pools[1]).toMatchObject({
      url: `${info.fallbackStratumURL}:${info.fallbackStratumPort}`,
      status: 'standby',
    });
    expect(r.state).toBe('mining');
    close(r.efficiencyJTH!, Math.round((info.power / (info.hashRate / 1000)) * 100) / 100);
  });

  it('shows hashrate scale, temperature offset and a hijacked pool user', async () => {
    Object.assign(bitaxe.state, { hashrateScale: 0.5, tempOffset: 5, poolUser: 'thief.worker' });
    const r = await bitaxeDriver.read(target(IP.bitaxe));
    expect(r.hashrate).toBe(info.hashRate * 0.5 * 1e9);
    expect(r.boards[0]!.chipTemp).toBe(info.temp + 5);
    expect(r.pools.map((p) => p.user)).toEqual(['thief.worker', 'thief.worker']);
  });

  it('pause, resume and restart reach the firmware once each', async () => {
    expect(bitaxeDriver.capabilities(undefined)).toEqual(['sleep', 'wake', 'reboot']);
    await bitaxeDriver.control.sleep!(target(IP.bitaxe));
    expect(bitaxe.state.sleeping).toBe(true);
    const asleep = await bitaxeDriver.read(target(IP.bitaxe));
    expect(asleep.state).toBe('sleeping');
    expect(asleep.hashrate).toBe(0);
    await bitaxeDriver.control.wake!(target(IP.bitaxe));
    expect(bitaxe.state.sleeping).toBe(false);
    expect((await bitaxeDriver.read(target(IP.bitaxe))).state).toBe('mining');
    await bitaxeDriver.control.reboot!(target(IP.bitaxe));
    expect(bitaxe.controls).toEqual(['sleep', 'wake', 'reboot']);
  });

  it('a slow unit is a timeout', async () => {
    bitaxe.state.slowMs = 600;
    expect(await reason(bitaxeDriver.read(target(IP.bitaxe, { timeoutMs: 200 })))).toBe('timeout');
  });
});

describe('Goldshell', () => {
  const devs = fixture('goldshell/ck5_foreman/mcb_cgminer_cgminercmd-devs.json').data as any[];
  const pools = fixture('goldshell/ck5_foreman/mcb_pools.json') as any[];
  const setting = fixture('goldshell/detect_foreman/mcb_setting.json');
  const temps = (s: string) => s.split('/').map((x) => Number.parseFloat(x));

  it('reads devs, pools, status and setting', async () => {
    const r = await goldshellDriver.read(target(IP.goldshell));
    expect(r.model).toBe('Goldshell CK5');
    expect(r.firmwareVersion).toBe('2.0.1');
    expect(r.mac).toBe(setting.name);
    expect(r.algorithm).toBe('Eaglesong');
    expect(r.boards).toHaveLength(devs.length);
    devs.forEach((d, i) => {
      const b = r.boards[i]!;
      expect(b.index).toBe(d.id);
      close(b.hashrate!, d.hashrate * 1e6); // MH/s
      const [chip, board] = temps(d.temp); // "83.0 Â°C / 73.8 Â°C"
      expect(b.chipTemp).toBe(chip);
      expect(b.boardTemp).toBe(board);
    });
    close(
      r.hashrate!,
      devs.reduce((s, d) => s + d.hashrate * 1e6, 0),
    );
    close(
      r.hashrateAvg!,
      devs.reduce((s, d) => s + d.av_hashrate * 1e6, 0),
    );
    expect(r.fans).toEqual(
      devs[0].fanspeed
        .split('/')
        .map((f: string, i: number) => ({ name: `fan${i + 1}`, rpm: Number.parseInt(f, 10) })),
    );
    expect(r.pools.map((p) => [p.url, p.status])).toEqual(
      pools.map((p) => [p.url, p.active ? 'active' : 'standby']),
    );
    expect(r.pools[0]!.accepted).toBe(devs.reduce((s, d) => s + d.accepted, 0));
    expect(r.state).toBe('mining');
  });

  it('shows hashrate scale, temperature offset and a hijacked pool user', async () => {
    Object.assign(goldshell.state, { hashrateScale: 0.5, tempOffset: 2, poolUser: 'thief' });
    const r = await goldshellDriver.read(target(IP.goldshell));
    close(r.boards[0]!.hashrate!, (Math.round(devs[0].hashrate * 0.5 * 100) / 100) * 1e6);
    expect(r.boards[0]!.chipTemp).toBeCloseTo(temps(devs[0].temp)[0]! + 2, 5);
    expect(r.pools.every((p) => p.user === 'thief')).toBe(true);
  });

  it('sleep selects the level-3 plan, wake the level-0 plan, reboot restarts', async () => {
    await goldshellDriver.control.sleep!(target(IP.goldshell));
    expect(goldshell.state.sleeping).toBe(true);
    const asleep = await goldshellDriver.read(target(IP.goldshell));
    expect(asleep.state).toBe('sleeping');
    expect(asleep.hashrate).toBe(0);
    await goldshellDriver.control.wake!(target(IP.goldshell));
    expect(goldshell.state.sleeping).toBe(false);
    expect((await goldshellDriver.read(target(IP.goldshell))).state).toBe('mining');
    await goldshellDriver.control.reboot!(target(IP.goldshell));
    expect(goldshell.controls).toEqual(['sleep', 'wake', 'reboot']);
  });

  it('a unit without a level-3 plan (as recorded) refuses sleep as unsupported, sending nothing', async () => {
    const plans = (goldshell as any).setting.powerplans as any[];
    const sleepPlan = plans.pop();
    try {
      expect(plans).toEqual(setting.powerplans);
      expect(await reason(goldshellDriver.control.sleep!(target(IP.goldshell)))).toBe('unsupported');
      expect(goldshell.controls).toEqual([]);
    } finally {
      plans.push(sleepPlan);
    }
  });

  it('a wrong password is an auth error and changes nothing', async () => {
    expect(await reason(goldshellDriver.control.sleep!(target(IP.goldshell, { password: 'wrong' })))).toBe(
      'auth',
    );
    expect(goldshell.state.sleeping).toBe(false);
    expect(goldshell.controls).toEqual([]);
  });

  it('a slow unit is a timeout', async () => {
    goldshell.state.slowMs = 600;
    expect(await reason(goldshellDriver.read(target(IP.goldshell, { timeoutMs: 200 })))).toBe('timeout');
  });
});

describe('IceRiver', () => {
  const d = fixture('iceriver/ks5l-icm168-3.2.10_blog/user_userpanel_post-4.json').data;
  const g = (s: string) => Number.parseFloat(s) * 1e9; // "15011G", unit "G"

  it('logs in and reads the userpanel', async () => {
    const r = await iceriverDriver.read(target(IP.iceriver));
    expect(r.model).toBe('IceRiver KS5L'); // softver1 ICM168_3_2_10_ks5L_miner
    expect(r.firmwareVersion).toBe('3.2.10');
    expect(r.hostname).toBe(d.host);
    expect(r.mac).toBeUndefined(); // masked in the recording
    expect(r.hashrate).toBe(g(d.rtpow));
    expect(r.hashrateAvg).toBe(g(d.avgpow));
    expect(r.boards).toEqual(
      d.boards.map((b: any) => ({
        index: b.no - 1,
        hashrate: g(b.rtpow),
        chips: b.chipnum,
        boardTemp: b.intmp,
        chipTemp: b.outtmp,
        status: 'ok',
      })),
    );
    expect(r.fans.map((f) => f.rpm)).toEqual(d.fans);
    const [dd, hh, mm, ss] = d.runtime.split(':').map(Number);
    expect(r.uptimeS).toBe(((dd * 24 + hh) * 60 + mm) * 60 + ss);
    expect(r.pools.map((p) => p.url)).toEqual(d.pools.map((p: any) => p.addr));
    expect(r.pools[0]).toMatchObject({
      status: 'active',
      accepted: d.pools[0].accepted,
      user: d.pools[0].user,
    });
    expect(r.state).toBe('mining');
    expect(iceriverDriver.capabilities(undefined)).toEqual([]);
    expect(Object.keys(iceriverDriver.control)).toEqual([]);
  });

  it('shows hashrate scale, temperature offset and a hijacked pool user', async () => {
    Object.assign(iceriver.state, { hashrateScale: 0.5, tempOffset: 3, poolUser: 'kaspa:thief' });
    const r = await iceriverDriver.read(target(IP.iceriver));
    expect(r.hashrate).toBe(Math.round(Number.parseFloat(d.rtpow) * 0.5) * 1e9);
    expect(r.boards[0]!.boardTemp).toBe(d.boards[0].intmp + 3);
    expect(r.pools.every((p) => p.user === 'kaspa:thief')).toBe(true);
  });

  it('a unit whose power a relay cut answers nothing', async () => {
    iceriver.state.sleeping = true;
    expect(await reason(iceriverDriver.read(target(IP.iceriver)))).toBe('unreachable');
  });

  it('a wrong password is an auth error', async () => {
    expect(await reason(iceriverDriver.read(target(IP.iceriver, { password: 'wrong' })))).toBe('auth');
  });

  it('a slow unit is a timeout', async () => {
    iceriver.state.slowMs = 600;
    expect(await reason(iceriverDriver.read(target(IP.iceriver, { timeoutMs: 200 })))).toBe('timeout');
  });
});

describe('ePIC', () => {
  const s = fixture('epic/umc-v1_asic-rs/summary.json');
  const caps = fixture('epic/umc-v1_asic-rs/capabilities.json');
  const net = fixture('epic/umc-v1_asic-rs/network.json');

  it('reads summary, capabilities and network on 4028', async () => {
    const r = await epicDriver.read(target(IP.epic));
    expect(r.model).toBe(caps.Model);
    expect(r.firmwareVersion).toBe(s.Software);
    expect(r.mac).toBe(net.dhcp.mac_address);
    expect(r.hostname).toBe(s.Hostname);
    expect(r.algorithm).toBe(s.Mining.Algorithm);
    const hbs = s.HBs as any[];
    close(
      r.hashrate!,
      hbs.reduce((a, b) => a + b.Hashrate[0] * 1e6, 0),
    ); // MH/s
    close(r.hashrateAvg!, s.Session['Average MHs'] * 1e6);
    expect(r.powerW).toBe(s['Power Supply Stats']['Input Power']);
    expect(r.powerLimitW).toBe(s.PresetInfo['Target Power']);
    expect(r.uptimeS).toBe(s.Session.Uptime);
    // Board 0 is detected but disabled (HBStatus), 1 and 2 hash.
    expect(r.boards.map((b) => [b.index, b.status])).toEqual([
      [0, 'disabled'],
      [1, 'ok'],
      [2, 'ok'],
    ]);
    expect(r.boards[1]!.boardTemp).toBe(hbs[0].Temperature);
    const fans = Object.entries(s['Fans Rpm']).filter(([, v]) => v !== null);
    expect(r.fans.map((f) => f.rpm)).toEqual(fans.map(([, v]) => v));
    expect(r.pools).toEqual([
      {
        url: s.StratumConfigs[0].pool,
        user: s.StratumConfigs[0].login,
        status: 'active',
        accepted: s.Session.Accepted,
        rejected: s.Session.Rejected,
      },
    ]);
    expect(r.state).toBe('mining');
  });

  it('shows hashrate scale, temperature offset and a hijacked pool user', async () => {
    Object.assign(epic.state, { hashrateScale: 0.5, tempOffset: 4, poolUser: 'thief' });
    const r = await epicDriver.read(target(IP.epic));
    close(r.boards[1]!.hashrate!, s.HBs[0].Hashrate[0] * 0.5 * 1e6);
    expect(r.boards[1]!.boardTemp).toBe(s.HBs[0].Temperature + 4);
    expect(r.pools[0]!.user).toBe('thief');
  });

  it('Stop/Autostart sleep and wake it, reboot reboots', async () => {
    await epicDriver.control.sleep!(target(IP.epic));
    expect(epic.state.sleeping).toBe(true);
    const asleep = await epicDriver.read(target(IP.epic));
    expect(asleep.state).toBe('sleeping');
    expect(asleep.hashrate).toBe(0);
    await epicDriver.control.wake!(target(IP.epic));
    expect((await epicDriver.read(target(IP.epic))).state).toBe('mining');
    await epicDriver.control.reboot!(target(IP.epic));
    expect(epic.controls).toEqual(['sleep', 'wake', 'reboot']);
  });

  it('a wrong password is an auth error and changes nothing', async () => {
    expect(await reason(epicDriver.control.sleep!(target(IP.epic, { password: 'wrong' })))).toBe('auth');
    expect(epic.state.sleeping).toBe(false);
    expect(epic.controls).toEqual([]);
  });

  it('a slow unit is a timeout', async () => {
    epic.state.slowMs = 600;
    expect(await reason(epicDriver.read(target(IP.epic, { timeoutMs: 200 })))).toBe('timeout');
  });
});
