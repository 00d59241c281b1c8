import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AntminerSim } from '../../simulators/src/asics/antminer.js';
import { BraiinsSim } from '../../simulators/src/asics/braiins.js';
import { LuxosSim } from '../../simulators/src/asics/luxos.js';
import { VnishSim } from '../../simulators/src/asics/vnish.js';
import { braiinsDriver } from '../src/drivers/braiins.js';
import { luxosDriver, pickProfile } from '../src/drivers/luxos.js';
import { Probes } from '../src/drivers/types.js';
import { vnishDriver } from '../src/drivers/vnish.js';
import { AsicError } from '../src/errors.js';

const fx = (rel: string) =>
  readFileSync(new URL(`../../simulators/fixtures/asic/${rel}`, import.meta.url), 'utf8');
const fixture = (rel: string): any => JSON.parse(fx(rel));
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

const BOS = 'braiins/bos-26.04-rest_asic-rs/';
const BOSMINER = 'braiins/bosminer-0.2.0-s9_foreman/';
const LUX = 'luxos/luxminer-2025.4.8-s19kpro_asic-rs/';
const VN = 'vnish/s9-vnish-3.8.6-nicehash_foreman/';

// Addresses: 127.0.13.x (this file's range).
const IP = {
  bos: '127.0.13.1',
  bosminer: '127.0.13.2',
  lux: '127.0.13.3',
  vnish: '127.0.13.4',
  stock: '127.0.13.5',
  scratch: '127.0.13.10',
};

const sims = {
  bos: new BraiinsSim({ host: IP.bos }),
  bosminer: new BraiinsSim({ host: IP.bosminer, variant: 'bosminer-0.2.0-s9_foreman' }),
  lux: new LuxosSim({ host: IP.lux }),
  vnish: new VnishSim({ host: IP.vnish }),
};

beforeAll(async () => {
  await Promise.all(Object.values(sims).map((s) => s.start()));
});
afterAll(async () => {
  await Promise.all(Object.values(sims).map((s) => s.stop()));
});

const reset = () => {
  for (const s of Object.values(sims)) {
    Object.assign(s.state, {
      hashrateScale: 1,
      tempOffset: 0,
      sleeping: false,
      poolUser: undefined,
      slowMs: 0,
    });
  }
};
afterEach(reset);

describe('identification', () => {
  it('Braiins OS (REST) is found by its BOSer banner and web page', async () => {
    const id = await braiinsDriver.detect(probes(IP.bos));
    expect(id).toMatchObject({
      type: 'braiins',
      make: 'Antminer',
      model: 'Antminer S21 Pro',
      firmware: 'Braiins OS',
    });
    // Version from the recorded BOSer banner "BOSer boser-openwrt 0.1.0-11012d53".
    expect(id?.firmwareVersion).toBe('boser-openwrt 0.1.0-11012d53');
  });

  it('old BOSminer is found by its RPC banner', async () => {
    const id = await braiinsDriver.detect(probes(IP.bosminer));
    expect(id).toMatchObject({
      type: 'braiins',
      make: 'Antminer',
      model: 'Antminer S9',
      firmware: 'Braiins OS',
    });
    expect(id?.firmwareVersion).toBe(fixture(`${BOSMINER}version.json`).VERSION[0].BOSminer);
  });

  it('LuxOS is found by LUXminer, model from version Type', async () => {
    const v = fixture(`${LUX}version.json`).VERSION[0];
    expect(await luxosDriver.detect(probes(IP.lux))).toEqual({
      type: 'luxos',
      make: 'Antminer',
      model: v.Type,
      firmware: 'LuxOS',
      firmwareVersion: v.LUXminer,
    });
  });

  it('VNish is found by AnthillOS / vnish, model from /api/v1/info', async () => {
    expect(await vnishDriver.detect(probes(IP.vnish))).toEqual({
      type: 'vnish',
      make: 'Antminer',
      model: 'Antminer S9',
      firmware: 'VNish',
      firmwareVersion: sims.vnish.fwVersion,
    });
  });

  it('each driver says null for the other firmwares', async () => {
    const others: Array<[typeof braiinsDriver, string[]]> = [
      [braiinsDriver, [IP.lux, IP.vnish]],
      [luxosDriver, [IP.bos, IP.bosminer, IP.vnish]],
      [vnishDriver, [IP.bos, IP.bosminer, IP.lux]],
    ];
    for (const [d, ips] of others)
      for (const ip of ips) expect(await d.detect(probes(ip)), `${d.type} on ${ip}`).toBeNull();
  });

  it('stock Antminer firmware is none of them', async () => {
    const sim = new AntminerSim({ host: IP.stock });
    await sim.start();
    try {
      for (const d of [braiinsDriver, luxosDriver, vnishDriver])
        expect(await d.detect(probes(IP.stock)), d.type).toBeNull();
    } finally {
      await sim.stop();
    }
  });

  it('null quickly when nothing listens', async () => {
    const p = new Probes({ ip: IP.scratch, timeoutMs: 500, maxBytes: 1024 });
    expect(await braiinsDriver.detect(p)).toBeNull();
    expect(await luxosDriver.detect(p)).toBeNull();
    expect(await vnishDriver.detect(p)).toBeNull();
  });
});

