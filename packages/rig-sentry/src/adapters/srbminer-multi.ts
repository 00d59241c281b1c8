import { AdapterError, type MinerDeviceStats, type StatsAdapter } from './types.js';
import {
  asObject,
  emptyDevice,
  normalizeBusId,
  num,
  objectOr,
  objects,
  parseJson,
  str,
  sumOrNull,
  watts,
} from './util.js';

/** `{"gpu0": 1.2e7, "gpu1": …, "total": …}` → index → H/s (keys are the miner's device numbers). */
function perDevice(block: Record<string, unknown>, prefix: string): Map<number, number | null> {
  const rates = new Map<number, number | null>();
  for (const [k, v] of Object.entries(block)) {
    const m = new RegExp(`^${prefix}(\\d+)$`).exec(k);
    if (m) rates.set(Number(m[1]), num(v));
  }
  return rates;
}

/**
 * SRBMiner-MULTI GET / (format of the 0.5+ "algorithms" API): per algorithm, H/s split into `gpu`
 * and `cpu` blocks; `gpu_devices[].bus_id` is the decimal PCI bus. CPU threads are not devices.
 */
export const srbminer: StatsAdapter = {
  name: 'srbminer-multi',
  transport: { kind: 'http', paths: ['/'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 'srbminer-multi /'), 'srbminer-multi /');
    const algo = objects(s.algorithms)[0];
    if (!algo)
      throw new AdapterError('srbminer-multi /: no algorithms (SRBMiner older than 0.5 is not supported)');
    const rate = objectOr(algo.hashrate);
    const gpu = objectOr(rate.gpu);
    const cpu = objectOr(rate.cpu);
    const rates = perDevice(gpu, 'gpu');
    const devices: MinerDeviceStats[] = objects(s.gpu_devices).map((d, i) => {
      const index = num(d.id) ?? i;
      return {
        ...emptyDevice(index),
        busId: normalizeBusId(num(d.bus_id)),
        name: str(d.model),
        hashrate: rates.get(index) ?? null,
        power: watts(d.asic_power),
      };
    });
    // A rate for a GPU the device list does not show still counts; it just has no hardware facts.
    for (const [index, hashrate] of rates)
      if (!devices.some((d) => d.index === index)) devices.push({ ...emptyDevice(index), hashrate });
    const shares = objectOr(algo.shares);
    const pool = str(objectOr(algo.pool).pool);
    return {
      program: 'srbminer-multi',
      version: str(s.miner_version),
      algorithm: str(algo.name),
      pool: pool ? { url: pool, user: null } : null,
      hashrate: sumOrNull([num(gpu.total), num(cpu.total)]) ?? num(rate.now) ?? num(rate['1min']),
      accepted: num(shares.accepted),
      rejected: num(shares.rejected),
      stale: null,
      uptime: num(s.mining_time),
      devices,
    };
  },
};
