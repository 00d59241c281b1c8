import type { MinerDeviceStats, StatsAdapter } from './types.js';
import { asObject, emptyDevice, normalizeBusId, num, parseJson, str } from './util.js';

/**
 * T-Rex GET /summary: totals in H/s, per GPU `gpus[]`. Newer builds add `pci_bus` (decimal);
 * older ones (API 3.3) give only T-Rex's own ids, so those devices carry no bus id.
 */
export const trex: StatsAdapter = {
  name: 't-rex',
  transport: { kind: 'http', paths: ['/summary'] },
  parse(raw) {
    const s = asObject(parseJson(raw[0], 't-rex /summary'), 't-rex /summary');
    const pool = (s.active_pool ?? null) as Record<string, unknown> | null;
    const byGpu = new Map<number, Record<string, unknown>>();
    for (const g of Array.isArray(s.stat_by_gpu) ? (s.stat_by_gpu as Record<string, unknown>[]) : []) {
      const id = num(g.gpu_id);
      if (id !== null) byGpu.set(id, g);
    }
    const devices: MinerDeviceStats[] = (
      Array.isArray(s.gpus) ? (s.gpus as Record<string, unknown>[]) : []
    ).map((g, i) => {
      const id = num(g.gpu_id) ?? num(g.device_id) ?? i;
      const shares = (g.shares ?? byGpu.get(id) ?? {}) as Record<string, unknown>;
      return {
        ...emptyDevice(id),
        busId: normalizeBusId(num(g.pci_bus)),
        name: str(g.name),
        hashrate: num(g.hashrate),
        accepted: num(shares.accepted_count),
        rejected: num(shares.rejected_count),
        temperature: num(g.temperature),
        fanPercent: num(g.fan_speed),
        power: num(g.power),
      };
    });
    return {
      program: 't-rex',
      version: str(s.version),
      algorithm: str(s.algorithm),
      pool: str(pool?.url) ? { url: str(pool?.url)!, user: str(pool?.user) } : null,
      hashrate: num(s.hashrate),
      accepted: num(s.accepted_count),
      rejected: num(s.rejected_count),
      stale: null,
      uptime: num(s.uptime),
      devices,
    };
  },
};
