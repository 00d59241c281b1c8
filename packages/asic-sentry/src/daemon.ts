import { join } from 'node:path';
import type { DesiredAsic, DeviceReport, PushServerMessage } from '@mrm/protocol';
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
import { driverFor } from './drivers/index.js';
import type { AsicDriver } from './drivers/types.js';
import { withDefaults } from './drivers/types.js';
import { AsicError } from './errors.js';
import { checkAsic, identify } from './identify.js';
import type { AsicIdentity, AsicReading, AsicTarget, Capability } from './model.js';
import { type ActualPower, decidePower, type PowerAction } from './power.js';
import { RelayGuard, relayDrivers, setRelaySafely } from './relays/index.js';
import type { RelayTarget } from './relays/types.js';
import { type AsicPowerInfo, failureReport, readingReport } from './report.js';
import { scan } from './scanner.js';
import { type AsicSettings, loadAsicSettings } from './settings.js';
import { AsicStore, asicKey, type StoredAsic } from './store.js';
import { SENTRY_VERSION } from './version.js';

export { jsonLogger, type Logger } from '@mrm/sentry-core';

/** What the sentry knows of one ASIC between polls. */
interface Watched {
  key: string;
  asic: StoredAsic;
  desired?: DesiredAsic;
  identity?: AsicIdentity;
  reading?: AsicReading;
  error?: AsicError;
  power?: AsicPowerInfo;
  lastPollAt?: number;
  lastControl?: { action: PowerAction | 'power-target'; at: number; outcome: string };
}

export interface AsicStatusEntry {
  key: string;
  type: string;
  make: string | null;
  model: string | null;
  state: string;
  hashrate: number | null;
  error: string | null;
  expectedPower: string;
  actualPower: string;
  lastPollAt: number | null;
  lastControl: Watched['lastControl'] | null;
}

/**
 * The ASIC sentry's daemon: polls every known ASIC on an interval, reports through the on-disk
 * outbox, and brings each ASIC to the power state the commander's signed desired state expects.
 */
export class AsicDaemon {
  readonly config: SentryConfig;
  readonly settings: AsicSettings;
  readonly client: CommanderClient;
  readonly outbox: Outbox;
  readonly store: AsicStore;
  private readonly fetcher: DesiredStateFetcher;
  private readonly relayGuard: RelayGuard;
  private push: PushClient | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly watched = new Map<string, Watched>();
  private desired: DesiredAsic[] | null = null;
  private polling: Promise<void> | undefined;
  private repoll = false;
  private checking: Promise<void> | undefined;
  private lastRefusal: string | null = null;
  private lastReportAt: number | null = null;
  private lastCycleMs: number | null = null;
  private commanderReachable = false;
  private stopped = false;

  constructor(
    private readonly stateDir: string,
    private readonly log: Logger = jsonLogger,
    settings?: AsicSettings,
  ) {
    this.config = requireConfig(stateDir);
    if (this.config.kind !== 'asic')
      throw new Error(`${stateDir} holds a ${this.config.kind} sentry's config, not an ASIC sentry's`);
    this.settings = settings ?? loadAsicSettings();
    this.client = new CommanderClient(this.config.commanderUrl, this.config.token);
    // Batches of hundreds of devices: a few per request keep bodies under the commander's limit.
    this.outbox = new Outbox(stateDir, {
      maxBytes: 50 * 1024 * 1024,
      maxAgeMs: 7 * 86_400_000,
      batchesPerRequest: 4,
    });
    this.fetcher = new DesiredStateFetcher(stateDir, this.client, this.config);
    this.store = new AsicStore(stateDir);
    this.relayGuard = new RelayGuard(this.settings.relayMinIntervalMs);
  }

  async start() {
    this.log('ASIC sentry starting', {
      sentry: this.config.name,
      commander: this.config.commanderUrl,
      version: SENTRY_VERSION,
    });
    try {
      const hello = await this.client.hello({
        kind: 'asic',
        version: SENTRY_VERSION,
        platform: process.platform,
      });
      this.outbox.raiseSeqAbove(hello.lastSeq);
      this.commanderReachable = true;
    } catch (err) {
      this.log(`commander not reachable at start: ${(err as Error).message}`);
    }
    await this.checkDesiredState();
    if (this.settings.push) {
      this.push = new PushClient(this.client, {
        onMessage: (m) => void this.onPush(m),
        onStatus: (connected, detail) =>
          this.log(connected ? 'push connected' : `push disconnected${detail ? `: ${detail}` : ''}`),
      });
      this.push.start();
    }
    this.timers.push(setInterval(() => void this.checkDesiredState(), this.settings.desiredStatePollMs));
    this.timers.push(setInterval(() => void this.pollAll(), this.settings.pollIntervalMs));
    // The first desired state may already have started a cycle; do not queue a second one.
    if (!this.polling) void this.pollAll();
  }

