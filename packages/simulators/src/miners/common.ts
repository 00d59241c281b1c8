import type { SimState } from './types.js';

/** A JSON object read from a fixture. */
export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objs = (v: unknown): Json[] => arr(v).map(obj);

/**
 * Overwrites keys the fixture already has and ignores the others, so a live answer never grows
 * keys the real program does not send and keeps the fixture's key order.
 */
export function fill<T extends Json>(target: T, values: Json): T {
  for (const [k, v] of Object.entries(values)) if (k in target) (target as Json)[k] = v;
  return target;
}

export const uptimeSeconds = (s: SimState) => Math.floor((Date.now() - s.startedAt) / 1000);
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Equal shares of a total rate over n devices (the parts add up to the total). */
export function splitRate(total: number, n: number): number[] {
  if (n <= 0) return [];
  return Array.from({ length: n }, () => total / n);
}

/** Integer counts spread over n devices, adding up to the total. */
export function splitCount(total: number, n: number): number[] {
  if (n <= 0) return [];
  const base = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => base + (i < total - base * n ? 1 : 0));
}

/** Rounds for display without turning a stable rate into float noise (e.g. 1250.0000001). */
export const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

const prefixes = ['', 'k', 'M', 'G', 'T', 'P'];
/** 123456789 → { value: 123.456789, prefix: 'M' }. */
export function siScale(hs: number): { value: number; prefix: string } {
  let value = hs;
  let i = 0;
  while (Math.abs(value) >= 1000 && i < prefixes.length - 1) {
    value /= 1000;
    i++;
  }
  return { value, prefix: prefixes[i]! };
}

const two = (n: number) => String(n).padStart(2, '0');
/** Local "YYYY-MM-DD HH:MM:SS", the stamp most miners put on their log lines. */
export function localStamp(d = new Date()): string {
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The fixture's version string replaced by the simulated one where the fixture embeds it. */
export const versionOr = (s: SimState, fixtureVersion: unknown) =>
  s.version ?? (typeof fixtureVersion === 'string' ? fixtureVersion : String(fixtureVersion ?? ''));

/** Raw TCP APIs in the cgminer tradition send the answer and its terminating NUL byte. */
export const withNul = (b: Buffer): Buffer => (b.at(-1) === 0 ? b : Buffer.concat([b, Buffer.from([0])]));
