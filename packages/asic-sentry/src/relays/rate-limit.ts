import type { RelayTarget } from './types.js';

/**
 * Keeps a relay from being switched again too soon: a plug that flaps power kills PSUs and hash
 * boards faster than any curtailment saves. Keyed by host, port and channel.
 */
export class RelayGuard {
  private readonly last = new Map<string, number>();

  constructor(
    readonly minIntervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(t: Pick<RelayTarget, 'host' | 'port' | 'channel'>): string {
    return `${t.host}:${t.port ?? 80}#${t.channel ?? 0}`;
  }

  /** 0 when the relay may be switched now, else the milliseconds still to wait. */
  waitMs(t: Pick<RelayTarget, 'host' | 'port' | 'channel'>): number {
    const at = this.last.get(RelayGuard.key(t));
    if (at === undefined) return 0;
    return Math.max(0, at + this.minIntervalMs - this.now());
  }

  /**
   * Claims a switch: returns 0 and records the time when allowed, else the milliseconds to wait
   * (and records nothing).
   */
  tryClaim(t: Pick<RelayTarget, 'host' | 'port' | 'channel'>): number {
    const wait = this.waitMs(t);
    if (wait === 0) this.last.set(RelayGuard.key(t), this.now());
    return wait;
  }

  /** Records a switch that happened anyway (e.g. observed, or done by hand). */
  record(t: Pick<RelayTarget, 'host' | 'port' | 'channel'>): void {
    this.last.set(RelayGuard.key(t), this.now());
  }
}
