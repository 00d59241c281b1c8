/**
 * Starts the SunSpec Modbus TCP simulator (`sunspec/sunspec_sim.py`, Debian's pymodbus on
 * /usr/bin/python3 — not whatever python3 comes first on the PATH) on free loopback ports and
 * drives it through its HTTP control API: PV, house load, extra load (the miners), SoC, clock,
 * offline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const SUNSPEC_SIM = fileURLToPath(new URL('../../sunspec/sunspec_sim.py', import.meta.url));
export const SYSTEM_PYTHON = '/usr/bin/python3';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface SunspecSimOptions {
  /** Extra flags, e.g. ['--battery', '--layout', 'split', '--float']. */
  args?: string[];
}

export interface SunspecSimState {
  clock: string;
  pvW: number;
  houseW: number;
  extraLoadW: number;
  batteryW: number;
  soc: number | null;
  gridW: number;
  offline: boolean | string;
  [k: string]: unknown;
}

export interface SunspecSim {
  port: number;
  controlPort: number;
  /** The register addresses the simulator printed at start. */
  layout: Record<string, unknown>;
  set(values: Record<string, unknown>): Promise<void>;
  state(): Promise<SunspecSimState>;
  stop(): Promise<void>;
}

export function sunspecSimAvailable(): boolean {
  return existsSync(SYSTEM_PYTHON) && existsSync(SUNSPEC_SIM);
}

export async function startSunspecSim(opts: SunspecSimOptions = {}): Promise<SunspecSim> {
  const port = await freePort();
  const controlPort = await freePort();
  const child: ChildProcess = spawn(
    SYSTEM_PYTHON,
    [
      SUNSPEC_SIM,
      '--port',
      String(port),
      '--control-port',
      String(controlPort),
      '--tick',
      '0.2',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const layout = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`SunSpec simulator did not start:\n${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`SunSpec simulator exited (${code}):\n${err}`));
    });
  });
  // The Modbus server starts right after the line; wait until it accepts connections.
  const { connect } = await import('node:net');
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const control = `http://127.0.0.1:${controlPort}`;
  return {
    port,
    controlPort,
    layout,
    async set(values) {
      const r = await fetch(`${control}/set`, { method: 'POST', body: JSON.stringify(values) });
      if (!r.ok) throw new Error(`simulator /set: ${r.status} ${await r.text()}`);
      // Let one tick recompute the registers.
      await new Promise((res) => setTimeout(res, 450));
    },
    async state() {
      return (await (await fetch(`${control}/state`)).json()) as SunspecSimState;
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