  async stop() {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.push?.stop();
    await this.checking;
    await this.polling;
    this.writeStatus();
  }

  /** The watch list: local entries and the commander's, joined by key. */
  private refreshWatchList() {
    const local = this.store.list();
    const byKey = new Map<string, StoredAsic>(local.map((a) => [asicKey(a), a]));
    const desiredByKey = new Map<string, DesiredAsic>((this.desired ?? []).map((d) => [asicKey(d), d]));
    if (this.desired) {
      // Removed on the commander: it listed the ASIC before and no longer does.
      let changed = false;
      for (const a of local) {
        const key = asicKey(a);
        if (a.knownToCommander && !desiredByKey.has(key)) {
          byKey.delete(key);
          changed = true;
          this.log(`ASIC ${key} was removed on the commander; no longer watched`);
        } else if (!a.knownToCommander && desiredByKey.has(key)) {
          a.knownToCommander = true;
          changed = true;
        }
      }
      for (const [key, d] of desiredByKey) {
        if (!byKey.has(key)) {
          byKey.set(key, {
            ip: d.ip,
            ...(d.port ? { port: d.port } : {}),
            type: d.type,
            name: d.name,
            addedAt: Date.now(),
            source: 'commander',
            knownToCommander: true,
          });
          changed = true;
        }
      }
      if (changed) this.store.save([...byKey.values()]);
    }
    for (const key of [...this.watched.keys()]) if (!byKey.has(key)) this.watched.delete(key);
    for (const [key, asic] of byKey) {
      const w = this.watched.get(key);
      if (w) {
        w.asic = asic;
        w.desired = desiredByKey.get(key);
      } else this.watched.set(key, { key, asic, desired: desiredByKey.get(key), identity: asic.identity });
    }
  }

  checkDesiredState(force = false): Promise<void> {
    if (this.checking) return this.checking;
    this.checking = (async () => {
      try {
        const doc = await this.fetcher.fetch(force);
        this.commanderReachable = true;
        if (doc?.kind !== 'asic') return;
        this.lastRefusal = null;
        const before = JSON.stringify(this.desired);
        this.desired = doc.asics;
        if (before !== JSON.stringify(this.desired)) {
          this.log(`desired state revision ${doc.revision}: ${doc.asics.length} ASIC(s)`);
          this.refreshWatchList();
          void this.pollAll();
        }
      } catch (err) {
        if (err instanceof DesiredStateRefused) {
          this.lastRefusal = err.message;
          this.log(`refused desired state: ${err.message}`);
        } else {
          if (err instanceof CommanderError) this.commanderReachable = err.kind !== 'unreachable';
          this.log(`desired state check failed: ${(err as Error).message}`);
        }
      }
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private target(a: StoredAsic, driver?: AsicDriver): AsicTarget {
    const t: AsicTarget = {
      ip: a.ip,
      ...(a.port ? { port: a.port } : {}),
      ...(a.user ? { user: a.user } : {}),
      ...(a.password ? { password: a.password } : {}),
      timeoutMs: this.settings.requestTimeoutMs,
      maxBytes: this.settings.maxResponseBytes,
    };
    return driver ? withDefaults(driver, t) : t;
  }

  private relayTarget(a: StoredAsic): RelayTarget | undefined {
    if (!a.relay) return undefined;
    return {
      ...a.relay,
      timeoutMs: this.settings.requestTimeoutMs,
      maxBytes: 64 * 1024,
    };
  }

  /** One poll cycle over every ASIC, bounded in concurrency; serialised, and re-run when asked during one. */
  pollAll(): Promise<void> {
    if (this.polling) {
      this.repoll = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.repoll = false;
        await this.cycle();
      } while (this.repoll && !this.stopped);
    })().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async cycle() {
    const started = Date.now();
    this.refreshWatchList();
    const items = [...this.watched.values()];
    const reports: DeviceReport[] = [];
    let next = 0;
    const worker = async () => {
      while (next < items.length && !this.stopped) {
        const w = items[next++]!;
        reports.push(await this.pollOne(w));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.pollConcurrency, items.length) }, worker));
    this.lastCycleMs = Date.now() - started;
    for (let i = 0; i < reports.length; i += this.settings.devicesPerBatch)
      this.outbox.append(reports.slice(i, i + this.settings.devicesPerBatch));
    await this.flush();
    this.writeStatus();
  }

