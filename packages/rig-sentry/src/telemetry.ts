import type { DeviceReport, DeviceStatus, PoolStatus } from '@mrm/protocol';
import type { HardwareSnapshot } from './hardware/types.js';
import type { PlaybookStatus } from './supervisor.js';

/**
 * One report for the rig: the programs' stats joined to the hardware by PCI bus id (a miner's own
 * device numbering differs from the system's), plus CPU, memory and playbook states.
 */
export function buildRigReport(
  now: number,
  playbooks: PlaybookStatus[],
  hw: HardwareSnapshot | null,
  extra: Record<string, unknown>,
): DeviceReport {
  const hashing = playbooks.filter((p) => (p.stats?.hashrate ?? 0) > 0);
  const status: DeviceStatus = !playbooks.length
    ? 'idle'
    : hashing.length
      ? 'mining'
      : playbooks.some((p) => p.state === 'failing')
        ? 'error'
        : 'starting';
  const totalHashrate = playbooks.reduce((a, p) => a + (p.stats?.hashrate ?? 0), 0);

  // GPUs: hardware rows keyed by bus id, with the miner's per-device figures attached.
  const minerByBus = new Map<
    string,
    {
      playbookId: string;
      hashrate: number | null;
      temperature: number | null;
      fanPercent: number | null;
      power: number | null;
    }
  >();
  for (const p of playbooks) {
    for (const d of p.stats?.devices ?? []) {
      if (d.busId)
        minerByBus.set(d.busId, {
          playbookId: p.id,
          hashrate: d.hashrate,
          temperature: d.temperature,
          fanPercent: d.fanPercent,
          power: d.power,
        });
    }
  }
  const gpus = (hw?.gpus ?? []).map((g) => {
    const m = minerByBus.get(g.busId);
    minerByBus.delete(g.busId);
    return {
      busId: g.busId,
      vendor: g.vendor,
      name: g.name,
      playbookId: m?.playbookId ?? null,
      hashrate: m?.hashrate ?? null,
      temperature: g.temperature ?? m?.temperature ?? null,
      memoryTemperature: g.memoryTemperature,
      fanPercent: g.fanPercent ?? m?.fanPercent ?? null,
      power: g.power ?? m?.power ?? null,
      powerLimit: g.powerLimit,
      coreClockMhz: g.coreClockMhz,
      memoryClockMhz: g.memoryClockMhz,
      utilization: g.utilization,
    };
  });
  // Devices a miner reports that the probes did not see (e.g. no nvidia-smi): still shown, from the miner.
  for (const [busId, m] of minerByBus) {
    gpus.push({
      busId,
      vendor: 'nvidia',
      name: null,
      ...m,
      memoryTemperature: null,
      powerLimit: null,
      coreClockMhz: null,
      memoryClockMhz: null,
      utilization: null,
    });
  }

  const temperatures = [
    ...(hw?.cpu.temperature != null ? [{ name: 'cpu', value: hw.cpu.temperature }] : []),
    ...gpus
      .filter((g) => g.temperature !== null)
      .map((g) => ({ name: `gpu ${g.busId}`, value: g.temperature as number })),
  ];
  const fans = gpus
    .filter((g) => g.fanPercent !== null)
    .map((g) => ({ name: `gpu ${g.busId} %`, value: g.fanPercent as number }));
  const powers = gpus.map((g) => g.power).filter((p): p is number => p !== null);
  const pools: PoolStatus[] = playbooks
    .filter((p) => p.stats?.pool)
    .map((p) => ({
      url: p.stats!.pool!.url,
      ...(p.stats!.pool!.user ? { user: p.stats!.pool!.user } : {}),
      status: p.state,
      ...(p.stats!.accepted !== null ? { accepted: p.stats!.accepted } : {}),
      ...(p.stats!.rejected !== null ? { rejected: p.stats!.rejected } : {}),
      ...(p.stats!.stale !== null ? { stale: p.stats!.stale } : {}),
    }));
  const algorithms = [...new Set(playbooks.map((p) => p.stats?.algorithm).filter((a): a is string => !!a))];

  return {
    key: 'rig',
    at: now,
    status,
    ...(algorithms.length ? { algorithm: algorithms.join('+').slice(0, 64) } : {}),
    ...(playbooks.length ? { hashrate: totalHashrate } : {}),
    ...(powers.length ? { power: powers.reduce((a, b) => a + b, 0) } : {}),
    temperatures: temperatures.slice(0, 64),
    fans: fans.slice(0, 64),
    pools: pools.slice(0, 10),
    ...(hw ? { uptime: Math.round(hw.uptimeSeconds) } : {}),
    details: {
      playbooks: playbooks.map((p) => ({
        id: p.id,
        name: p.name,
        program: p.program,
        version: p.version,
        state: p.state,
        restarts: p.restarts,
        lastError: p.lastError,
        statsNote: p.statsNote,
        hashrate: p.stats?.hashrate ?? null,
        algorithm: p.stats?.algorithm ?? null,
        pool: p.stats?.pool ?? null,
        uptime: p.stats?.uptime ?? null,
        devices: (p.stats?.devices ?? []).slice(0, 32),
      })),
      gpus,
      hardware: hw ? { cpu: hw.cpu, memory: hw.memory, os: hw.os, probes: hw.probes } : null,
      ...extra,
    },
  };
}