describe('Braiins OS REST (26.04)', () => {
  const details = fixture(`${BOS}miner_details.json`);
  const stats = fixture(`${BOS}miner_stats.json`);
  const hb = fixture(`${BOS}miner_hw_hashboards.json`);
  const cooling = fixture(`${BOS}cooling_state.json`);
  const pools = fixture(`${BOS}pools.json`);
  const tuner = fixture(`${BOS}performance_tuner_state.json`);

  it('reads the recorded values in common units', async () => {
    const r = await braiinsDriver.read(target(IP.bos));
    expect(r.state).toBe('mining');
    expect(r.model).toBe(details.miner_identity.miner_model);
    expect(r.firmwareVersion).toBe(details.bos_version.current);
    expect(r.mac).toBe(details.mac_address);
    expect(r.serial).toBe(details.serial_number);
    expect(r.uptimeS).toBe(details.bosminer_uptime_s);
    expect(r.hashrate).toBeCloseTo(stats.miner_stats.real_hashrate.last_5s.gigahash_per_second * 1e9, -3);
    expect(r.hashrateAvg).toBeCloseTo(
      stats.miner_stats.real_hashrate.since_restart.gigahash_per_second * 1e9,
      -3,
    );
    expect(r.hashrateNominal).toBeCloseTo(stats.miner_stats.nominal_hashrate.gigahash_per_second * 1e9, -3);
    expect(r.powerW).toBe(stats.power_stats.approximated_consumption.watt);
    expect(r.efficiencyJTH).toBeCloseTo(stats.power_stats.efficiency.joule_per_terahash, 2);
    expect(r.powerLimitW).toBe(tuner.mode_state.powertargetmodestate.current_target.watt);
    expect(r.boards).toHaveLength(hb.hashboards.length);
    hb.hashboards.forEach((b: any, i: number) => {
      expect(r.boards[i]!.chips).toBe(b.chips_count);
      expect(r.boards[i]!.boardTemp).toBe(b.board_temp.degree_c);
      expect(r.boards[i]!.chipTemp).toBe(b.highest_chip_temp.temperature.degree_c);
      expect(r.boards[i]!.hashrate).toBeCloseTo(b.stats.real_hashrate.last_5s.gigahash_per_second * 1e9, -3);
    });
    expect(r.fans.map((f) => f.rpm)).toEqual(cooling.fans.map((f: any) => f.rpm));
    const flat = pools.flatMap((g: any) => g.pools);
    expect(r.pools.map((p) => p.url)).toEqual(flat.map((p: any) => p.url));
    expect(r.pools[0]).toMatchObject({
      user: flat[0].user,
      status: 'Active',
      accepted: flat[0].stats.accepted_shares,
    });
    // Entries with error codes (V2, H1) are errors, the sensor noise warnings.
    expect(r.errors.some((e) => e.includes('{ERR:V2}'))).toBe(true);
    expect(r.warnings.length).toBeGreaterThan(0);
  });

  it('serves the recording byte for byte behind the login token', async () => {
    const base = `http://${IP.bos}/api/v1`;
    expect((await fetch(`${base}/miner/stats`)).status).toBe(401);
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password: 'root' }),
    });
    const { token } = (await login.json()) as any;
    const res = await fetch(`${base}/miner/stats`, { headers: { authorization: token } });
    expect(await res.text()).toBe(fx(`${BOS}miner_stats.json`));
  });

  it('reflects hashrate scale, temperature offset and a hijacked pool user', async () => {
    Object.assign(sims.bos.state, { hashrateScale: 0.5, tempOffset: 10, poolUser: 'thief.worker' });
    const r = await braiinsDriver.read(target(IP.bos));
    expect(r.hashrate).toBeCloseTo(stats.miner_stats.real_hashrate.last_5s.gigahash_per_second * 0.5e9, -7);
    expect(r.boards[0]!.boardTemp).toBe(hb.hashboards[0].board_temp.degree_c + 10);
    expect(r.pools.every((p) => p.user === 'thief.worker')).toBe(true);
  });

  it('pause → sleeping, resume → mining, reboot, power target', async () => {
    const t = target(IP.bos);
    await braiinsDriver.control.sleep!(t);
    expect(sims.bos.state.sleeping).toBe(true);
    const r = await braiinsDriver.read(t);
    expect(r.state).toBe('sleeping');
    expect(r.hashrate).toBe(0);
    await braiinsDriver.control.wake!(t);
    expect((await braiinsDriver.read(t)).state).toBe('mining');
    await braiinsDriver.control.reboot!(t);
    await braiinsDriver.control.setPowerTarget!(t, 3000);
    expect(sims.bos.state.powerLimitW).toBe(3000);
    expect((await braiinsDriver.read(t)).powerLimitW).toBe(3000);
    expect(sims.bos.controls.slice(-4)).toEqual(['sleep', 'wake', 'reboot', 'power-target 3000']);
    expect(braiinsDriver.capabilities(undefined, r)).toEqual(['sleep', 'wake', 'powerTarget', 'reboot']);
  });

  it('wrong password → auth, for reads and control', async () => {
    const before = sims.bos.controls.length;
    expect(await reason(braiinsDriver.read(target(IP.bos, { password: 'nope' })))).toBe('auth');
    expect(await reason(braiinsDriver.control.sleep!(target(IP.bos, { password: 'nope' })))).toBe('auth');
    expect(sims.bos.controls.length).toBe(before);
    expect(sims.bos.state.sleeping).toBe(false);
  });

  it('a slow miner → timeout', async () => {
    sims.bos.state.slowMs = 800;
    expect(await reason(braiinsDriver.read(target(IP.bos, { timeoutMs: 300 })))).toBe('timeout');
  });
});

