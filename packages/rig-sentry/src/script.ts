import { fillPlaceholders, type Placeholder } from '@mrm/protocol';
import type { ScriptShell } from './platform.js';

export class UnsafeValueError extends Error {}

/**
 * POSIX sh: single quotes make everything literal, including newlines, `$()`, `;` and `&&`;
 * a single quote itself is closed, escaped and reopened.
 */
export function quoteSh(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * cmd.exe batch files: inside double quotes & | < > ^ are literal; % must be doubled because batch
 * files expand it even in quotes. A double quote or a line break cannot be made literal there,
 * so such a value is refused rather than risked.
 */
export function quoteBat(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and line breaks are what cmd.exe cannot quote
  if (/["\r\n\u0000]/.test(value)) {
    throw new UnsafeValueError(
      `value ${JSON.stringify(value)} cannot be quoted safely for cmd.exe (it contains " or a line break)`,
    );
  }
  return `"${value.replaceAll('%', '%%')}"`;
}

/** The script a playbook runs, with every placeholder value quoted for the target shell. */
export function renderScript(template: string, values: Record<string, string>, shell: ScriptShell): string {
  const quote = shell === 'sh' ? quoteSh : quoteBat;
  const quoted: Partial<Record<Placeholder, string>> = {};
  for (const [k, v] of Object.entries(values)) quoted[k as Placeholder] = quote(v);
  const body = fillPlaceholders(template, quoted);
  if (shell === 'sh')
    return `#!/bin/sh\n# Written by mrm-rig-sentry from a signed playbook; edits are overwritten.\n${body.replace(/\r\n/g, '\n')}\n`;
  return `@echo off\r\nrem Written by mrm-rig-sentry from a signed playbook; edits are overwritten.\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`;
}
