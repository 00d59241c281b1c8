import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

export const logLimits = {
  /** A miner's log rotates at this size; one previous file is kept. */
  maxBytes: 5 * 1024 * 1024,
  /** Lines the commander may ask for at once. */
  maxTailLines: 2000,
} as const;

/** A miner's output: appended to a file that rotates to `.1` when it grows past the limit. */
export class RotatingLog extends Writable {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly maxBytes: number = logLimits.maxBytes,
  ) {
    super();
    this.fd = openSync(path, 'a');
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    try {
      if (this.size + chunk.length > this.maxBytes) {
        closeSync(this.fd);
        renameSync(this.path, `${this.path}.1`);
        this.fd = openSync(this.path, 'a');
        this.size = 0;
      }
      writeSync(this.fd, chunk);
      this.size += chunk.length;
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  note(line: string) {
    this.write(`[mrm-rig-sentry ${new Date().toISOString()}] ${line}\n`);
  }

  override _final(cb: (err?: Error | null) => void) {
    closeSync(this.fd);
    cb();
  }

  /** The last lines across the current and the previous file. */
  static tail(path: string, lines: number): string {
    const n = Math.min(Math.max(1, lines), logLimits.maxTailLines);
    const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
    const all = (read(`${path}.1`) + read(path)).split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-n).join('\n');
  }
}
