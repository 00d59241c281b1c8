import type { EnergyValues, SunspecModel } from '@mrm/protocol';

/** What a reader gives back from one read. */
export interface ReadResult {
  values: EnergyValues;
  /** SunSpec: the models found. */
  models?: SunspecModel[];
}

/** One energy source's reader. `read` throws an Error whose message says what failed. */
export interface EnergyReader {
  read(): Promise<ReadResult>;
  close(): Promise<void>;
}

export const emptyValues = (): EnergyValues => ({
  pvW: null,
  gridW: null,
  batteryW: null,
  batterySoc: null,
  loadW: null,
});

/** Site load from the balance, where the source does not give it: pv + grid + battery. */
export function withLoad(v: EnergyValues): EnergyValues {
  if (v.loadW !== null || v.gridW === null) return v;
  const load = (v.pvW ?? 0) + v.gridW + (v.batteryW ?? 0);
  return { ...v, loadW: Math.max(0, Math.round(load * 10) / 10) };
}