describe('Braiins OS, old BOSminer (RPC only)', () => {
  const summary = fixture(`${BOSMINER}summary.json`).SUMMARY[0];
  const devs = fixture(`${BOSMINER}devs.json`).DEVS;
  const temps = fixture(`${BOSMINER}temps.json`).TEMPS;
  const fans = fixture(`${BOSMINER}fans.json`).FANS;
  const pools = fixture(`${BOSMINER}pools.json`).POOLS;

  it('falls back to the RPC when there is no REST API', async () => {
    const r = await braiinsDriver.read(target(IP.bosminer));
    expect(r.firmware).toBe('Braiins OS');
    expect(r.model).toBe('Antminer S9');
    expect(r.hashrate).toBeCloseTo(summary['MHS 5s'] * 1e6, -1);
    expect(r.hashrateAvg).toBeCloseTo(summary['MHS av'] * 1e6, -1);
    expect(r.uptimeS).toBe(summary.Elapsed);
    expect(r.boards.map((b) => b.boardTemp)).toEqual(temps.map((t: any) => t.Board));
    expect(r.boards.map((b) => b.hashrate! / 1e6)).toEqual(
      devs.map((d: any) => expect.closeTo(d['MHS 5s'], 3)),
    );
    expect(r.fans.map((f) => f.rpm)).toEqual(fans.filter((f: any) => f.RPM > 0).map((f: any) => f.RPM));
    expect(r.pools.map((p) => p.user)).toEqual(pools.map((p: any) => p.User));
    expect(r.state).toBe('mining');
    expect(braiinsDriver.capabilities(undefined, r)).toEqual(['sleep', 'wake']);
  });

  it('pause/resume over RPC; reboot is unsupported without REST', async () => {
    const t = target(IP.bosminer);
    await braiinsDriver.control.sleep!(t);
    expect(sims.bosminer.state.sleeping).toBe(true);
    expect((await braiinsDriver.read(t)).hashrate).toBe(0);
    await braiinsDriver.control.wake!(t);
    expect(sims.bosminer.state.sleeping).toBe(false);
    expect(sims.bosminer.controls).toEqual(['sleep', 'wake']);
    expect(await reason(braiinsDriver.control.reboot!(t))).toBe('unsupported');
  });
});

