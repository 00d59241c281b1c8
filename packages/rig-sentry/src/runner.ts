import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DesiredPlaybook } from '@mrm/protocol';
import { readJsonFile, writeJsonFile } from '@mrm/sentry-core';
import { findAdapter } from './adapters/index.js';
import type { PowerLimiter } from './hardware/power-limit.js';
import type { GpuInfo } from './hardware/types.js';
import type { Installed, Installer } from './installer.js';
import type { ScriptShell } from './platform.js';
import { renderScript } from './script.js';
import type { RigSettings } from './settings.js';
import { PlaybookProcess, type PlaybookStatus } from './supervisor.js';

export interface ApplyResult {
  ok: boolean;
  changed: boolean;
  /** Why the new set was refused or rolled back. */
  error: string | null;
  rolledBack: boolean;
}

type Log = (msg: string, extra?: Record<string, unknown>) => void;

const setHash = (playbooks: DesiredPlaybook[]) =>
  createHash('sha256').update(JSON.stringify(playbooks)).digest('hex');

/**
 * Makes a playbook set real, in the seed's order: install what is missing first (a failed
 * download changes nothing), stop everything, remove the old scripts, write and start the new
 * ones, then watch them; a set that does not come up healthy is replaced by the last good one.
 */
export class Runner {
  private procs = new Map<string, PlaybookProcess>();
  private currentHash: string | null = null;
  private current: DesiredPlaybook[] = [];
  private readonly scriptsDir: string;
  private readonly logsDir: string;
  private readonly lastGoodFile: string;
  private readonly pidsFile: string;
  private applying: Promise<ApplyResult> = Promise.resolve({
    ok: true,
    changed: false,
    error: null,
    rolledBack: false,
  });
  lastApply: (ApplyResult & { at: number }) | null = null;

  constructor(
    stateDir: string,
    private readonly installer: Installer,
    private readonly shell: ScriptShell,
    private readonly settings: RigSettings,
    private readonly log: Log,
    private readonly onChange: () => void = () => {},
    private readonly power?: { limiter: PowerLimiter; gpus: () => GpuInfo[] },
  ) {
    this.scriptsDir = join(stateDir, 'playbooks');
    this.logsDir = join(stateDir, 'logs');
    this.lastGoodFile = join(stateDir, 'last-good-playbooks.json');
    this.pidsFile = join(stateDir, 'running-pids.json');
    mkdirSync(this.logsDir, { recursive: true });
  }

