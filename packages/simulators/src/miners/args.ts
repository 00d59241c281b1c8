/**
 * Command-line reading shared by the simulated programs. The real programs use several parsers
 * (getopt_long, boost::program_options, home-grown ones), so each simulator says which forms its
 * program accepts; the common ones are `--flag value`, `--flag=value` and short `-o value`.
 */
export interface FlagOptions {
  /** getopt-style programs also take a short flag glued to its value (`-b4048`, `-ostratum+tcp://…`). */
  gluedShort?: boolean;
}

export class Flags {
  constructor(
    readonly args: readonly string[],
    private readonly opts: FlagOptions = {},
  ) {}

  /** Every value given to any of the names, in command-line order (pools, for failover lists). */
  values(...names: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.args.length; i++) {
      const a = this.args[i]!;
      for (const n of names) {
        if (a === n) {
          const next = this.args[i + 1];
          if (next !== undefined) {
            out.push(next);
            i++;
          }
          break;
        }
        if (a.startsWith(`${n}=`)) {
          out.push(a.slice(n.length + 1));
          break;
        }
        if (this.opts.gluedShort && isShort(n) && !a.startsWith('--') && a.startsWith(n) && a.length > 2) {
          out.push(a.slice(2));
          break;
        }
      }
    }
    return out;
  }

  /** The first value given to any of the names; the real programs use the first pool as the active one. */
  value(...names: string[]): string | null {
    return this.values(...names)[0] ?? null;
  }

  /** A switch that takes no value (`--no-cpu`), or a flag present in any form. */
  has(...names: string[]): boolean {
    return this.args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
  }

  /**
   * A flag whose value is optional and, when given, is attached with `=` only (TeamRedMiner's
   * `--api_listen[=ip:port]`): a following word is never taken as its value.
   */
  optional(name: string): { present: boolean; value: string | null } {
    for (const a of this.args) {
      if (a === name) return { present: true, value: null };
      if (a.startsWith(`${name}=`)) return { present: true, value: a.slice(name.length + 1) };
    }
    return { present: false, value: null };
  }

  /** A numeric flag such as `--http_enabled 1`; null when absent or not a number. */
  number(...names: string[]): number | null {
    const v = this.value(...names);
    if (v === null || v.trim() === '') return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
}

const isShort = (n: string) => n.length === 2 && n[0] === '-' && n[1] !== '-';

/**
 * "127.0.0.1:4067", "[::1]:4067" or a bare port. A bare port binds loopback: the simulators never
 * listen beyond the address they were given, even where the real program would pick 0.0.0.0.
 */
export function splitHostPort(
  v: string | null,
  defaultHost = '127.0.0.1',
): { host: string; port: number } | null {
  if (!v) return null;
  const m = /^(?:\[([^\]]+)\]:|([^:]*):)?(\d{1,5})$/.exec(v.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  const host = m[1] ?? m[2];
  return { host: host ? host : defaultHost, port };
}

/** `wallet.worker` as the pools' convention has it; the worker part is empty when there is no dot. */
export function splitUser(user: string): { wallet: string; worker: string } {
  const dot = user.indexOf('.');
  return dot < 0 ? { wallet: user, worker: '' } : { wallet: user.slice(0, dot), worker: user.slice(dot + 1) };
}

/** The pool address without its scheme, the way several miners print it ("pool.example:3333"). */
export function poolHostPort(pool: string): string {
  return pool.replace(/^[a-z0-9+.-]+:\/\//i, '');
}

/** Whether a pool URL asks for TLS (stratum+ssl://, stratum+tls://, ssl://). */
export function poolUsesTls(pool: string): boolean {
  return /^[a-z0-9+.-]*(ssl|tls)[a-z0-9+.-]*:\/\//i.test(pool);
}