describe('LuxOS', () => {
  const summary = fixture(`${LUX}summary.json`).SUMMARY[0];
  const config = fixture(`${LUX}config.json`).CONFIG[0];
  const devs = fixture(`${LUX}devs.json`).DEVS;
  const temps = fixture(`${LUX}temps.json`).TEMPS;
  const fans = fixture(`${LUX}fans.json`).FANS;
  const power = fixture(`${LUX}power.json`).POWER[0];
  const stats = fixture(`${LUX}stats.json`).STATS[1];
  const profiles = fixture(`${LUX}profiles.json`).PROFILES;

  it('reads the recorded values in common units', async () => {
    const r = await luxosDriver.read(target(IP.lux));
    expect(r).toMatchObject({
      make: 'Antminer',
      model: config.Model,
      firmware: 'LuxOS',
      serial: config.SerialNumber,
      mac: config.MACAddr,
      hostname: config.Hostname,
      uptimeS: summary.Elapsed,
      powerW: power.Watts,
      state: 'mining',
    });
    expect(r.hashrate).toBeCloseTo(summary['GHS 5s'] * 1e9, -1);
    expect(r.hashrateAvg).toBeCloseTo(summary['GHS av'] * 1e9, -1);
    expect(r.hashrateNominal).toBeCloseTo(stats.total_rateideal * 1e9, -1);
    // Current profile "290MHz" → its Watts.
    expect(r.powerLimitW).toBe(profiles.find((p: any) => p['Profile Name'] === config.Profile).Watts);
    const sorted = [...devs].sort((a: any, b: any) => a.ID - b.ID);
    expect(r.boards.map((b) => b.index)).toEqual(sorted.map((d: any) => d.ID));
    expect(r.boards.map((b) => b.hashrate! / 1e6)).toEqual(
      sorted.map((d: any) => expect.closeTo(d['MHS 5s'], 3)),
    );
    expect(r.boards.map((b) => b.boardTemp)).toEqual(
      temps.map((t: any) => Math.max(t.TopLeft, t.TopRight, t.BottomLeft, t.BottomRight)),
    );
    expect(r.boards.map((b) => b.chips)).toEqual([stats.chain_acn1, stats.chain_acn2, stats.chain_acn3]);
    expect(r.boards.every((b) => b.chipTemp === undefined)).toBe(true);
    expect(r.fans.map((f) => f.rpm)).toEqual(fans.map((f: any) => f.RPM));
    expect(r.pools.length).toBe(fixture(`${LUX}pools.json`).POOLS.length);
  });

  it('reflects scale, temperature offset and pool user', async () => {
    Object.assign(sims.lux.state, { hashrateScale: 0.5, tempOffset: 5, poolUser: 'thief.worker' });
    const r = await luxosDriver.read(target(IP.lux));
    expect(r.hashrate).toBeCloseTo(summary['GHS 5s'] * 0.5e9, -8);
    expect(r.boards[0]!.boardTemp).toBe(Math.max(temps[0].TopLeft, temps[0].TopRight) + 5);
    expect(r.pools.every((p) => p.user === 'thief.worker')).toBe(true);
  });

  it('curtail sleep / wakeup inside a session, logged off afterwards', async () => {
    const t = target(IP.lux);
    await luxosDriver.control.sleep!(t);
    expect(sims.lux.state.sleeping).toBe(true);
    expect(sims.lux.sessionId).toBeNull();
    const r = await luxosDriver.read(t);
    expect(r.state).toBe('sleeping');
    expect(r.hashrate).toBe(0);
    await luxosDriver.control.wake!(t);
    expect((await luxosDriver.read(t)).state).toBe('mining');
    await luxosDriver.control.reboot!(t);
    expect(sims.lux.controls.slice(-3)).toEqual(['sleep', 'wake', 'reboot']);
  });

  it('power target picks the largest profile at or below the watts', async () => {
    const t = target(IP.lux);
    const want = profiles.filter((p: any) => p.Watts <= 2000).sort((a: any, b: any) => b.Watts - a.Watts)[0];
    await luxosDriver.control.setPowerTarget!(t, 2000);
    expect(sims.lux.state.powerLimitW).toBe(want.Watts);
    expect(sims.lux.controls.at(-1)).toBe(`power-target ${want.Watts}`);
    expect((await luxosDriver.read(t)).powerLimitW).toBe(want.Watts);
    const smallest = Math.min(...profiles.map((p: any) => p.Watts));
    expect(await reason(luxosDriver.control.setPowerTarget!(t, smallest - 1))).toBe('refused_command');
    expect(
      pickProfile(
        [
          { name: 'a', watts: 100 },
          { name: 'b', watts: 300 },
          { name: 'c', watts: 200 },
        ],
        250,
      )?.name,
    ).toBe('c');
  });

  it('uses the open session when another one is active, and sessions expire', async () => {
    // Someone else holds the single session: logon answers 402, the driver uses `session`'s id.
    const { cgminerCommand } = await import('../src/transport/cgminer.js');
    const t = { ...target(IP.lux), port: 4028 };
    const held = await cgminerCommand(t, 'logon');
    const sid = (held.SESSION as any)[0].SessionID;
    expect(await reason(cgminerCommand(t, 'logon'))).toBe('refused_command');
    await luxosDriver.control.sleep!(t);
    expect(sims.lux.state.sleeping).toBe(true);
    await luxosDriver.control.wake!(t);
    expect(sims.lux.state.sleeping).toBe(false);
    // The borrowed session was left open for its owner, who logs off; its id is then refused.
    expect(sims.lux.sessionId).toBe(sid);
    await cgminerCommand(t, 'logoff', sid);
    expect(await reason(cgminerCommand(t, 'curtail', `${sid},sleep`))).toBe('refused_command');
    // Expiry after the idle time.
    sims.lux.sessionTtlMs = 50;
    await cgminerCommand(t, 'logon');
    await new Promise((r) => setTimeout(r, 120));
    expect(sims.lux.sessionId).toBeNull();
    sims.lux.sessionTtlMs = 60_000;
  });

  it('a slow miner → timeout', async () => {
    sims.lux.state.slowMs = 800;
    expect(await reason(luxosDriver.read(target(IP.lux, { timeoutMs: 300 })))).toBe('timeout');
  });
});

