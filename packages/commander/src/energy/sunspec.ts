/**
 * SunSpec Modbus TCP: finds the "SunS" marker at the usual base addresses (40000, 50000, 0;
 * protocol addresses, 0-based), walks the model chain, and reads each model it needs in ONE
 * request so that a value and its scale factor come from the same instant. Models: common (1),
 * inverters 101–103 (int + SF) and 111–113 (float), meters 201–204 / 211–214, storage 124 and
 * battery 802. The map is cached per unit and walked again after any error.
 */

import { createRequire } from 'node:module';
import type { EnergyValues, SunspecModel } from '@mrm/protocol';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { type EnergyReader, emptyValues, type ReadResult, withLoad } from './types.js';

export interface SunspecConfig {
  host: string;
  port?: number;
  unitId?: number;
  meterUnitId?: number | null;
  invertGrid?: boolean;
  invertBattery?: boolean;
}

export const SUNSPEC_BASES = [40000, 50000, 0] as const;
const MAX_MODELS = 64;

export const sunspecModelNames: Record<number, string> = {
  1: 'common',
  101: 'inverter, single phase',
  102: 'inverter, split phase',
  103: 'inverter, three phase',
  111: 'inverter, single phase (float)',
  112: 'inverter, split phase (float)',
  113: 'inverter, three phase (float)',
  120: 'nameplate',
  121: 'basic settings',
  122: 'measurements and status',
  123: 'immediate controls',
  124: 'storage',
  160: 'multiple MPPT',
  201: 'meter, single phase',
  202: 'meter, split phase',
  203: 'meter, three phase (wye)',
  204: 'meter, three phase (delta)',
  211: 'meter, single phase (float)',
  212: 'meter, split phase (float)',
  213: 'meter, three phase wye (float)',
  214: 'meter, three phase delta (float)',
  802: 'battery base',
};

// modbus-serial is CommonJS (module.exports = the class); its typings describe an ES default export.
const ModbusClient = createRequire(import.meta.url)('modbus-serial') as typeof ModbusRTU;

const INVERTERS = [103, 113, 101, 111, 102, 112];
const METERS = [203, 213, 201, 211, 202, 212, 204, 214];

const s16 = (r: number | undefined) =>
  r === undefined || r === 0x8000 ? null : r > 0x7fff ? r - 0x10000 : r;
const u16 = (r: number | undefined) => (r === undefined || r === 0xffff ? null : r);
const f32 = (hi: number | undefined, lo: number | undefined) => {
  if (hi === undefined || lo === undefined) return null;
  const b = Buffer.alloc(4);
  b.writeUInt16BE(hi, 0);
  b.writeUInt16BE(lo, 2);
  const v = b.readFloatBE(0);
  return Number.isFinite(v) ? v : null;
};
/** raw × 10^sf; a negative SF divides (504 / 10 = 50.4 exactly). */
export const scaled = (raw: number | null, sf: number | null) =>
  raw === null || sf === null ? null : sf < 0 ? raw / 10 ** -sf : raw * 10 ** sf;
const str = (regs: number[]) =>
  Buffer.from(regs.flatMap((r) => [r >> 8, r & 0xff]))
    .toString('latin1')
    .replace(/\0+$/, '')
    .trim();

/** Decodes the points we use from a model body (registers after ID and L). */
export function decodeModel(id: number, b: number[]): Record<string, number | string | null> {
  if (id === 1) return { Mn: str(b.slice(0, 16)), Md: str(b.slice(16, 32)), SN: str(b.slice(48, 64)) };
  if (id >= 101 && id <= 103) return { W: scaled(s16(b[12]), s16(b[13])), St: u16(b[36]) };
  if (id >= 111 && id <= 113) return { W: f32(b[20], b[21]), St: u16(b[46]) };
  if (id >= 201 && id <= 204) return { W: scaled(s16(b[16]), s16(b[20])) };
  if (id >= 211 && id <= 214) return { W: f32(b[26], b[27]) };
  if (id === 124) return { ChaState: scaled(u16(b[6]), s16(b[20])), ChaSt: u16(b[9]) };
  if (id === 802) return { SoC: scaled(u16(b[9]), s16(b[54])), W: scaled(s16(b[45]), s16(b[61])) };
  return {};
}

interface ChainEntry {
  id: number;
  addr: number;
  len: number;
}

export class SunspecReader implements EnergyReader {
  private client: ModbusRTU | null = null;
  private chains = new Map<number, ChainEntry[]>();

  constructor(
    private readonly cfg: SunspecConfig,
    private readonly timeoutMs = 3000,
  ) {}

