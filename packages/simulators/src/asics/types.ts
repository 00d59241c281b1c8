/** What a test or the demo can change on a simulated ASIC while it runs. */
export interface AsicSimState {
  /** Multiplies every hashrate in the recorded answers (1 = as recorded). */
  hashrateScale: number;
  /** Added to every temperature in the recorded answers, °C. */
  tempOffset: number;
  sleeping: boolean;
  /** Replaces the pool user of every pool (a hijacked miner) when set. */
  poolUser?: string;
  /** Delay before each answer, ms. */
  slowMs: number;
  /** Hostile answers: random bytes, 10 MiB, cut short, invalid UTF-8, NaN/negative numbers. */
  fault: 'none' | 'garbage' | 'oversized' | 'truncated' | 'invalid-utf8' | 'nan';
  /** Power limit the firmware was last set to (W), where the make has one. */
  powerLimitW?: number;
}

export const defaultSimState = (): AsicSimState => ({
  hashrateScale: 1,
  tempOffset: 0,
  sleeping: false,
  slowMs: 0,
  fault: 'none',
});

export interface SimulatedAsic {
  /** The driver type that should identify it (`antminer`, `whatsminer`, …). */
  type: string;
  /** Expected make and model, for tests. */
  make: string;
  model: string;
  host: string;
  state: AsicSimState;
  /** Control commands received, in order (`sleep`, `wake`, `reboot`, `power-target 3000` …). */
  readonly controls: string[];
  /** Ports it listens on. */
  readonly ports: number[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AsicSimOptions {
  host: string;
  /** Override the make's default ports (tests that cannot bind 80). */
  ports?: Partial<Record<'rpc' | 'http' | 'v3', number>>;
  /** Fixture variant (folder under fixtures/asic/<make>/); the make's default when absent. */
  variant?: string;
  /** Credentials the simulated firmware accepts for control. */
  password?: string;
}