describe('VNish', () => {
  // The web API is constructed from the OpenAPI spec with the 3.8.6 recording's numbers (see VnishSim).
  const st = JSON.parse(fx(`${VN}stats.txt`).replace(/}\s*{/g, '},{')).STATS[1];
  const pools = fixture(`${VN}pools.json`).POOLS;

  it('reads /api/v1/summary and /api/v1/info', async () => {
    const r = await vnishDriver.read(target(IP.vnish));
    expect(r).toMatchObject({
      make: 'Antminer',
      model: 'Antminer S9',
      firmware: 'VNish',
      firmwareVersion: sims.vnish.fwVersion,
    });
    expect(r.state).toBe('mining');
    expect(r.hashrate).toBeCloseTo(Number(st['GHS 5s']) * 1e9, -1);
    expect(r.hashrateAvg).toBeCloseTo(st['GHS av'] * 1e9, -1);
    expect(r.hashrateNominal).toBeCloseTo(st.total_rateideal * 1e9, -1);
    // power_consumption (W) = the recording's chain_consumption6..8; never power_usage.
    expect(r.powerW).toBe(st.chain_consumption6 + st.chain_consumption7 + st.chain_consumption8);
    expect(r.boards.map((b) => b.boardTemp)).toEqual([st.temp6, st.temp7, st.temp8]);
    expect(r.boards.map((b) => b.chipTemp)).toEqual([st.temp2_6, st.temp2_7, st.temp2_8]);
    expect(r.boards.map((b) => b.hashrate! / 1e9)).toEqual(
      [st.chain_rate6, st.chain_rate7, st.chain_rate8].map((v: string) => expect.closeTo(Number(v), 3)),
    );
    expect(r.fans.map((f) => f.rpm)).toEqual([st.fan5, st.fan6]);
    expect(r.pools.map((p) => p.url)).toEqual(pools.map((p: any) => p.URL));
    expect(r.uptimeS).toBe(st.Elapsed);
  });

  it('power_usage is not taken for watts', async () => {
    const res = await fetch(`http://${IP.vnish}/api/v1/summary`);
    const m = ((await res.json()) as any).miner;
    const r = await vnishDriver.read(target(IP.vnish));
    expect(m.power_usage).not.toBe(m.power_consumption);
    expect(r.powerW).toBe(m.power_consumption);
  });

  it('reflects scale, temperature offset and pool user', async () => {
    Object.assign(sims.vnish.state, { hashrateScale: 0.5, tempOffset: 3, poolUser: 'thief.worker' });
    const r = await vnishDriver.read(target(IP.vnish));
    expect(r.hashrate).toBeCloseTo(Number(st['GHS 5s']) * 0.5e9, -8);
    expect(r.boards[0]!.boardTemp).toBe(st.temp6 + 3);
    expect(r.pools.every((p) => p.user === 'thief.worker')).toBe(true);
  });

  it('pause → stopped (sleeping), resume, reboot, with the unlock token', async () => {
    const t = target(IP.vnish);
    await vnishDriver.control.sleep!(t);
    const r = await vnishDriver.read(t);
    expect(r.state).toBe('sleeping');
    expect(r.hashrate).toBe(0);
    await vnishDriver.control.wake!(t);
    expect((await vnishDriver.read(t)).state).toBe('mining');
    await vnishDriver.control.reboot!(t);
    expect(sims.vnish.controls.slice(-3)).toEqual(['sleep', 'wake', 'reboot']);
    expect(vnishDriver.capabilities(undefined, r)).toEqual(['sleep', 'wake', 'reboot']);
  });

  it('wrong password → auth, nothing changes; writes need the token', async () => {
    const before = sims.vnish.controls.length;
    expect(await reason(vnishDriver.control.sleep!(target(IP.vnish, { password: 'nope' })))).toBe('auth');
    const res = await fetch(`http://${IP.vnish}/api/v1/mining/pause`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(sims.vnish.controls.length).toBe(before);
    expect(sims.vnish.state.sleeping).toBe(false);
  });

  it('the 4028 side serves the 3.8.6 recording byte for byte (with its "}{" quirk)', async () => {
    const { tcpExchange } = await import('../src/transport/tcp.js');
    const raw = await tcpExchange(IP.vnish, 4028, '{"command":"stats"}', {
      timeoutMs: 2000,
      maxBytes: 1 << 20,
    });
    expect(raw.subarray(0, -1).toString('utf8')).toBe(fx(`${VN}stats.txt`));
  });

  it('falls back to the 3.8.6 RPC when there is no web API', async () => {
    const sim = new VnishSim({ host: IP.scratch, ports: { http: 18080 } });
    await sim.start();
    try {
      // Port 18081 has nothing: the REST read is refused, the RPC path takes over.
      const r = await vnishDriver.read(target(IP.scratch, { port: 18081 }));
      expect(r.firmwareVersion).toBe('3.8.6');
      expect(r.model).toBe('Antminer S9');
      expect(r.hashrate).toBeCloseTo(Number(st['GHS 5s']) * 1e9, -1);
      expect(r.boards.map((b) => b.chips)).toEqual([st.chain_acn6, st.chain_acn7, st.chain_acn8]);
      expect(vnishDriver.capabilities(undefined, r)).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  it('a slow miner → timeout', async () => {
    sims.vnish.state.slowMs = 800;
    expect(await reason(vnishDriver.read(target(IP.vnish, { timeoutMs: 300 })))).toBe('timeout');
  });
});
