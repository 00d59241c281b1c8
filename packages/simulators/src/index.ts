import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { create } from 'tar';
import { programs } from './programs.js';

export const simulatedPrograms = Object.keys(programs);

/** The launcher every simulated program's executable calls. */
export const fakeMinerBin = fileURLToPath(new URL('../bin/fake-miner.mjs', import.meta.url));

const executables: Record<string, string> = { xmrig: 'xmrig', lolminer: 'lolMiner' };

/**
 * Packs a simulated program like its real release (e.g. `xmrig-6.22.2/xmrig`, or the executable at
 * the top), as tar.gz or zip, keeping the executable bit. The executable is a small sh script that
 * runs the simulator for that program with the arguments it was given.
 */
export async function makeMinerArchive(
  program: string,
  version: string,
  destDir: string,
  opts: { topLevelFolder: boolean; format: 'tar.gz' | 'zip' },
): Promise<{ path: string; sha256: string }> {
  const exe = executables[program];
  if (!exe) throw new Error(`no simulated program "${program}"`);
  const script = `#!/bin/sh\nexec "${process.execPath}" "${fakeMinerBin}" ${program} "$@"\n`;
  const folder = opts.topLevelFolder ? `${program}-${version}` : '';
  const rel = folder ? `${folder}/${exe}` : exe;
  mkdirSync(destDir, { recursive: true });
  const out = join(destDir, `${program}-${version}.${opts.format}`);
  if (opts.format === 'zip') {
    // mode in the zip's external attributes, so unzip tools and our installer keep it executable
    const data = zipSync({
      [rel]: [new TextEncoder().encode(script), { os: 3, attrs: (0o100755 << 16) >>> 0 }],
    });
    writeFileSync(out, data);
  } else {
    const staging = mkdtempSync(join(tmpdir(), 'mrm-sim-archive-'));
    mkdirSync(join(staging, folder), { recursive: true });
    writeFileSync(join(staging, rel), script, { mode: 0o755 });
    await create({ gzip: true, file: out, cwd: staging, portable: true }, [folder || exe]);
    rmSync(staging, { recursive: true, force: true });
  }
  return { path: out, sha256: createHash('sha256').update(readFileSync(out)).digest('hex') };
}
