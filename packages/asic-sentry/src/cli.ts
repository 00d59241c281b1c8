import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { enrollCommand, fail as failWith, loadConfig, readJsonFile } from '@mrm/sentry-core';
import { Command, Option } from 'commander';
import { AsicDaemon, jsonLogger } from './daemon.js';
import { driverFor, driverTypes } from './drivers/index.js';
import { withDefaults } from './drivers/types.js';
import { AsicError } from './errors.js';
import { checkAsic } from './identify.js';
import { asicLimits } from './model.js';
import type { RelayKind } from './relays/types.js';
import { type ScanHit, scan } from './scanner.js';
import { AsicStore, asicKey, type RelayConfig } from './store.js';
import { SENTRY_VERSION } from './version.js';

function defaultStateDir(): string {
  if (process.env.MRM_SENTRY_STATE_DIR) return process.env.MRM_SENTRY_STATE_DIR;
  if (process.platform !== 'win32' && process.getuid?.() === 0) return '/var/lib/mrm-asic-sentry';
  return join(homedir(), '.mrm-asic-sentry');
}

const fail: (message: string, code?: number) => never = (message, code = 1) =>
  failWith('mrm-asic-sentry', message, code);

const hashrateText = (hs: number | undefined | null) => {
  if (hs === undefined || hs === null) return '-';
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s'];
  let v = hs;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
};

/** `shelly-gen2:10.0.0.50[:channel]`, `tasmota:10.0.0.51`. */
export function parseRelay(spec: string, user?: string, password?: string): RelayConfig {
  const m = /^(shelly-gen1|shelly-gen2|tasmota):([^:]+)(?::(\d+))?$/.exec(spec);
  if (!m)
    throw new Error(
      `--relay takes KIND:HOST[:CHANNEL] with KIND shelly-gen1, shelly-gen2 or tasmota (got "${spec}")`,
    );
  return {
    kind: m[1] as RelayKind,
    host: m[2]!,
    ...(m[3] ? { channel: Number(m[3]) } : {}),
    ...(user ? { user } : {}),
    ...(password ? { password } : {}),
  };
}

