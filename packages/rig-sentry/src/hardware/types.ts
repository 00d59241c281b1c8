/** What the rig's hardware reports; every probe is optional and absent hardware is reported absent. */
export interface GpuInfo {
  vendor: 'nvidia' | 'amd';
  /** Normalised PCI bus id ("01:00.0"), the key miners' devices are matched by. */
  busId: string;
  name: string | null;
  temperature: number | null;
  memoryTemperature: number | null;
  fanPercent: number | null;
  power: number | null;
  powerLimit: number | null;
  coreClockMhz: number | null;
  memoryClockMhz: number | null;
  utilization: number | null;
  /** AMD: the sysfs file that sets the power cap (µW); the power limiter writes it. */
  powerCapPath?: string;
}

export interface CpuInfo {
  model: string | null;
  cores: number;
  threads: number;
  /** 1-minute load average. */
  load1: number | null;
  temperature: number | null;
}

export interface HardwareSnapshot {
  cpu: CpuInfo;
  memory: { totalBytes: number; freeBytes: number };
  uptimeSeconds: number;
  os: string;
  gpus: GpuInfo[];
  /** Which probes found their hardware, and why not where they did not. */
  probes: { nvidia: 'present' | 'absent' | string; amd: 'present' | 'absent' | string };
}
