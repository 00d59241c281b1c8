import type { AsicIdentity, AsicReading, AsicTarget, Capability } from '../model.js';
import { cgminerCommand, type Json } from '../transport/cgminer.js';
import { type HttpAnswer, httpCall } from '../transport/http.js';
import { tcpOpen } from '../transport/tcp.js';

/**
 * The cheap questions identification asks a host, each asked at most once per host however many
 * drivers look at the answer. A failed probe is `null`, never an exception.
 */
export class Probes {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly target: AsicTarget,
    /** Ports known closed (from the scanner's TCP pass); probes on them answer null at once. */
    readonly closedPorts: ReadonlySet<number> = new Set(),
  ) {}

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.memo.set(key, p);
    }
    return p;
  }

  /** A cgminer-API command on `port` (4028); null when it fails or answers with an error. */
  rpc(command: string, port = 4028): Promise<Json | null> {
    if (this.closedPorts.has(port)) return Promise.resolve(null);
    return this.once(`rpc:${port}:${command}`, () =>
      cgminerCommand({ ...this.target, port }, command).catch(() => null),
    );
  }

  /** A GET on `port`, any status; null when nothing answered. */
  http(path: string, port = 80): Promise<HttpAnswer | null> {
    if (this.closedPorts.has(port)) return Promise.resolve(null);
    return this.once(`http:${port}:${path}`, () =>
      httpCall({ ...this.target, port }, { path }).catch(() => null),
    );
  }

  open(port: number): Promise<boolean> {
    if (this.closedPorts.has(port)) return Promise.resolve(false);
    return this.once(`tcp:${port}`, () => tcpOpen(this.target.ip, port, this.target.timeoutMs));
  }
}

export interface PowerControl {
  sleep?(t: AsicTarget): Promise<void>;
  wake?(t: AsicTarget): Promise<void>;
  reboot?(t: AsicTarget): Promise<void>;
  setPowerTarget?(t: AsicTarget, watts: number): Promise<void>;
}

/** One make or firmware family. Adding a make = one driver file + its line in drivers/index.ts. */
export interface AsicDriver {
  /** What `--type` takes and what is stored with the ASIC. */
  type: string;
  make: string;
  /** The port `read` talks to when the operator gives none (for keys and `add --port`). */
  defaultPort: number;
  /** Documented factory credentials, used when the operator gives none. Never pool or wallet data. */
  defaultCredentials?: { user?: string; password?: string };
  /**
   * Decides from the shared probes whether the host runs this firmware and, if so, asks the one
   * make-specific question that yields model and firmware. Null when it is not this type.
   */
  detect(p: Probes): Promise<AsicIdentity | null>;
  read(t: AsicTarget, identity?: AsicIdentity): Promise<AsicReading>;
  /** What the firmware allows, from the identity (firmware version) and the latest reading. */
  capabilities(identity: AsicIdentity | undefined, reading?: AsicReading): Capability[];
  control: PowerControl;
}

/** Fills default credentials in a target for a driver. */
export function withDefaults(d: AsicDriver, t: AsicTarget): AsicTarget {
  return {
    ...t,
    user: t.user ?? d.defaultCredentials?.user,
    password: t.password ?? d.defaultCredentials?.password,
  };
}

/** Capabilities from which control functions a driver has. */
export function controlCapabilities(c: PowerControl): Capability[] {
  const out: Capability[] = [];
  if (c.sleep) out.push('sleep');
  if (c.wake) out.push('wake');
  if (c.setPowerTarget) out.push('powerTarget');
  if (c.reboot) out.push('reboot');
  return out;
}
