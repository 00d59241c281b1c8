import type { FlagOptions, Flags } from './args.js';

/** What a simulated program was started with, read from its real command-line flags. */
export interface MinerStart {
  pool: string;
  wallet: string;
  worker: string;
  /** Where the API listens; both null when the flags leave the API off. */
  apiHost: string | null;
  apiPort: number | null;
  algorithm: string | null;
}

/** A fixture file: its bytes (served unchanged with MRM_SIM_EXACT=1) and its parsed JSON. */
export interface Fixture {
  file: string;
  bytes: Buffer;
  text: string;
  /** Parsed JSON; undefined for text answers such as cpuminer-opt's. */
  json: unknown;
}

/** The live figures a simulator serves in its program's API shape. */
export interface SimState {
  program: string;
  start: MinerStart;
  flags: Flags;
  /** ms since the epoch. */
  startedAt: number;
  /** Total H/s over all devices. */
  hashrate: number;
  accepted: number;
  rejected: number;
  /** Version the archive was made for (MRM_SIM_VERSION), else the fixture's own. */
  version: string | null;
  /** MRM_SIM_EXACT=1: answers are the fixture bytes. */
  exact: boolean;
}

export interface HttpApi {
  kind: 'http';
  /** Request path (without query) → fixture file under fixtures/miners/. */
  routes: Record<string, string>;
  /** Answer for one path: the fixture's structure and key order with the simulated values filled in. */
  render(path: string, fixture: Fixture, state: SimState): unknown;
  /** Refuses a request the real program would refuse (access tokens); returns the HTTP status. */
  refuse?(headers: Record<string, string | string[] | undefined>, state: SimState): number | null;
  /** Value of the Content-Type header the real program sends. */
  contentType?: string;
}

export interface TcpApi {
  kind: 'tcp';
  /** Fixture files this API needs (checked at start). */
  fixtures: string[];
  /**
   * Answers one request the way the real program frames it on the wire (terminators, HTTP
   * headers); null closes the connection without an answer, as the real programs do for
   * commands they do not know.
   */
  answer(request: string, state: SimState, fixture: (file: string) => Fixture): string | Buffer | null;
}

export interface SimulatedProgram {
  /** Catalogue name. */
  name: string;
  displayName: string;
  /** Executable inside the release archive (without .exe). */
  executable: string;
  /** Top-level folder of the Linux release archive. */
  releaseFolder(version: string): string;
  /** Default total H/s, typical for the program's usual algorithm on one rig. */
  defaultHashrate: number;
  /** Which command-line forms the real program's parser takes. */
  flagOptions: FlagOptions;
  parseArgs(args: readonly string[]): MinerStart;
  api: HttpApi | TcpApi;
  /** Lines printed at start, like the program's banner. */
  banner(state: SimState): string[];
  /** The periodic speed line. */
  speedLine(state: SimState): string;
}
