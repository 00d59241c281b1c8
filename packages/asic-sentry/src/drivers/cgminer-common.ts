import type { AsicPool } from '../model.js';
import { type Json, section } from '../transport/cgminer.js';
import { count } from '../units.js';

/** `POOLS[]` of a cgminer-family `pools` reply in the common model. */
export function cgminerPools(reply: Json | null | undefined): AsicPool[] {
  if (!reply) return [];
  return section(reply, 'POOLS')
    .filter((p) => typeof p.URL === 'string' && p.URL !== '')
    .map((p) => ({
      url: String(p.URL),
      ...(typeof p.User === 'string' ? { user: p.User } : {}),
      ...(typeof p.Status === 'string' ? { status: p.Status } : {}),
      ...(count(p.Accepted) !== undefined ? { accepted: count(p.Accepted) } : {}),
      ...(count(p.Rejected) !== undefined ? { rejected: count(p.Rejected) } : {}),
      ...(count(p.Stale) !== undefined ? { stale: count(p.Stale) } : {}),
    }));
}

/** The model string without what firmwares append (`Antminer S19 Pro (88)` → `Antminer S19 Pro`). */
export function cleanModel(s: unknown): string | undefined {
  if (typeof s !== 'string' || !s.trim()) return undefined;
  return s.replace(/\s*\(.*$/, '').trim();
}
