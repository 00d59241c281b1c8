import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { PushServerMessage } from '@mrm/protocol';
import {
  CommanderClient,
  CommanderError,
  DesiredStateFetcher,
  DesiredStateRefused,
  jsonLogger,
  type Logger,
  Outbox,
  PushClient,
  requireConfig,
  type SentryConfig,
  writeJsonFile,
} from '@mrm/sentry-core';
import { execRunner, probeHardware } from './hardware/index.js';
import { PowerLimiter } from './hardware/power-limit.js';
import type { HardwareSnapshot } from './hardware/types.js';
import { Installer } from './installer.js';
import { currentPlatform, scriptShell } from './platform.js';
import { RotatingLog } from './rotating-log.js';
import { type ApplyResult, Runner } from './runner.js';
import { loadSettings, type RigSettings } from './settings.js';
import { buildRigReport } from './telemetry.js';
import { SENTRY_VERSION } from './version.js';

export { jsonLogger, type Logger } from '@mrm/sentry-core';

/**
 * The rig sentry's daemon: keeps the rig doing what the commander's signed desired state says,
 * and keeps mining from the last good state when the commander is away.
 */
export class RigDaemon {
  readonly config: SentryConfig;
  readonly settings: RigSettings;
  readonly client: CommanderClient;
  readonly outbox: Outbox;
  readonly runner: Runner;
  private readonly fetcher: DesiredStateFetcher;
  private push: PushClient | undefined;
  private timers: NodeJS.Timeout[] = [];
  private lastHardware: HardwareSnapshot | null = null;
  private lastRefusal: string | null = null;
  private lastReportAt: number | null = null;
  private commanderReachable = false;
  private checking: Promise<void> | undefined;
  private recheck = false;
  private stopped = false;

  constructor(
    private readonly stateDir: string,
    private readonly log: Logger = jsonLogger,
    settings?: RigSettings,
    private readonly probe: () => Promise<HardwareSnapshot> = () => probeHardware(),
  ) {
    this.config = requireConfig(stateDir);
    this.settings = settings ?? loadSettings();
    const platform = currentPlatform();
    if (!platform) throw new Error(`no mining programs are offered for ${process.platform}-${process.arch}`);
    this.client = new CommanderClient(this.config.commanderUrl, this.config.token);
    this.outbox = new Outbox(stateDir);
    this.fetcher = new DesiredStateFetcher(stateDir, this.client, this.config);
    const installer = new Installer(stateDir, platform, (url) => this.client.fetchRaw(url), log);
    const limiter = new PowerLimiter(execRunner, log);
    this.runner = new Runner(
      stateDir,
      installer,
      scriptShell(),
      this.settings,
      log,
      () => this.writeStatus(),
      {
        limiter,
        gpus: () => this.lastHardware?.gpus ?? [],
      },
    );
  }

  async start() {
    this.log('rig sentry starting', {
      sentry: this.config.name,
      commander: this.config.commanderUrl,
      version: SENTRY_VERSION,
    });
    this.runner.killLeftovers();
    // GPUs must be known before the first playbooks start, for their power limits.
    this.lastHardware = await this.probe().catch(() => null);
    try {
      const hello = await this.client.hello({
        kind: 'rig',
        version: SENTRY_VERSION,
        platform: process.platform,
      });
      this.outbox.raiseSeqAbove(hello.lastSeq);
      this.commanderReachable = true;
    } catch (err) {
      this.log(`commander not reachable at start: ${(err as Error).message}`);
    }
    await this.checkDesiredState();
    // No verified desired state (commander away, or its answer refused): keep mining as before.
    const good = this.runner.lastGood();
    if (!this.runner.playbooks.length && good?.length) {
      this.log('running the last playbooks that worked until the commander answers');
      void this.runner.apply(good);
    }
    if (this.settings.push) {
      this.push = new PushClient(this.client, {
        onMessage: (m) => void this.onPush(m),
        onStatus: (connected, detail) =>
          this.log(connected ? 'push connected' : `push disconnected${detail ? `: ${detail}` : ''}`),
      });
      this.push.start();
    }
    this.timers.push(setInterval(() => void this.checkDesiredState(), this.settings.pollIntervalMs));
    this.timers.push(setInterval(() => void this.report(), this.settings.reportIntervalMs));
    void this.report();
  }

  async stop() {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.push?.stop();
    await this.checking;
    await this.runner.stopAll();
    this.writeStatus();
  }

