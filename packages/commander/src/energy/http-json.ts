/**
 * HTTP JSON sources: one GET per read, a JSON path per value, an optional header for a token.
 * Also the Fronius Solar API (power-flow realtime data), which is the same engine with fixed paths.
 */
import type { EnergyValues, FieldMapping } from '@mrm/protocol';
import { getJsonPath, mapValue } from './json-path.js';
import { type EnergyReader, emptyValues, type ReadResult, withLoad } from './types.js';

/** Answers larger than this are refused (a source answers a few KiB). */
export const MAX_SOURCE_RESPONSE_BYTES = 1024 * 1024;

export async function fetchJson(
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') throw new Error(`no answer from ${safeUrl(url)} within ${timeoutMs} ms`);
    throw new Error(`cannot reach ${safeUrl(url)}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${safeUrl(url)} answered HTTP ${res.status}`);
  }
  const len = Number(res.headers.get('content-length') ?? 0);
  if (len > MAX_SOURCE_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw new Error(`${safeUrl(url)} answered ${len} bytes (limit ${MAX_SOURCE_RESPONSE_BYTES})`);
  }
  const text = await res.text();
  if (text.length > MAX_SOURCE_RESPONSE_BYTES)
    throw new Error(`${safeUrl(url)} answered more than ${MAX_SOURCE_RESPONSE_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${safeUrl(url)} did not answer JSON`);
  }
}

/** The URL without credentials or query (which may hold a token), for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the URL';
  }
}

export type FieldMap = Partial<Record<keyof EnergyValues, FieldMapping>>;

export function extractValues(doc: unknown, fields: FieldMap): EnergyValues {
  const v = emptyValues();
  for (const key of Object.keys(fields) as (keyof EnergyValues)[]) {
    const m = fields[key];
    if (m) v[key] = mapValue(getJsonPath(doc, m.path), m);
  }
  return v;
}

export interface HttpConfig {
  url: string;
  headerName?: string;
  headerValue?: string;
  fields: FieldMap;
}

export class HttpJsonReader implements EnergyReader {
  constructor(
    private readonly cfg: HttpConfig,
    private readonly timeoutMs = 5000,
  ) {}
  async read(): Promise<ReadResult> {
    const headers: Record<string, string> =
      this.cfg.headerName && this.cfg.headerValue ? { [this.cfg.headerName]: this.cfg.headerValue } : {};
    const doc = await fetchJson(this.cfg.url, this.timeoutMs, headers);
    const values = extractValues(doc, this.cfg.fields);
    if (Object.values(values).every((x) => x === null))
      throw new Error('none of the JSON paths found a number in the answer');
    return { values: withLoad(values) };
  }
  async close() {}
}

export const FRONIUS_PATH = '/solar_api/v1/GetPowerFlowRealtimeData.fcgi';

/**
 * Fronius Solar API v1: Body.Data.Site P_PV (null at night), P_Grid (+ import), P_Akku
 * (+ discharge), P_Load (negative = consumption); SoC in Body.Data.Inverters["1"].SOC.
 * In produce-only mode (no smart meter) P_Grid, P_Load and P_Akku are null.
 */
export class FroniusReader implements EnergyReader {
  private readonly url: string;
  constructor(
    url: string,
    private readonly timeoutMs = 5000,
  ) {
    const u = new URL(url);
    if (u.pathname === '/' || u.pathname === '') u.pathname = FRONIUS_PATH;
    this.url = u.toString();
  }
  async read(): Promise<ReadResult> {
    const doc = await fetchJson(this.url, this.timeoutMs);
    const code = getJsonPath(doc, 'Head.Status.Code');
    if (code !== undefined && code !== 0) {
      const reason = getJsonPath(doc, 'Head.Status.Reason');
      throw new Error(`Fronius Solar API status ${String(code)}${reason ? `: ${String(reason)}` : ''}`);
    }
    const site = getJsonPath(doc, 'Body.Data.Site');
    if (!site || typeof site !== 'object') throw new Error('the answer has no Body.Data.Site');
    const v = extractValues(site, {
      pvW: { path: 'P_PV' },
      gridW: { path: 'P_Grid' },
      batteryW: { path: 'P_Akku' },
      loadW: { path: 'P_Load', invert: true },
    });
    // P_PV is null at night: no production, not an unknown.
    if (v.pvW === null && getJsonPath(site, 'P_PV') === null) v.pvW = 0;
    const inverters = getJsonPath(doc, 'Body.Data.Inverters');
    if (inverters && typeof inverters === 'object') {
      for (const inv of Object.values(inverters as Record<string, unknown>)) {
        const soc = mapValue(getJsonPath(inv, 'SOC'), {});
        if (soc !== null) {
          v.batterySoc = soc;
          break;
        }
      }
    }
    return { values: withLoad(v) };
  }
  async close() {}
}