  /** Programs a previous sentry process left running (it died without stopping them) are stopped first. */
  killLeftovers() {
    const pids = readJsonFile<number[]>(this.pidsFile) ?? [];
    for (const pid of pids) {
      try {
        process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    writeJsonFile(this.pidsFile, []);
  }

  lastGood(): DesiredPlaybook[] | null {
    return readJsonFile<DesiredPlaybook[]>(this.lastGoodFile);
  }

  statuses(): PlaybookStatus[] {
    return [...this.procs.values()].map((p) => p.status);
  }

  process(id: string): PlaybookProcess | undefined {
    return this.procs.get(id);
  }

  logPath(id: string): string {
    return join(this.logsDir, `${id}.log`);
  }

  /** Serialised: a second apply waits for the first. */
  apply(playbooks: DesiredPlaybook[]): Promise<ApplyResult> {
    this.applying = this.applying.then(() => this.applyNow(playbooks));
    return this.applying;
  }

  private async applyNow(playbooks: DesiredPlaybook[], isRollback = false): Promise<ApplyResult> {
    const hash = setHash(playbooks);
    if (hash === this.currentHash) return { ok: true, changed: false, error: null, rolledBack: false };
    // 1. Everything the new set needs, downloaded and verified, before anything stops.
    const installed = new Map<string, Installed>();
    try {
      for (const p of playbooks) installed.set(p.id, await this.installer.ensure(p));
    } catch (err) {
      const result = { ok: false, changed: false, error: (err as Error).message, rolledBack: false };
      this.log(`not applying the new playbooks: ${result.error}`);
      this.lastApply = { ...result, at: Date.now() };
      this.onChange();
      return result;
    }
    // 2–3. Stop and remove everything that runs now.
    await this.stopAll();
    rmSync(this.scriptsDir, { recursive: true, force: true });
    this.procs.clear();
    // 4. One script per playbook, started from the program's folder.
    try {
      for (const p of playbooks) {
        const inst = installed.get(p.id)!;
        const script = join(this.scriptsDir, p.id, this.shell === 'sh' ? 'run.sh' : 'run.bat');
        mkdirSync(dirname(script), { recursive: true });
        writeFileSync(script, renderScript(p.script, p.values, this.shell), { mode: 0o700 });
        const adapterName = p.software.adapter;
        const adapter = adapterName === 'none' ? null : (findAdapter(adapterName) ?? null);
        const proc = new PlaybookProcess(
          p,
          script,
          dirname(inst.executablePath),
          this.logPath(p.id),
          adapter,
          this.settings,
          () => {
            this.savePids();
            this.onChange();
          },
        );
        this.procs.set(p.id, proc);
      }
    } catch (err) {
      // A value the shell cannot quote safely: nothing starts from this set.
      this.procs.clear();
      return this.failed(
        playbooks,
        `cannot write the playbook scripts: ${(err as Error).message}`,
        isRollback,
      );
    }
    this.currentHash = hash;
    this.current = playbooks;
    await this.applyPowerLimit();
    for (const proc of this.procs.values()) proc.start();
    this.log(`started ${playbooks.length} playbook(s)`);
    // 5. Health window: each program must keep running and, where it reports, hash.
    const problem = await this.watchHealth();
    if (problem) return this.failed(playbooks, problem, isRollback);
    writeJsonFile(this.lastGoodFile, playbooks);
    const result = { ok: true, changed: true, error: null, rolledBack: false };
    this.lastApply = { ...result, at: Date.now() };
    this.onChange();
    return result;
  }

  private async failed(
    playbooks: DesiredPlaybook[],
    problem: string,
    isRollback: boolean,
  ): Promise<ApplyResult> {
    this.log(`new playbooks failed: ${problem}`);
    const good = this.lastGood();
    let rolledBack = false;
    if (!isRollback && good && setHash(good) !== setHash(playbooks)) {
      this.currentHash = null;
      const back = await this.applyNow(good, true);
      rolledBack = back.ok;
      this.log(
        rolledBack ? 'rolled back to the last playbooks that worked' : `rollback failed too: ${back.error}`,
      );
    }
    const result = { ok: false, changed: true, error: problem, rolledBack };
    this.lastApply = { ...result, at: Date.now() };
    this.onChange();
    return result;
  }

  private async watchHealth(): Promise<string | null> {
    const started = Date.now();
    const window = this.settings.healthWindowMs;
    const deadline = started + window;
    // A program without an API can only show it keeps running.
    const minUptime = Math.min(5000, window / 2);
    const step = Math.min(1000, Math.max(100, window / 20));
    for (;;) {
      await this.pollAll();
      const procs = [...this.procs.values()];
      const failing = procs.find((p) => p.status.state === 'failing');
      if (failing) return `${failing.status.name}: ${failing.status.lastError}`;
      const healthy = procs.every((p) =>
        p.hasAdapter ? p.status.hashingSince !== null : p.running && Date.now() - started >= minUptime,
      );
      if (healthy) return null;
      if (Date.now() >= deadline) {
        const bad = procs.find((p) => (p.hasAdapter ? p.status.hashingSince === null : !p.running))?.status;
        return `${bad?.name ?? 'a playbook'} did not start ${bad && !bad.statsNote ? 'hashing' : 'properly'} within ${Math.round(window / 1000)} s (${bad?.lastError ?? bad?.statsNote ?? 'no hashrate'})`;
      }
      await new Promise((r) => setTimeout(r, step));
    }
  }

  private savePids() {
    const pids = [...this.procs.values()].map((p) => p.status.pid).filter((p): p is number => p !== null);
    writeJsonFile(this.pidsFile, pids);
  }

  async stopAll() {
    await Promise.all([...this.procs.values()].map((p) => p.stop()));
    this.savePids();
    await this.power?.limiter.restore();
  }

  async startAll() {
    await this.applyPowerLimit();
    for (const p of this.procs.values()) if (!p.running) p.start();
  }

  /** The lowest GPU power limit any playbook asks for, set on every GPU before the miners start. */
  private async applyPowerLimit() {
    const limits = this.current
      .map((p) => p.gpuPowerLimitW)
      .filter((w): w is number => typeof w === 'number');
    if (this.power && limits.length) await this.power.limiter.apply(this.power.gpus(), Math.min(...limits));
  }

  async pollAll() {
    await Promise.all([...this.procs.values()].map((p) => p.poll()));
  }

  get playbooks(): DesiredPlaybook[] {
    return this.current;
  }
}