function ensureEnrolled(stateDir: string) {
  if (!existsSync(join(stateDir, 'config.json')))
    fail(`not enrolled (no config in ${stateDir}); run "mrm-asic-sentry enroll" first`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function buildCli(): Command {
  const program = new Command('mrm-asic-sentry')
    .description('Mining Rig Monitor ASIC sentry: finds, identifies and watches the ASIC miners on this LAN')
    .version(SENTRY_VERSION);
  const stateDirOption = () =>
    new Option('--state-dir <dir>', 'where config and state live').default(defaultStateDir());

  program
    .command('enroll')
    .description('check the commander URL and sentry token, pin the commander key, and save the config')
    .requiredOption('--url <url>', 'commander URL shown when the sentry was created')
    .requiredOption('--token <token>', 'the sentry token shown once when it was created')
    .addOption(stateDirOption())
    .action((opts: { url: string; token: string; stateDir: string }) =>
      enrollCommand('mrm-asic-sentry', 'asic', SENTRY_VERSION, opts),
    );

  program
    .command('add')
    .description('check that an ASIC answers and is of the given type, identify it, and watch it')
    .requiredOption('--type <type>', `auto, or one of: ${driverTypes.join(', ')}`)
    .requiredOption('--ip <ip>', 'its address')
    .option('--port <port>', 'its API port, when not the default', (v) => Number(v))
    .option('--user <user>', "web/API user for power control (default: the make's factory user)")
    .option('--password <password>', 'web/API password for power control (default: the factory password)')
    .option('--name <name>', 'a name for it')
    .option(
      '--relay <kind:host[:channel]>',
      'smart plug or relay that cuts its power (shelly-gen1, shelly-gen2, tasmota)',
    )
    .option('--relay-user <user>', 'relay login user')
    .option('--relay-password <password>', 'relay login password')
    .addOption(stateDirOption())
    .action(
      async (opts: {
        type: string;
        ip: string;
        port?: number;
        user?: string;
        password?: string;
        name?: string;
        relay?: string;
        relayUser?: string;
        relayPassword?: string;
        stateDir: string;
      }) => {
        ensureEnrolled(opts.stateDir);
        if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port > 0 && opts.port < 65536))
          fail('--port must be a port number (1–65535)');
        let relay: RelayConfig | undefined;
        try {
          relay = opts.relay ? parseRelay(opts.relay, opts.relayUser, opts.relayPassword) : undefined;
        } catch (err) {
          fail((err as Error).message, 2);
        }
        const base = {
          ip: opts.ip,
          ...(opts.port ? { port: opts.port } : {}),
          ...(opts.user ? { user: opts.user } : {}),
          ...(opts.password ? { password: opts.password } : {}),
          timeoutMs: asicLimits.requestTimeoutMs,
          maxBytes: asicLimits.maxResponseBytes,
        };
        try {
          const { identity, driver } = await checkAsic(base, opts.type);
          // A first read proves the driver can read it with these credentials.
          const reading = await driver.read(withDefaults(driver, base), identity);
          new AsicStore(opts.stateDir).upsert({
            ip: opts.ip,
            ...(opts.port ? { port: opts.port } : {}),
            type: identity.type,
            identity,
            ...(opts.user ? { user: opts.user } : {}),
            ...(opts.password ? { password: opts.password } : {}),
            ...(relay ? { relay } : {}),
            ...(opts.name ? { name: opts.name } : {}),
            addedAt: Date.now(),
            source: 'local',
          });
          process.stdout.write(
            `OK: ${asicKey(base)} is a ${identity.make} ${identity.model ?? ''} (${identity.firmware ?? 'firmware unknown'}${identity.firmwareVersion ? ` ${identity.firmwareVersion}` : ''}), ${hashrateText(reading.hashrate)}, ${reading.state}; saved\n`.replace(
              / {2,}/g,
              ' ',
            ),
          );
        } catch (err) {
          fail(
            `${err instanceof AsicError || err instanceof Error ? err.message : String(err)}\n  nothing was saved`,
          );
        }
      },
    );

  program
    .command('scan')
    .description('find miners on address ranges (CIDR 10.0.0.0/24, a single address, or 10.0.0.10-50)')
    .argument('<ranges...>')
    .option('--add', 'watch every miner found')
    .option('--json', 'print JSON lines instead of a table')
    .option('--concurrency <n>', 'hosts probed at once', (v) => Number(v))
    .addOption(stateDirOption())
    .action(
      async (
        ranges: string[],
        opts: { add?: boolean; json?: boolean; concurrency?: number; stateDir: string },
      ) => {
        if (opts.add) ensureEnrolled(opts.stateDir);
        const tty = process.stderr.isTTY;
        let found = 0;
        let lastDraw = 0;
        const started = Date.now();
        const draw = (done: number, total: number) => {
          const now = Date.now();
          if (done !== total && now - lastDraw < 100) return;
          lastDraw = now;
          const width = 30;
          const filled = Math.round((done / Math.max(1, total)) * width);
          const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} scanned, ${found} found`;
          process.stderr.write(tty ? `\r${bar}` : done === total ? `${bar}\n` : '');
        };
        const print = (h: ScanHit) => {
          found++;
          if (opts.json) process.stdout.write(`${JSON.stringify(h)}\n`);
          else {
            if (tty) process.stderr.write('\r\x1b[K');
            process.stdout.write(
              `${h.ip.padEnd(15)}  ${h.make.padEnd(12)}  ${(h.model ?? '-').padEnd(22)}  ${[h.firmware, h.firmwareVersion].filter(Boolean).join(' ').padEnd(28)}  ${hashrateText(h.hashrate)}\n`,
            );
          }
        };
        let hits: ScanHit[];
        try {
          hits = await scan(ranges, {
            ...(opts.concurrency ? { connectConcurrency: opts.concurrency } : {}),
            onFound: print,
            onProgress: draw,
            enrich: async (h) => {
              const d = driverFor(h.type);
              if (!d) return;
              const r = await d.read(
                withDefaults(d, { ip: h.ip, timeoutMs: 3000, maxBytes: asicLimits.maxResponseBytes }),
                h,
              );
              if (r.hashrate !== undefined) h.hashrate = r.hashrate;
            },
          });
        } catch (err) {
          fail((err as Error).message, 2);
        }
        if (tty) process.stderr.write('\n');
        process.stderr.write(
          `${hits.length} miner(s) found in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
        if (opts.add) {
          const store = new AsicStore(opts.stateDir);
          const known = new Set(store.list().map((a) => asicKey(a)));
          const fresh = hits.filter((h) => !known.has(h.ip));
          store.save([
            ...store.list(),
            ...fresh.map((h) => ({
              ip: h.ip,
              type: h.type,
              identity: {
                type: h.type,
                make: h.make,
                model: h.model,
                firmware: h.firmware,
                firmwareVersion: h.firmwareVersion,
              },
              addedAt: Date.now(),
              source: 'local' as const,
            })),
          ]);
          process.stderr.write(`${fresh.length} added, ${hits.length - fresh.length} already watched\n`);
        }
      },
    );

  program
    .command('list')
    .description('the ASICs this sentry watches')
    .option('--json', 'print JSON')
    .addOption(stateDirOption())
    .action((opts: { json?: boolean; stateDir: string }) => {
      ensureEnrolled(opts.stateDir);
      const asics = new AsicStore(opts.stateDir).list();
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify(
            asics.map(({ password: _p, ...a }) => ({
              ...a,
              ...(a.relay ? { relay: { ...a.relay, password: undefined } } : {}),
            })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (!asics.length) {
        process.stdout.write(
          'no ASICs yet: add one with "mrm-asic-sentry add --type auto --ip IP" or "scan CIDR --add"\n',
        );
        return;
      }
      process.stdout.write(
        `${table([
          ['ADDRESS', 'TYPE', 'MAKE', 'MODEL', 'FIRMWARE', 'RELAY', 'FROM'],
          ...asics.map((a) => [
            asicKey(a),
            a.type,
            a.identity?.make ?? '-',
            a.identity?.model ?? '-',
            [a.identity?.firmware, a.identity?.firmwareVersion].filter(Boolean).join(' ') || '-',
            a.relay ? `${a.relay.kind}:${a.relay.host}` : '-',
            a.source,
          ]),
        ])}\n`,
      );
    });

  program
    .command('remove')
    .description('stop watching an ASIC (by IP, or IP:PORT)')
    .argument('<ip>')
    .addOption(stateDirOption())
    .action((ip: string, opts: { stateDir: string }) => {
      ensureEnrolled(opts.stateDir);
      const n = new AsicStore(opts.stateDir).remove(ip);
      if (!n) fail(`no ASIC at ${ip} is watched here`);
      process.stdout.write(
        `OK: removed ${ip}${loadConfig(opts.stateDir) ? ' (if the commander lists it, remove it there too or it comes back with the desired state)' : ''}\n`,
      );
    });

  program
    .command('run')
    .description('run the daemon')
    .addOption(stateDirOption())
    .action(async (opts: { stateDir: string }) => {
      let daemon: AsicDaemon;
      try {
        daemon = new AsicDaemon(opts.stateDir, jsonLogger);
      } catch (err) {
        fail((err as Error).message, 2);
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        jsonLogger(`stopping on ${signal}`);
        await daemon.stop();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      await daemon.start();
    });

  program
    .command('status')
    .description('what the daemon sees now')
    .option('--json', 'print JSON')
    .addOption(stateDirOption())
    .action((opts: { stateDir: string; json?: boolean }) => {
      ensureEnrolled(opts.stateDir);
      const s = readJsonFile<ReturnType<AsicDaemon['status']>>(join(opts.stateDir, 'status.json'));
      if (!s) fail(`no status yet in ${opts.stateDir}: is "mrm-asic-sentry run" running?`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      const lines = [
        `sentry     ${s.sentry.name} (${s.sentry.id}), version ${s.sentry.version}`,
        `commander  ${s.sentry.commander} — ${s.commanderReachable ? 'reachable' : 'NOT reachable'}, push ${s.pushConnected ? 'connected' : 'not connected'}`,
        `reports    last sent ${s.lastReportAt ? new Date(s.lastReportAt).toISOString() : 'never'}; ${s.outbox.pending} waiting on disk, ${s.outbox.dropped} dropped; last poll cycle ${s.lastCycleMs ?? '-'} ms`,
      ];
      if (s.refusedDesiredState) lines.push(`REFUSED    ${s.refusedDesiredState}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      if (s.asics.length)
        process.stdout.write(
          `${table([
            ['ADDRESS', 'MAKE', 'MODEL', 'STATE', 'HASHRATE', 'POWER (expected/actual)', 'PROBLEM'],
            ...s.asics.map((a) => [
              a.key,
              a.make ?? '-',
              a.model ?? '-',
              a.state,
              hashrateText(a.hashrate),
              `${a.expectedPower}/${a.actualPower}`,
              a.error ?? '',
            ]),
          ])}\n`,
        );
      else process.stdout.write('no ASICs watched\n');
    });
  return program;
}

export async function main(argv = process.argv) {
  await buildCli().parseAsync(argv);
}
