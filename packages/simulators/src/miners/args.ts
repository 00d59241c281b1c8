/** Reads `--flag value`, `--flag=value` and short `-o value` forms the way the real programs accept them. */
export function flagValue(args: string[], ...names: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n && i + 1 < args.length) return args[i + 1]!;
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return null;
}

/** "127.0.0.1:4067" or a bare port; the simulators never listen beyond loopback unless told. */
export function splitHostPort(
  v: string | null,
  defaultHost = '127.0.0.1',
): { host: string; port: number } | null {
  if (!v) return null;
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(v);
  return m ? { host: m[1] ?? defaultHost, port: Number(m[2]) } : null;
}
