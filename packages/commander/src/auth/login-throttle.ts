/**
 * Failed-login throttle, per username and per client address (ASVS 6.1.1/6.3.1). It slows guessing
 * without letting an attacker lock the owner out for long: blocks lift when the window passes.
 * Kept in memory: with several commanders each enforces its own count, which still bounds guessing.
 */
export const loginThrottleLimits = {
  windowMs: 15 * 60_000,
  maxFailuresPerUser: 10,
  maxFailuresPerAddress: 30,
  /** Entries tracked at most; the oldest are forgotten first so memory stays bounded. */
  maxTrackedKeys: 100_000,
} as const;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits = loginThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.limits.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Milliseconds until another attempt is allowed, or 0 when allowed now. */
  retryAfterMs(username: string, address: string): number {
    const checks: [string, number][] = [
      [`u:${username.toLowerCase()}`, this.limits.maxFailuresPerUser],
      [`a:${address}`, this.limits.maxFailuresPerAddress],
    ];
    let wait = 0;
    for (const [key, max] of checks) {
      const list = this.recent(key);
      if (list.length >= max)
        wait = Math.max(wait, list[list.length - max]! + this.limits.windowMs - this.now());
    }
    return wait;
  }

  recordFailure(username: string, address: string): void {
    for (const key of [`u:${username.toLowerCase()}`, `a:${address}`]) {
      const list = this.recent(key);
      list.push(this.now());
      this.failures.delete(key);
      this.failures.set(key, list);
    }
    while (this.failures.size > this.limits.maxTrackedKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  recordSuccess(username: string): void {
    this.failures.delete(`u:${username.toLowerCase()}`);
  }
}
