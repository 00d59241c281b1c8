import { type SimulatedFarm, simulatedAsicKinds, startFarm } from '@mrm/simulators/asics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAsic, identify } from '../src/identify.js';
import { expandRanges, type ScanHit, scan } from '../src/scanner.js';

describe('address ranges', () => {
  it('expands CIDR, single addresses and last-octet ranges, each address once', () => {
    expect(expandRanges(['10.0.0.0/30'])).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(expandRanges(['10.0.0.0/22'])).toHaveLength(1022);
    expect(expandRanges(['10.0.0.5', '10.0.0.4-6', '10.0.0.0/29'])).toEqual([
      '10.0.0.5',
      '10.0.0.4',
      '10.0.0.6',
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
    ]);
    expect(expandRanges(['10.0.0.7/32'])).toEqual(['10.0.0.7']);
  });

  it('refuses what is not a range, and ranges beyond the named limit', () => {
    expect(() => expandRanges(['10.0.0.300'])).toThrow(/not an address/);
    expect(() => expandRanges(['farm'])).toThrow(/not an address/);
    expect(() => expandRanges(['10.0.0.0/8'])).toThrow(/larger than a \/16/);
  });
});

describe('a mixed farm on loopback', () => {
  let farm: SimulatedFarm;
  beforeAll(async () => {
    farm = await startFarm({ firstHost: '127.0.20.10', count: simulatedAsicKinds.length });
  });
  afterAll(() => farm.stop());

  it('identifies every make as its own type, and --type checks agree with auto', async () => {
    for (const sim of farm.sims) {
      const id = await identify({ ip: sim.host, timeoutMs: 2000, maxBytes: 1 << 20 });
      expect(id, sim.host).toMatchObject({ type: sim.type, make: sim.make });
      const checked = await checkAsic({ ip: sim.host, timeoutMs: 2000, maxBytes: 1 << 20 }, sim.type);
      expect(checked.identity).toEqual(id);
    }
  });

  it('a wrong --type is refused with what the host really is', async () => {
    const ant = farm.sims.find((s) => s.type === 'antminer')!;
    await expect(checkAsic({ ip: ant.host, timeoutMs: 2000, maxBytes: 1 << 20 }, 'avalon')).rejects.toThrow(
      /is a Antminer Antminer S19 Pro \(type antminer\), not avalon/,
    );
    await expect(
      checkAsic({ ip: '127.0.20.250', timeoutMs: 500, maxBytes: 1 << 20 }, 'antminer'),
    ).rejects.toMatchObject({
      reason: 'unreachable',
    });
    await expect(
      checkAsic({ ip: ant.host, timeoutMs: 500, maxBytes: 1 << 20 }, 'nosuch'),
    ).rejects.toMatchObject({
      reason: 'unsupported',
    });
  });

  it('scan streams each miner once, with the same identity as --type auto, and skips empty addresses', async () => {
    const streamed: ScanHit[] = [];
    let lastProgress = [0, 0];
    const hits = await scan(['127.0.20.0/27', '127.0.20.10-12'], {
      onFound: (h) => streamed.push(h),
      onProgress: (done, total) => {
        lastProgress = [done, total];
      },
    });
    expect(hits).toHaveLength(farm.sims.length);
    expect(streamed).toEqual(hits);
    expect(lastProgress).toEqual([30, 30]);
    for (const sim of farm.sims) {
      const hit = hits.find((h) => h.ip === sim.host);
      expect(hit, sim.host).toMatchObject({ type: sim.type, make: sim.make });
    }
  });
});
