import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { enrollCommand, fail as failWith, readJsonFile } from '@mrm/sentry-core';
import { Command } from 'commander';
import { jsonLogger, RigDaemon } from './daemon.js';
import { SENTRY_VERSION } from './version.js';

function defaultStateDir(): string {
  if (process.env.MRM_SENTRY_STATE_DIR) return process.env.MRM_SENTRY_STATE_DIR;
  if (process.platform !== 'win32' && process.getuid?.() === 0) return '/var/lib/mrm-rig-sentry';
  return join(homedir(), '.mrm-rig-sentry');
}

const fail: (message: string, code?: number) => never = (message, code = 1) =>
  failWith('mrm-rig-sentry', message, code);

type StatusFile = ReturnType<RigDaemon['status']>;

function printStatus(s: StatusFile) {
  const lines = [
    `sentry     ${s.sentry.name} (${s.sentry.id}), version ${s.sentry.version}`,
    `commander  ${s.sentry.commander} — ${s.commanderReachable ? 'reachable' : 'NOT reachable'}, push ${s.pushConnected ? 'connected' : 'not connected'}`,
    `reports    last sent ${s.lastReportAt ? new Date(s.lastReportAt).toISOString() : 'never'}; ${s.outbox.pending} waiting on disk, ${s.outbox.dropped} dropped`,
  ];
  if (s.refusedDesiredState) lines.push(`REFUSED    ${s.refusedDesiredState}`);
  if (s.lastApply?.error)
    lines.push(`last apply FAILED: ${s.lastApply.error}${s.lastApply.rolledBack ? ' (rolled back)' : ''}`);
  lines.push(s.playbooks.length ? 'playbooks:' : 'playbooks: none');
  for (const p of s.playbooks) {
    const rate = p.hashrate === null ? (p.note ?? 'no stats') : `${p.hashrate.toFixed(0)} H/s`;
    lines.push(
      `  ${p.name.padEnd(20)} ${p.program.padEnd(24)} ${p.state.padEnd(10)} pid ${p.pid ?? '-'}  ${rate}${p.lastError ? `  (${p.lastError})` : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function buildCli(): Command {
  const program = new Command('mrm-rig-sentry')
    .description("Mining Rig Monitor rig sentry: runs mining software from the commander's signed playbooks")
    .version(SENTRY_VERSION);

  program
    .command('enroll')
    .description('check the commander URL and sentry token, pin the commander key, and save the config')
    .requiredOption('--url <url>', 'commander URL shown when the sentry was created')
    .requiredOption('--token <token>', 'the sentry token shown once when it was created')
    .option('--state-dir <dir>', 'where config and state live', defaultStateDir())
    .action((opts: { url: string; token: string; stateDir: string }) =>
      enrollCommand('mrm-rig-sentry', 'rig', SENTRY_VERSION, opts),
    );

  program
    .command('run')
    .description('run the daemon')
    .option('--state-dir <dir>', 'where config and state live', defaultStateDir())
    .action(async (opts: { stateDir: string }) => {
      let daemon: RigDaemon;
      try {
        daemon = new RigDaemon(opts.stateDir, jsonLogger);
      } catch (err) {
        fail((err as Error).message, 2);
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        jsonLogger(`stopping on ${signal}: stopping the miners`);
        await daemon.stop();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      await daemon.start();
    });

  program
    .command('status')
    .description('what runs now')
    .option('--state-dir <dir>', 'where config and state live', defaultStateDir())
    .option('--json', 'print JSON')
    .action((opts: { stateDir: string; json?: boolean }) => {
      const file = join(opts.stateDir, 'status.json');
      if (!existsSync(join(opts.stateDir, 'config.json')))
        fail(`not enrolled (no config in ${opts.stateDir}); run "mrm-rig-sentry enroll" first`);
      const s = readJsonFile<StatusFile>(file);
      if (!s) fail(`no status yet in ${opts.stateDir}: is "mrm-rig-sentry run" running?`);
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else printStatus(s);
    });
  return program;
}

export async function main(argv = process.argv) {
  await buildCli().parseAsync(argv);
}