  /**
   * Fetch, verify and apply; serialised so a push during a poll does not apply twice. A request
   * that arrives while a check runs is not lost: one more check follows it.
   */
  checkDesiredState(force = false): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.recheck = false;
        await this.doCheck(force);
      } while (this.recheck && !this.stopped);
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async doCheck(force: boolean) {
    try {
      const doc = await this.fetcher.fetch(force);
      this.commanderReachable = true;
      if (doc?.kind !== 'rig') return;
      this.lastRefusal = null;
      this.log(`desired state revision ${doc.revision}: ${doc.playbooks.length} playbook(s)`);
      const offset = this.settings.apiPortOffset;
      const playbooks = offset
        ? doc.playbooks.map((p) => ({
            ...p,
            apiPort: p.apiPort + offset,
            values: { ...p.values, API_PORT: String(p.apiPort + offset) },
          }))
        : doc.playbooks;
      const result: ApplyResult = await this.runner.apply(playbooks);
      if (result.changed || result.error) void this.report();
    } catch (err) {
      if (err instanceof DesiredStateRefused) {
        this.lastRefusal = err.message;
        this.log(`refused desired state: ${err.message}`);
        void this.report();
      } else if (err instanceof CommanderError) {
        this.commanderReachable = err.kind !== 'unreachable';
        this.log(`desired state check failed: ${err.message}`);
      } else {
        this.log(`desired state check failed: ${(err as Error).message}`);
      }
    }
  }

  private async onPush(m: PushServerMessage) {
    if (m.type === 'desired-state-changed' || m.type === 'welcome') {
      await this.checkDesiredState();
      return;
    }
    if (m.type !== 'command') return;
    const reply = (ok: boolean, output: string) =>
      this.push?.send({ type: 'command-result', id: m.id, ok, output: output.slice(0, 256 * 1024) });
    const playbookId = typeof m.args.playbookId === 'string' ? m.args.playbookId : null;
    try {
      switch (m.command) {
        case 'restart-playbook': {
          const proc = playbookId ? this.runner.process(playbookId) : undefined;
          if (!proc) return reply(false, `no running playbook ${playbookId ?? '(playbookId missing)'}`);
          await proc.restart('requested by the commander');
          return reply(true, `restarted ${proc.playbook.name}`);
        }
        case 'stop-all':
          await this.runner.stopAll();
          return reply(true, 'all playbooks stopped');
        case 'start-all':
          await this.runner.startAll();
          return reply(true, 'all playbooks started');
        case 'fetch-logs': {
          const lines = typeof m.args.lines === 'number' ? m.args.lines : 200;
          const ids = playbookId ? [playbookId] : this.runner.statuses().map((s) => s.id);
          const out = ids
            .map((id) => `== ${id}\n${RotatingLog.tail(this.runner.logPath(id), lines)}`)
            .join('\n');
          return reply(true, out);
        }
        case 'reboot': {
          if (!this.settings.allowReboot)
            return reply(
              false,
              'reboot is not allowed on this rig (set MRM_SENTRY_ALLOW_REBOOT=1 to allow it)',
            );
          reply(true, 'rebooting');
          await this.runner.stopAll();
          const [cmd, args] =
            process.platform === 'win32' ? ['shutdown', ['/r', '/t', '0']] : ['systemctl', ['reboot']];
          execFile(
            cmd as string,
            args as string[],
            (err) => err && this.log(`reboot failed: ${err.message}`),
          );
          return;
        }
      }
    } catch (err) {
      reply(false, (err as Error).message);
    }
  }

  /** Collects stats and hardware, queues the report on disk, and sends what is queued. */
  async report() {
    if (this.stopped) return;
    try {
      this.lastHardware = await this.probe();
    } catch (err) {
      this.log(`hardware probe failed: ${(err as Error).message}`);
    }
    await this.runner.pollAll();
    const report = buildRigReport(Date.now(), this.runner.statuses(), this.lastHardware, {
      sentryVersion: SENTRY_VERSION,
      lastApply: this.runner.lastApply,
      refusedDesiredState: this.lastRefusal,
      outbox: { pending: this.outbox.pendingCount(), dropped: this.outbox.dropped },
    });
    this.outbox.append([report]);
    try {
      await this.outbox.flush(this.client);
      this.commanderReachable = true;
      this.lastReportAt = Date.now();
    } catch (err) {
      this.commanderReachable = !(err instanceof CommanderError && err.kind === 'unreachable');
      this.log(`report not sent yet (kept on disk): ${(err as Error).message}`);
    }
    this.writeStatus();
  }

  status() {
    return {
      sentry: {
        id: this.config.sentryId,
        name: this.config.name,
        commander: this.config.commanderUrl,
        version: SENTRY_VERSION,
      },
      commanderReachable: this.commanderReachable,
      pushConnected: this.push?.connected ?? false,
      lastReportAt: this.lastReportAt,
      outbox: { pending: this.outbox.pendingCount(), dropped: this.outbox.dropped },
      lastApply: this.runner.lastApply,
      refusedDesiredState: this.lastRefusal,
      playbooks: this.runner.statuses().map((s) => ({
        id: s.id,
        name: s.name,
        program: `${s.program} ${s.version}`,
        state: s.state,
        pid: s.pid,
        hashrate: s.stats?.hashrate ?? null,
        restarts: s.restarts,
        lastError: s.lastError,
        note: s.statsNote,
      })),
      updatedAt: Date.now(),
    };
  }

  private writeStatus() {
    try {
      writeJsonFile(join(this.stateDir, 'status.json'), this.status());
    } catch {
      // status is a convenience for `status`; never fatal
    }
  }
}
