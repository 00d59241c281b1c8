import { type ArchiveRef, catalogue, findSoftware, type Platform } from '@mrm/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface ResolvedSoftware {
  name: string;
  version: string;
  executable: string;
  adapter: string;
  archives: Record<string, ArchiveRef>;
}

/** Adapter names a custom program may use: every catalogue program's, or none. */
export function knownAdapters(): string[] {
  return [...catalogue.map((e) => e.name), 'none'];
}

/**
 * What a rig needs to install a program version: operator entries (custom software, or sha256
 * pins for a catalogue program) win per platform; the catalogue fills the rest, unpinned.
 */
export async function resolveSoftware(
  db: Kysely<Database>,
  name: string,
  version: string,
): Promise<ResolvedSoftware | null> {
  const rows = await db
    .selectFrom('software')
    .selectAll()
    .where('name', '=', name)
    .where('version', '=', version)
    .orderBy('platform')
    .execute();
  const entry = findSoftware(name);
  const known = entry?.versions.includes(version);
  if (!rows.length && !known) return null;
  const archives: Record<string, ArchiveRef> = {};
  if (entry && known) {
    for (const [platform, pattern] of Object.entries(entry.archiveUrls) as [Platform, string][]) {
      archives[platform] = { url: pattern.replaceAll('{V}', version), sha256: null };
    }
  }
  for (const r of rows) archives[r.platform] = { url: r.url, sha256: r.sha256 };
  return {
    name,
    version,
    executable: rows[0]?.executable ?? entry!.executable,
    adapter: rows[0]?.adapter ?? entry!.name,
    archives,
  };
}
