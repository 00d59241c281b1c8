/** What a simulated program was started with, read from its real command-line flags. */
export interface SimStart {
  pool: string;
  wallet: string;
  worker: string;
  algorithm: string | null;
  api: { host: string; port: number } | null;
}

/** The live figures a simulator serves in its program's API shape. */
export interface SimState {
  start: SimStart;
  startedAt: number;
  /** Total H/s. */
  hashrate: number;
  accepted: number;
}

export interface SimulatedProgram {
  name: string;
  parseArgs(args: string[]): SimStart;
  /** The fixture this program's API answers are shaped after, per path. */
  fixtures: Record<string, string>;
  /** Answer for one API path: the fixture's structure with the simulated values filled in. */
  render(path: string, fixture: unknown, state: SimState): unknown;
}