  private async flush() {
    try {
      await this.outbox.flush(this.client);
      this.lastReportAt = Date.now();
      this.commanderReachable = true;
    } catch (err) {
      if (err instanceof CommanderError) this.commanderReachable = err.kind !== 'unreachable';
      this.log(`report not delivered, kept on disk: ${(err as Error).message}`);
    }
  }

  private async resolveDriver(w: Watched): Promise<AsicDriver> {
    if (w.identity) {
      const d = driverFor(w.identity.type);
      if (d) return d;
    }
    const declared = driverFor(w.asic.type);
    const t = this.target(w.asic, declared);
    if (declared) {
      const { identity } = await checkAsic(t, declared.type);
      w.identity = identity;
      return declared;
    }
    const identity = await identify(t);
    if (!identity) throw new AsicError('wrong_type', `${w.asic.ip}: no known miner answers there`);
    w.identity = identity;
    return driverFor(identity.type)!;
  }

  private async pollOne(w: Watched): Promise<DeviceReport> {
    const at = Date.now();
    const expected = w.desired?.powerState ?? 'on';
    const relayT = this.relayTarget(w.asic);
    let relayOn: boolean | null = null;
    if (relayT) relayOn = await relayDrivers[relayT.kind].get(relayT).catch(() => null);
    let driver: AsicDriver | undefined;
    let caps: Capability[] = [];
    w.reading = undefined;
    w.error = undefined;
    if (relayOn !== false) {
      try {
        driver = await this.resolveDriver(w);
        w.reading = await driver.read(this.target(w.asic, driver), w.identity);
        caps = driver.capabilities(w.identity, w.reading);
      } catch (err) {
        w.error = err instanceof AsicError ? err : new AsicError('unreachable', (err as Error).message);
        if (driver) caps = driver.capabilities(w.identity);
      }
    }
    const actual: ActualPower =
      relayOn === false ? 'off' : w.reading ? (w.reading.state === 'sleeping' ? 'sleep' : 'on') : 'unknown';
    const decision = decidePower(expected, actual, caps, Boolean(relayT));
    let note = decision.note;
    if (decision.action) note = (await this.control(w, decision.action, driver)) ?? note;
    else if (expected === 'on' && actual === 'on') note = (await this.tunePower(w, caps, driver)) ?? note;
    w.power = {
      expected,
      actual,
      capabilities: caps,
      ...(relayT
        ? { relay: { kind: relayT.kind, host: relayT.host, channel: relayT.channel ?? 0, on: relayOn } }
        : {}),
      ...(note ? { note } : {}),
    };
    w.lastPollAt = at;
    const name = w.desired?.name ?? w.asic.name;
    const type = w.identity?.type ?? w.asic.type;
    return w.reading
      ? readingReport(w.key, at, w.reading, w.power, type, name)
      : failureReport(
          w.key,
          at,
          w.error ??
            new AsicError('unreachable', relayOn === false ? 'powered off by its relay' : 'not read'),
          w.power,
          type,
          name,
        );
  }

  /**
   * Sends one control command. Never twice in a row without a read in between: after a command
   * (answered, failed or timed out) the ASIC waits `controlRetryMs`, and the next poll reads what
   * really happened before anything is sent again.
   */
  private async control(
    w: Watched,
    action: PowerAction,
    driver: AsicDriver | undefined,
  ): Promise<string | undefined> {
    const now = Date.now();
    if (w.lastControl && now - w.lastControl.at < this.settings.controlRetryMs)
      return `waiting to read back the result of ${w.lastControl.action} (${w.lastControl.outcome})`;
    let outcome: string;
    try {
      if (action === 'relay-on' || action === 'relay-off') {
        const rt = this.relayTarget(w.asic)!;
        const wait = this.relayGuard.tryClaim(rt);
        if (wait > 0) return `relay switched recently; next switch allowed in ${Math.ceil(wait / 1000)} s`;
        const res = await setRelaySafely(relayDrivers[rt.kind], rt, action === 'relay-on');
        outcome = res.note ?? (res.changed ? 'done' : 'already so');
      } else {
        const fn = action === 'sleep' ? driver?.control.sleep : driver?.control.wake;
        if (!driver || !fn) return `cannot ${action}: the firmware does not allow it`;
        await fn(this.target(w.asic, driver));
        outcome = 'sent';
      }
      this.log(`ASIC ${w.key}: ${action} (${outcome})`);
    } catch (err) {
      outcome =
        err instanceof AsicError && err.reason === 'timeout'
          ? 'timed out: outcome unknown, not resent; will read back'
          : `failed: ${(err as Error).message}`;
      this.log(`ASIC ${w.key}: ${action} ${outcome}`);
    }
    w.lastControl = { action, at: now, outcome };
    return `${action}: ${outcome}`;
  }

