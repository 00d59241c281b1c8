import { type ChildProcess, execFile, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

export const stopLimits = {
  /** Time a miner gets to exit on SIGTERM before the whole tree is killed. */
  graceMs: 10_000,
} as const;

/**
 * Starts a script in its own process group (POSIX) so that stopping it reaches every process the
 * script started, not only the shell.
 */
export function startScript(
  scriptPath: string,
  cwd: string,
  out: Writable,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const child =
    process.platform === 'win32'
      ? spawn('cmd.exe', ['/d', '/s', '/c', scriptPath], {
          cwd,
          env,
          windowsHide: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn('/bin/sh', [scriptPath], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  return child;
}

function signalTree(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  if (process.platform === 'win32') {
    // taskkill /T takes the whole tree; /F only on the final attempt.
    execFile(
      'taskkill',
      ['/pid', String(child.pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])],
      () => {},
    );
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGTERM to the whole tree, then SIGKILL after the grace period. Resolves when the script has exited. */
export function stopTree(child: ChildProcess, graceMs: number = stopLimits.graceMs): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    signalTree(child, 'SIGKILL'); // the shell is gone, but children may linger
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => signalTree(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      // Anything left in the group (a miner that ignored SIGTERM while its shell exited).
      signalTree(child, 'SIGKILL');
      resolve();
    });
    signalTree(child, 'SIGTERM');
  });
}
