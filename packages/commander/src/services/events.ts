/** Named limits of the dashboard's live updates (GET /api/v1/events). */
export const eventLimits = {
  /** Browsers connected at once to one commander; more are refused with 503. */
  maxClients: 200,
  /** At most one `devices` event per client in this window; changes in between are coalesced. */
  minIntervalMs: 1_000,
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: 25_000,
  /** Above this many changed devices an event says "all" rather than listing ids. */
  maxIdsPerEvent: 2_000,
} as const;

/** What a listener hears: the sentries whose reports were stored since the last notice. */
export type ReportListener = (sentryIds: ReadonlySet<string>) => void;

/**
 * The commander's in-process notice board for stored reports. The report route calls `reportStored`; the
 * SSE route subscribes per browser and throttles on its own.
 */
export class DeviceEvents {
  private readonly listeners = new Set<ReportListener>();

  subscribe(listener: ReportListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  reportStored(sentryId: string) {
    if (!this.listeners.size) return;
    const ids = new Set([sentryId]);
    for (const l of this.listeners) l(ids);
  }
}