  /**
   * Brings a running ASIC to the power target the commander asks for, where its firmware has one.
   * Same rule as power states: one command, then a read before another.
   */
  private async tunePower(
    w: Watched,
    caps: Capability[],
    driver: AsicDriver | undefined,
  ): Promise<string | undefined> {
    const want = w.desired?.powerTargetW ?? null;
    if (want === null || !w.reading) return undefined;
    if (!caps.includes('powerTarget') || !driver?.control.setPowerTarget)
      return `power target ${want} W asked, but this firmware has none`;
    const have = w.reading.powerLimitW;
    if (have !== undefined && Math.abs(have - want) <= Math.max(5, want * 0.01)) return undefined;
    const now = Date.now();
    if (w.lastControl && now - w.lastControl.at < this.settings.controlRetryMs)
      return `waiting to read back the result of ${w.lastControl.action} (${w.lastControl.outcome})`;
    let outcome: string;
    try {
      await driver.control.setPowerTarget(this.target(w.asic, driver), want);
      outcome = 'sent';
    } catch (err) {
      outcome =
        err instanceof AsicError && err.reason === 'timeout'
          ? 'timed out: outcome unknown, not resent; will read back'
          : `failed: ${(err as Error).message}`;
    }
    this.log(`ASIC ${w.key}: power target ${want} W (${outcome})`);
    w.lastControl = { action: 'power-target', at: now, outcome };
    return `power target ${want} W: ${outcome}`;
  }

  private async onPush(m: PushServerMessage) {
    if (m.type === 'desired-state-changed' || m.type === 'welcome') {
      await this.checkDesiredState();
      return;
    }
    if (m.type !== 'command') return;
    const reply = (ok: boolean, output: string) =>
      this.push?.send({ type: 'command-result', id: m.id, ok, output: output.slice(0, 256 * 1024) });
    try {
      if (m.command === 'check-asic') {
        const ip = String(m.args.ip ?? '');
        const type = String(m.args.type ?? 'auto');
        const port = typeof m.args.port === 'number' ? m.args.port : undefined;
        const base: AsicTarget = {
          ip,
          ...(port ? { port } : {}),
          timeoutMs: this.settings.requestTimeoutMs,
          maxBytes: this.settings.maxResponseBytes,
        };
        const { identity } = await checkAsic(base, type);
        return reply(true, JSON.stringify(identity));
      }
      if (m.command === 'reboot-asic') {
        const w = this.watched.get(String(m.args.key ?? ''));
        if (!w) return reply(false, `this sentry does not watch an ASIC at ${String(m.args.key ?? '')}`);
        const driver = await this.resolveDriver(w);
        if (!driver.control.reboot)
          return reply(false, `a ${driver.make} on this firmware cannot be rebooted over its API`);
        // Sent once; a timeout is reported as such, not retried (the miner may be rebooting already).
        await driver.control.reboot(this.target(w.asic, driver));
        this.log(`ASIC ${w.key}: reboot sent`);
        return reply(true, `reboot sent to ${w.key}`);
      }
      if (m.command === 'scan-asics') {
        const ranges = Array.isArray(m.args.ranges) ? m.args.ranges.map(String) : [];
        const hits = await scan(ranges);
        return reply(true, JSON.stringify(hits));
      }
      return reply(false, `an ASIC sentry does not run "${m.command}"`);
    } catch (err) {
      return reply(false, (err as Error).message);
    }
  }

  statusEntries(): AsicStatusEntry[] {
    return [...this.watched.values()].map((w) => ({
      key: w.key,
      type: w.identity?.type ?? w.asic.type,
      make: w.reading?.make ?? w.identity?.make ?? null,
      model: w.reading?.model ?? w.identity?.model ?? null,
      state: w.reading?.state ?? (w.power?.actual === 'off' ? 'off' : w.error ? 'error' : 'pending'),
      hashrate: w.reading?.hashrate ?? null,
      error: w.error?.message ?? null,
      expectedPower: w.desired?.powerState ?? 'on',
      actualPower: w.power?.actual ?? 'unknown',
      lastPollAt: w.lastPollAt ?? null,
      lastControl: w.lastControl ?? null,
    }));
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
      refusedDesiredState: this.lastRefusal,
      lastReportAt: this.lastReportAt,
      lastCycleMs: this.lastCycleMs,
      outbox: { pending: this.outbox.pendingCount(), dropped: this.outbox.dropped },
      asics: this.statusEntries(),
    };
  }

  writeStatus() {
    try {
      writeJsonFile(join(this.stateDir, 'status.json'), this.status());
    } catch (err) {
      this.log(`could not write status: ${(err as Error).message}`);
    }
  }
}
