import type { ChildProcess } from 'node:child_process';
import type { DesiredPlaybook } from '@mrm/protocol';
import type { MinerStats, StatsAdapter } from './adapters/types.js';
import { startScript, stopTree } from './process-tree.js';
import { RotatingLog } from './rotating-log.js';
import type { RigSettings } from './settings.js';
import { readStats } from './stats-client.js';

export type PlaybookState = 'starting' | 'running' | 'restarting' | 'failing' | 'stopped';

export interface PlaybookStatus {
  id: string;
  name: string;
  program: string;
  version: string;
  state: PlaybookState;
  pid: number | null;
  restarts: number;
  lastError: string | null;
  /** Stats from the program's API, or null with statsNote saying why ("running, no stats"). */
  stats: MinerStats | null;
  statsNote: string | null;
  /** When the program first reported a non-zero hashrate since (re)start. */
  hashingSince: number | null;
}

/**
 * Keeps one playbook's program alive: restarts it with backoff when it exits, restarts it when it
 * stops hashing, and gives up (state `failing`) after too many restarts in a window.
 */
export class PlaybookProcess {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartTimes: number[] = [];
  private zeroSince: number | null = null;
  private stopping = false;
  readonly log: RotatingLog;
  status: PlaybookStatus;

  constructor(
    readonly playbook: DesiredPlaybook,
    private readonly scriptPath: string,
    private readonly cwd: string,
    logPath: string,
    private readonly adapter: StatsAdapter | null,
    private readonly settings: RigSettings,
    private readonly onChange: (status: PlaybookStatus) => void,
  ) {
    this.log = new RotatingLog(logPath);
    this.status = {
      id: playbook.id,
      name: playbook.name,
      program: playbook.software.name,
      version: playbook.software.version,
      state: 'stopped',
      pid: null,
      restarts: 0,
      lastError: null,
      stats: null,
      statsNote: adapter ? null : 'running, no stats: this program has no usable API',
      hashingSince: null,
    };
  }

  start() {
    this.stopping = false;
    this.spawn();
  }

  private spawn() {
    this.log.note(
      `starting ${this.playbook.name} (${this.playbook.software.name} ${this.playbook.software.version})`,
    );
    const child = startScript(this.scriptPath, this.cwd, this.log);
    this.child = child;
    this.zeroSince = null;
    this.status = {
      ...this.status,
      state: 'starting',
      pid: child.pid ?? null,
      stats: null,
      hashingSince: null,
    };
    this.onChange(this.status);
    child.on('error', (err) => this.log.note(`could not start: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopping) return;
      this.crashed(`exited with ${signal ?? `code ${code}`}`);
    });
  }

  private crashed(reason: string) {
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < this.settings.restartWindowMs);
    this.log.note(reason);
    if (this.restartTimes.length >= this.settings.maxRestarts) {
      this.status = {
        ...this.status,
        state: 'failing',
        pid: null,
        lastError: `${reason}; ${this.restartTimes.length} restarts within ${Math.round(this.settings.restartWindowMs / 1000)} s, giving up`,
      };
      this.log.note(this.status.lastError!);
      this.onChange(this.status);
      return;
    }
    const delay = Math.min(
      this.settings.restartMaxMs,
      this.settings.restartBaseMs * 2 ** this.restartTimes.length,
    );
    this.restartTimes.push(now);
    this.status = {
      ...this.status,
      state: 'restarting',
      pid: null,
      restarts: this.status.restarts + 1,
      lastError: reason,
    };
    this.onChange(this.status);
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn();
    }, delay);
  }

  async stop() {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = undefined;
    if (child) {
      this.log.note('stopping');
      await stopTree(child, this.settings.stopGraceMs);
    }
    this.status = { ...this.status, state: 'stopped', pid: null };
    this.onChange(this.status);
  }

  /** Restart on request (commander command or watchdog); resets the failing state. */
  async restart(reason: string) {
    this.log.note(`restart: ${reason}`);
    await this.stop();
    this.restartTimes = [];
    this.status = { ...this.status, lastError: null };
    this.start();
  }

  get hasAdapter(): boolean {
    return this.adapter !== null;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Reads the program's API; also the hashrate watchdog. */
  async poll(): Promise<void> {
    if (!this.child || !this.adapter) return;
    try {
      const stats = await readStats(this.adapter, this.playbook.apiPort);
      const now = Date.now();
      const hashing = (stats.hashrate ?? 0) > 0;
      this.status = {
        ...this.status,
        state: 'running',
        stats,
        statsNote: null,
        hashingSince: hashing ? (this.status.hashingSince ?? now) : null,
      };
      if (hashing) this.zeroSince = null;
      else {
        this.zeroSince ??= now;
        if (now - this.zeroSince >= this.settings.zeroHashrateRestartMs) {
          await this.restart(`hashrate at zero for ${Math.round((now - this.zeroSince) / 1000)} s`);
          return;
        }
      }
    } catch (err) {
      this.status = {
        ...this.status,
        stats: null,
        statsNote: `running, no stats: ${(err as Error).message}`,
      };
    }
    this.onChange(this.status);
  }
}
