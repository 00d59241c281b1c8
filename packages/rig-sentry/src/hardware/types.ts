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
  /** The PCI address as the driver prints it, domain included ("00000000:01:00.0"); selects the GPU for nvidia-smi -i. */
  pciBusId?: string;
  /** AMD "junction" (hotspot) sensor, °C. */
  junctionTemperature?: number | null;
  /** Fan tachometer (AMD fan1_input); a high PWM with 0 RPM is a dead fan. */
  fanRpm?: number | null;
  /** The range the driver accepts for the power limit, W; the planner clamps to it. */
  powerLimitMin?: number | null;
  powerLimitMax?: number | null;
}

export interface CpuInfo {
  model: string | null;
  cores: number;
  threads: number;
  /** 1-minute load average. */
  load1: number | null;
  temperature: number | null;
}

/** Status of one probe: 'present', 'absent', 'disabled' or 'error: <why>'. */
export type ProbeStatus = 'present' | 'absent' | string;

export interface HardwareSnapshot {
  cpu: CpuInfo;
  memory: { totalBytes: number; freeBytes: number };
  uptimeSeconds: number;
  os: string;
  gpus: GpuInfo[];
  /** Which probes found their hardware, and why not where they did not. */
  probes: { nvidia: ProbeStatus; amd: ProbeStatus; cpu?: ProbeStatus; system?: ProbeStatus };
}
