import type { ExpectedPool, PoolStatus } from '@mrm/protocol';

/**
 * The wallet guard: ASIC pools are read-only for us, so a changed pool or user (a hijacked
 * miner) is caught by comparing what the ASIC reports with what the operator expects.
 */

export function parseExpected(text: string | null | undefined): ExpectedPool[] | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as ExpectedPool[];
    return Array.isArray(v) && v.length ? v : null;
  } catch {
    return null;
  }
}

/** `stratum+tcp://Host:700/` → `host:700`, so schemes and case do not cause false alarms. */
function endpoint(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^[a-z0-9+.-]+:\/\//, '')
    .replace(/\/+$/, '');
}

/** A worker name appended to the expected account (`acct.rig7`) is the same account. */
function userMatches(expected: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return actual === expected || actual.startsWith(`${expected}.`) || actual.startsWith(`${expected}_`);
}

function matches(e: ExpectedPool, p: PoolStatus): boolean {
  if (e.url !== undefined && endpoint(e.url) !== endpoint(p.url)) return false;
  if (e.user !== undefined && !userMatches(e.user, p.user)) return false;
  return true;
}

/** Null when every reported pool is expected; else what is foreign, in one sentence. */
export function poolMismatch(expected: ExpectedPool[], pools: PoolStatus[]): string | null {
  const foreign = pools.filter((p) => p.url && !expected.some((e) => matches(e, p)));
  if (!foreign.length) return null;
  const f = foreign[0]!;
  const more = foreign.length > 1 ? ` (and ${foreign.length - 1} more)` : '';
  return `pool ${f.url} with user ${f.user ?? '(none)'} is not an expected pool${more}`;
}
