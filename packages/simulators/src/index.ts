import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { create } from 'tar';
import { programs } from './programs.js';

export type { MinerStart, SimulatedProgram } from './miners/types.js';
export { programs } from './programs.js';

/** Catalogue names of the programs that have a simulator. */
export const simulatedPrograms: readonly string[] = Object.keys(programs);

/** The launcher every simulated program's executable calls. */
export const fakeMinerBin = fileURLToPath(new URL('../bin/fake-miner.mjs', import.meta.url));

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The sh script that stands in for the program's executable. */
export function launcherScript(program: string, version: string): string {
  return [
    '#!/bin/sh',
    `# Simulated ${programs[program]?.displayName ?? program} ${version} (Mining Rig Monitor test double).`,
    `MRM_SIM_VERSION="\${MRM_SIM_VERSION:-${version.replace(/[^\w.+-]/g, '')}}"`,
    'export MRM_SIM_VERSION',
    `exec ${shQuote(process.execPath)} ${shQuote(fakeMinerBin)} ${program} "$@"`,
    '',
  ].join('\n');
}

/**
 * Packs a simulated program like its real Linux release (e.g. `xmrig-6.22.2/xmrig`, `1.92/lolMiner`,
 * or the executable at the top when topLevelFolder is false), as tar.gz or zip, keeping the
 * executable bit. The executable is a small sh script that runs the simulator for that program
 * with the arguments it was given and reports `version` in its API.
 */
export async function makeMinerArchive(
  program: string,
  version: string,
  destDir: string,
  opts: { topLevelFolder: boolean; format: 'tar.gz' | 'zip' },
): Promise<{ path: string; sha256: string }> {
  const p = programs[program];
  if (!p) throw new Error(`no simulated program "${program}" (known: ${simulatedPrograms.join(', ')})`);
  const script = launcherScript(program, version);
  const folder = opts.topLevelFolder ? p.releaseFolder(version) : '';
  const rel = folder ? `${folder}/${p.executable}` : p.executable;
  mkdirSync(destDir, { recursive: true });
  const out = join(destDir, `${program}-${version}.${opts.format}`);
  if (opts.format === 'zip') {
    // The mode goes in the entry's external attributes (made on Unix), which unzip and our installer read.
    const data = zipSync({
      [rel]: [new TextEncoder().encode(script), { os: 3, attrs: (0o100755 << 16) >>> 0 }],
    });
    writeFileSync(out, data);
  } else {
    const staging = mkdtempSync(join(tmpdir(), 'mrm-sim-archive-'));
    try {
      if (folder) mkdirSync(join(staging, folder), { recursive: true });
      writeFileSync(join(staging, rel), script);
      chmodSync(join(staging, rel), 0o755); // not left to the umask
      await create({ gzip: true, file: out, cwd: staging, portable: true }, [folder || p.executable]);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { path: out, sha256: createHash('sha256').update(readFileSync(out)).digest('hex') };
}
