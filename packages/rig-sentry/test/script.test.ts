import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteBat, quoteSh, renderScript, UnsafeValueError } from '../src/script.js';

const hostile = [
  "it's",
  'a"b',
  'w; reboot',
  'w && touch /tmp/pwned',
  'w || true',
  '$(touch /tmp/pwned)',
  '`touch /tmp/pwned`',
  '100%',
  '%PATH%',
  'line1\nline2',
  'a|b>c<d',
  '$HOME',
  '\\\\server\\share',
  '!bang!',
];

describe('script rendering for sh', () => {
  it('passes every hostile value through to the program as one literal argument', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mrm-script-'));
    // A stand-in program that prints its arguments one per line, NUL-separated.
    const printer = join(dir, 'printargs');
    writeFileSync(printer, '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n', { mode: 0o755 });
    for (const value of hostile) {
      const script = renderScript(
        './printargs --pool $CPU_POOL --user ${CPU_WALLET}.$WORKER_NAME',
        { CPU_POOL: value, CPU_WALLET: value, WORKER_NAME: 'rig1' },
        'sh',
      );
      const file = join(dir, 'run.sh');
      writeFileSync(file, script, { mode: 0o700 });
      const out = execFileSync('/bin/sh', [file], { cwd: dir }).toString().split('\0').slice(0, -1);
      expect(out, JSON.stringify(value)).toEqual(['--pool', value, '--user', `${value}.rig1`]);
    }
  });

  it('quotes with single quotes and escapes embedded ones', () => {
    expect(quoteSh("a'b")).toBe("'a'\\''b'");
    expect(renderScript('./xmrig -o $CPU_POOL', { CPU_POOL: 'stratum+tcp://p:1' }, 'sh')).toBe(
      "#!/bin/sh\n# Written by mrm-rig-sentry from a signed playbook; edits are overwritten.\n./xmrig -o 'stratum+tcp://p:1'\n",
    );
  });
});

describe('script rendering for .bat', () => {
  it('double-quotes values and doubles % so cmd.exe cannot expand or chain them', () => {
    expect(quoteBat('w && shutdown /s')).toBe('"w && shutdown /s"');
    expect(quoteBat('100%')).toBe('"100%%"');
    expect(quoteBat('%PATH%')).toBe('"%%PATH%%"');
    expect(quoteBat('a|b>c<d^e')).toBe('"a|b>c<d^e"');
    const bat = renderScript(
      'xmrig.exe -o $CPU_POOL -u $CPU_WALLET\n',
      { CPU_POOL: 'stratum+tcp://p:1', CPU_WALLET: 'w%x' },
      'bat',
    );
    expect(bat).toBe(
      '@echo off\r\nrem Written by mrm-rig-sentry from a signed playbook; edits are overwritten.\r\nxmrig.exe -o "stratum+tcp://p:1" -u "w%%x"\r\n\r\n',
    );
  });

  it('refuses values cmd.exe cannot quote: double quotes and line breaks', () => {
    for (const v of ['a"b', 'line1\nline2', 'a\rb']) {
      expect(() => renderScript('m.exe $CPU_POOL', { CPU_POOL: v }, 'bat')).toThrow(UnsafeValueError);
    }
  });
});
