import type {
  apiTokenCreatedSchema,
  apiTokenSchema,
  auditEntrySchema,
  Device,
  EnergySource,
  energyHistorySchema,
  energyTestResultSchema,
  groupSchema,
  historyResponseSchema,
  loginResponseSchema,
  Playbook,
  PlaybookInput,
  ReplayRequest,
  ReplayResult,
  Schedule,
  SolarDecision,
  SolarRule,
  SolarSettings,
  sentryCommandSchema,
  sentryCreatedSchema,
  sentrySchema,
  softwareSchema,
  solarStatusSchema,
  Template,
  TemplateInput,
  User,
} from '@mrm/protocol';
import type { z } from 'zod';

// Every type here is inferred from the protocol package's zod schemas: the same ones the
// commander validates with and turns into /api/openapi.json.
export type { Device, Playbook, PlaybookInput, Template, TemplateInput, User };
export type Sentry = z.infer<typeof sentrySchema>;
export type SentryCreated = z.infer<typeof sentryCreatedSchema>;
export type SentryCommand = z.infer<typeof sentryCommandSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type Group = z.infer<typeof groupSchema>;
export type History = z.infer<typeof historyResponseSchema>;
export type LoginResponse = z.infer<typeof loginResponseSchema>;
export type ApiToken = z.infer<typeof apiTokenSchema>;
export type ApiTokenCreated = z.infer<typeof apiTokenCreatedSchema>;
export type Software = z.infer<typeof softwareSchema>;
export type Role = User['role'];
export type HistoryMetric = History['metric'];
export type { EnergySource, ReplayRequest, ReplayResult, Schedule, SolarDecision, SolarRule, SolarSettings };
export type EnergyHistory = z.infer<typeof energyHistorySchema>;
export type EnergyTestResult = z.infer<typeof energyTestResultSchema>;
export type SolarStatus = z.infer<typeof solarStatusSchema>;

export interface CatalogueItem {
  name: string;
  displayName: string;
  devices: string[];
  versions: string[];
  executable: string;
  defaultScript: string;
  apiBindsLoopback: boolean;
  archiveUrls: Record<string, string>;
}

export interface ScanHit {
  ip: string;
  type: string;
  make: string | null;
  model: string | null;
  firmware: string | null;
  hashrate: number | null;
  added: boolean;
}

/** An error the API answered ({"error": {code, message, details}}), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** A sentence for the operator, with the field problems a validation error carries. */
  describe(): string {
    const issues = validationIssues(this.details);
    return issues.length ? `${this.message}: ${issues.join('; ')}` : this.message;
  }
}

function validationIssues(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details
    .map((d) => {
      if (!d || typeof d !== 'object') return null;
      const r = d as { path?: unknown; message?: unknown; instancePath?: unknown };
      const path = Array.isArray(r.path)
        ? r.path.join('.')
        : typeof r.instancePath === 'string'
          ? r.instancePath
          : '';
      return typeof r.message === 'string' ? (path ? `${path} ${r.message}` : r.message) : null;
    })
    .filter((s): s is string => !!s)
    .slice(0, 5);
}

/** Called when any request finds the session gone, so the app can show the sign-in page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

/**
 * One call to the commander. The session is the httpOnly cookie set at sign-in; changes send
 * X-Requested-With, which the commander requires of cookie-signed writes (CSRF defence).
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(method !== 'GET' ? { 'x-requested-with': 'mrm-web' } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'the commander cannot be reached; check that it is running');
  }
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    if (res.status === 401 && !path.startsWith('/api/v1/auth/') && !path.startsWith('/api/v1/setup'))
      onUnauthorized();
    throw new ApiError(
      res.status,
      err?.code ?? 'http_error',
      err?.message ?? `the commander answered ${res.status} ${res.statusText}`,
      err?.details,
    );
  }
  return parsed as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

export const DEVICE_PAGE = 1000;

/** Every device, a page of 1000 at a time (the API's maximum), pages after the first in parallel. */
export async function fetchAllDevices(): Promise<Device[]> {
  const first = await get<{ items: Device[]; total: number }>(`/api/v1/devices?limit=${DEVICE_PAGE}`);
  if (first.total <= first.items.length) return first.items;
  const offsets: number[] = [];
  for (let o = DEVICE_PAGE; o < first.total; o += DEVICE_PAGE) offsets.push(o);
  const pages = await Promise.all(
    offsets.map((o) => get<{ items: Device[] }>(`/api/v1/devices?limit=${DEVICE_PAGE}&offset=${o}`)),
  );
  return first.items.concat(...pages.map((p) => p.items));
}

export const enc = encodeURIComponent;
