import type { Platform } from '@mrm/protocol';

/** This machine as the catalogue names platforms, or null where no miners are offered. */
export function currentPlatform(): Platform | null {
  if (process.platform === 'linux' && process.arch === 'x64') return 'linux-x64';
  if (process.platform === 'linux' && process.arch === 'arm64') return 'linux-arm64';
  if (process.platform === 'win32' && process.arch === 'x64') return 'win-x64';
  return null;
}

export type ScriptShell = 'sh' | 'bat';

export function scriptShell(): ScriptShell {
  return process.platform === 'win32' ? 'bat' : 'sh';
}
