/** Energy source rows: their kind-specific config, readers, secret masking and API views. */
import {
  type EnergySource,
  type EnergySourceKind,
  type EnergyValues,
  SECRET_MASK,
  type SunspecModel,
} from '@mrm/protocol';
import type { EnergySourcesTable } from '../db/schema.js';
import { FroniusReader, HttpJsonReader } from './http-json.js';
import { MqttReader } from './mqtt.js';
import { SunspecReader } from './sunspec.js';
import type { EnergyReader } from './types.js';

export const DEFAULT_INTERVAL_MS = 10_000;
export const DEFAULT_TIMEOUT_MS = 5_000;

/** Config fields per kind (everything else in a create/update body is common). */
export const configKeys: Record<EnergySourceKind, string[]> = {
  sunspec: ['host', 'port', 'unitId', 'meterUnitId', 'invertGrid', 'invertBattery'],
  fronius: ['url'],
  mqtt: ['url', 'username', 'password', 'maxAgeMs', 'fields'],
  http: ['url', 'headerName', 'headerValue', 'fields'],
};
/** Fields never returned in clear nor written to the audit log. */
export const secretKeys = ['password', 'headerValue'] as const;

export function pickConfig(kind: EnergySourceKind, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of configKeys[kind]) if (body[k] !== undefined) out[k] = body[k];
  return out;
}

export function maskConfig(cfg: Record<string, unknown>): Record<string, unknown> {
  const out = { ...cfg };
  for (const k of secretKeys) if (typeof out[k] === 'string' && out[k] !== '') out[k] = SECRET_MASK;
  return out;
}

export function createReader(
  kind: EnergySourceKind,
  cfg: Record<string, unknown>,
  timeoutMs: number,
): EnergyReader {
  switch (kind) {
    case 'sunspec':
      return new SunspecReader(cfg as never, timeoutMs);
    case 'fronius':
      return new FroniusReader(String(cfg.url), timeoutMs);
    case 'mqtt':
      return new MqttReader(cfg as never, timeoutMs);
    case 'http':
      return new HttpJsonReader(cfg as never, timeoutMs);
  }
}

export interface SourceLive {
  reading: (EnergyValues & { at: number }) | null;
  ok: boolean | null;
  error: string | null;
}

export function sourceView(row: EnergySourcesTable, live: SourceLive | undefined): EnergySource {
  const failing = live
    ? live.ok === false
    : row.last_error_at !== null && (row.last_ok_at ?? 0) < row.last_error_at;
  const state: EnergySource['status']['state'] = !row.enabled
    ? 'disabled'
    : failing
      ? 'failing'
      : live?.ok || row.last_ok_at !== null
        ? 'ok'
        : 'unknown';
  const view: EnergySource = {
    id: row.id,
    name: row.name,
    kind: row.kind as EnergySourceKind,
    enabled: row.enabled === 1,
    intervalMs: row.interval_ms,
    timeoutMs: row.timeout_ms,
    config: maskConfig(JSON.parse(row.config_json)),
    status: {
      state,
      error: failing ? (live?.error ?? row.last_error) : null,
      lastOkAt: row.last_ok_at,
      lastErrorAt: row.last_error_at,
    },
    latest: live?.reading ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.kind === 'sunspec')
    view.models = row.models_json ? (JSON.parse(row.models_json) as SunspecModel[]) : [];
  return view;
}
