import { createHash } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DesiredPlaybook, Platform } from '@mrm/protocol';

export const installLimits = {
  /** Largest archive downloaded; mining programs are tens of MB. */
  maxArchiveBytes: 512 * 1024 * 1024,
  /** How deep inside an archive the executable is looked for. */
  maxExecutableDepth: 4,
  downloadTimeoutMs: 10 * 60_000,
} as const;

export class InstallError extends Error {}

export interface Installed {
  name: string;
  version: string;
  /** Absolute path of the program; its folder is the playbook's working directory. */
  executablePath: string;
  sha256: string;
}

type Log = (msg: string, extra?: Record<string, unknown>) => void;
/** Starts a download; the stream is the body (node:http response, see sentry-core's httpRequest). */
export type Fetcher = (url: string) => Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: NodeJS.ReadableStream;
}>;

function findExecutable(root: string, name: string, platform: Platform): string | null {
  const wanted = platform === 'win-x64' ? [`${name}.exe`, name] : [name];
  // Breadth-first, so a top-level program wins over one in a sub-folder.
  let level = [root];
  for (let depth = 0; depth <= installLimits.maxExecutableDepth && level.length; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      for (const w of wanted) {
        const candidate = join(dir, w);
        if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
      }
      for (const entry of readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory()) next.push(join(dir, entry.name));
    }
    level = next;
  }
  return null;
}

/**
 * Downloads, verifies and unpacks mining programs into a per-version cache. Everything happens in
 * a staging folder first, so a failed download or a checksum mismatch leaves what runs untouched.
 */
export class Installer {
  readonly root: string;

  constructor(
    stateDir: string,
    private readonly platform: Platform,
    private readonly fetcher: Fetcher,
    private readonly log: Log,
    private readonly downloadTimeoutMs: number = installLimits.downloadTimeoutMs,
  ) {
    this.root = join(stateDir, 'software');
  }

  private dirFor(name: string, version: string, sha256: string) {
    return join(this.root, name, version, sha256.slice(0, 16));
  }

  /** What a playbook needs, without installing it (for the "download first" step). */
  archiveFor(p: DesiredPlaybook) {
    const archive = p.software.archives[this.platform];
    if (!archive)
      throw new InstallError(`${p.software.name} ${p.software.version} has no archive for ${this.platform}`);
    if (!archive.sha256) {
      throw new InstallError(
        `${p.software.name} ${p.software.version} for ${this.platform} has no pinned sha256; pin one with POST /api/v1/software (url, sha256) or host the archive on the commander`,
      );
    }
    return { url: archive.url, sha256: archive.sha256 };
  }

  /** Returns the cached install, or null. */
  cached(p: DesiredPlaybook): Installed | null {
    const { sha256 } = this.archiveFor(p);
    const dir = this.dirFor(p.software.name, p.software.version, sha256);
    const marker = join(dir, '.mrm-installed.json');
    if (!existsSync(marker)) return null;
    const { executablePath } = JSON.parse(readFileSync(marker, 'utf8')) as { executablePath: string };
    if (!existsSync(executablePath)) return null;
    return { name: p.software.name, version: p.software.version, executablePath, sha256 };
  }

  async ensure(p: DesiredPlaybook): Promise<Installed> {
    const hit = this.cached(p);
    if (hit) return hit;
    const { url, sha256 } = this.archiveFor(p);
    const { name, version } = p.software;
    mkdirSync(this.root, { recursive: true });
    const staging = join(this.root, `.staging-${process.pid}-${Date.now()}`);
    mkdirSync(staging, { recursive: true });
    try {
      const file = join(staging, 'archive');
      const actual = await this.download(url, file, `${name} ${version}`);
      if (actual !== sha256) {
        throw new InstallError(
          `checksum mismatch for ${name} ${version}: expected ${sha256}, got ${actual}; refusing it and keeping the current version`,
        );
      }
      const unpacked = join(staging, 'files');
      mkdirSync(unpacked);
      await this.unpack(file, unpacked, url);
      const exe = findExecutable(unpacked, p.software.executable, this.platform);
      if (!exe)
        throw new InstallError(`${name} ${version}: no "${p.software.executable}" inside the archive`);
      if (this.platform !== 'win-x64') chmodSync(exe, 0o755);
      const dir = this.dirFor(name, version, sha256);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(dir, '..'), { recursive: true });
      renameSync(unpacked, dir);
      const executablePath = join(dir, exe.slice(unpacked.length + 1));
      writeFileSync(join(dir, '.mrm-installed.json'), JSON.stringify({ executablePath, url, sha256 }));
      this.log(`installed ${name} ${version}`, { executablePath });
      return { name, version, executablePath, sha256 };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  private async download(url: string, dest: string, what: string): Promise<string> {
    const res = await this.fetcher(url).catch((err: Error) => {
      throw new InstallError(`download of ${what} from ${url} failed: ${err.message}`);
    });
    if (res.status !== 200)
      throw new InstallError(`download of ${what} from ${url} failed: HTTP ${res.status}`);
    const total = Number(res.headers['content-length'] ?? 0);
    const hash = createHash('sha256');
    let got = 0;
    let lastLogged = 0;
    const log = this.log;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        got += chunk.length;
        if (got > installLimits.maxArchiveBytes)
          return cb(new InstallError(`${what} is larger than ${installLimits.maxArchiveBytes} bytes`));
        hash.update(chunk);
        // Progress in the log every 10 % (or every 8 MiB when the size is unknown).
        const step = total ? Math.floor((got / total) * 10) : Math.floor(got / (8 * 1024 * 1024));
        if (step > lastLogged) {
          lastLogged = step;
          log(`downloading ${what}: ${total ? `${step * 10}%` : `${Math.round(got / 1048576)} MiB`}`);
        }
        cb(null, chunk);
      },
    });
    // A download that stalls must not hold the runner (and every later playbook change) forever.
    const stalled = setTimeout(
      () =>
        meter.destroy(
          new InstallError(`download of ${what} took longer than ${this.downloadTimeoutMs / 1000} s`),
        ),
      this.downloadTimeoutMs,
    );
    try {
      await pipeline(res.body, meter, createWriteStream(dest));
    } finally {
      clearTimeout(stalled);
    }
    return hash.digest('hex');
  }

  private async unpack(file: string, dest: string, url: string) {
    const head = readFileSync(file).subarray(0, 4);
    const isZip = head[0] === 0x50 && head[1] === 0x4b;
    const isGzip = head[0] === 0x1f && head[1] === 0x8b;
    if (isZip) {
      // Loaded on first install only: the daemon's resident memory stays small between installs.
      const { unzipSync } = await import('fflate');
      const entries = unzipSync(readFileSync(file));
      for (const [path, data] of Object.entries(entries)) {
        const target = join(dest, path);
        // Zip-slip: an entry may not land outside the folder.
        if (!target.startsWith(dest + sep) || path.includes('..'))
          throw new InstallError(`archive entry ${path} escapes the install folder`);
        if (path.endsWith('/')) mkdirSync(target, { recursive: true });
        else {
          mkdirSync(join(target, '..'), { recursive: true });
          writeFileSync(target, data);
        }
      }
      return;
    }
    if (isGzip || /\.(tar|tgz|tar\.gz|tar\.xz)$/i.test(url)) {
      // node-tar refuses absolute paths and ".." entries by default.
      const { extract } = await import('tar');
      await extract({ file, cwd: dest, strict: true });
      return;
    }
    throw new InstallError(`cannot unpack ${url}: only .tar.gz and .zip archives are supported`);
  }
}