  private async connect(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    await this.close();
    const c = new ModbusClient();
    c.setTimeout(this.timeoutMs);
    try {
      await c.connectTCP(this.cfg.host, { port: this.cfg.port ?? 502, timeout: this.timeoutMs } as never);
    } catch (err) {
      c.close(() => {});
      throw new Error(`cannot connect to ${this.cfg.host}:${this.cfg.port ?? 502}: ${describe(err)}`);
    }
    this.client = c;
    return c;
  }

  private async regs(c: ModbusRTU, addr: number, count: number): Promise<number[]> {
    const out: number[] = [];
    for (let off = 0; off < count; off += 125) {
      const r = await c.readHoldingRegisters(addr + off, Math.min(125, count - off));
      out.push(...r.data);
    }
    return out;
  }

  /** Finds SunS and walks the chain of one unit id. */
  private async discover(c: ModbusRTU, unit: number): Promise<ChainEntry[]> {
    c.setID(unit);
    let base: number | null = null;
    let lastErr: unknown = null;
    for (const b of SUNSPEC_BASES) {
      try {
        const r = await c.readHoldingRegisters(b, 2);
        if (r.data[0] === 0x5375 && r.data[1] === 0x6e53) {
          base = b;
          break;
        }
      } catch (err) {
        lastErr = err;
        // A timeout: nothing answers for this unit id; do not wait for the other bases too.
        if (/timed out/i.test(describe(err))) break;
      }
    }
    if (base === null)
      throw new Error(
        `no SunSpec marker on unit ${unit} at ${SUNSPEC_BASES.join(', ')}${lastErr ? ` (${describe(lastErr)})` : ''}`,
      );
    const chain: ChainEntry[] = [];
    let addr = base + 2;
    for (let i = 0; i < MAX_MODELS && addr < 0xfffe; i++) {
      const [id, len] = (await c.readHoldingRegisters(addr, 2)).data;
      if (id === undefined || len === undefined || id === 0xffff || len === 0) break;
      chain.push({ id, addr, len });
      addr += 2 + len;
    }
    if (!chain.length) throw new Error(`SunSpec chain on unit ${unit} is empty`);
    return chain;
  }

  async read(): Promise<ReadResult> {
    try {
      return await this.readOnce();
    } catch (err) {
      // Walk the chain again next time (a firmware update can move models), on a new connection.
      this.chains.clear();
      await this.close();
      throw err instanceof Error ? err : new Error(String(err));
    }
  }

  private async readOnce(): Promise<ReadResult> {
    const c = await this.connect();
    const units = [this.cfg.unitId ?? 1];
    if (this.cfg.meterUnitId !== undefined && this.cfg.meterUnitId !== null) units.push(this.cfg.meterUnitId);
    const models: SunspecModel[] = [];
    const decoded = new Map<number, Record<string, number | string | null>>();
    for (const unit of units) {
      let chain = this.chains.get(unit);
      if (!chain) {
        chain = await this.discover(c, unit);
        this.chains.set(unit, chain);
      }
      c.setID(unit);
      for (const m of chain) {
        models.push({
          unitId: unit,
          id: m.id,
          name: sunspecModelNames[m.id] ?? `model ${m.id}`,
          address: m.addr,
          length: m.len,
        });
        if (decoded.has(m.id)) continue;
        if (m.id === 1 || INVERTERS.includes(m.id) || METERS.includes(m.id) || m.id === 124 || m.id === 802) {
          const body = await this.regs(c, m.addr + 2, m.len);
          decoded.set(m.id, decodeModel(m.id, body));
        }
      }
    }
    const pick = (ids: number[]) => {
      for (const id of ids) if (decoded.has(id)) return decoded.get(id)!;
      return undefined;
    };
    const v: EnergyValues = emptyValues();
    const inv = pick(INVERTERS);
    const met = pick(METERS);
    const num = (x: unknown) => (typeof x === 'number' ? x : null);
    v.pvW = num(inv?.W);
    const grid = num(met?.W);
    v.gridW = grid === null ? null : this.cfg.invertGrid ? -grid : grid;
    v.batterySoc = num(decoded.get(124)?.ChaState) ?? num(decoded.get(802)?.SoC);
    // Model 802 W counts charging as positive on the devices we know; we count discharge as positive.
    const bw = num(decoded.get(802)?.W);
    v.batteryW = bw === null ? null : this.cfg.invertBattery ? bw : -bw;
    if (v.batteryW !== null && Object.is(v.batteryW, -0)) v.batteryW = 0;
    return { values: withLoad(v), models };
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await new Promise<void>((resolve) => c.close(() => resolve()));
  }
}

function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { message?: string; name?: string; errno?: string; code?: string };
    if (e.message) return e.message;
    if (e.name) return e.name;
    if (e.errno || e.code) return String(e.errno ?? e.code);
  }
  return String(err);
}
