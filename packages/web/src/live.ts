import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

export interface DevicesEvent {
  sentryIds: string[];
  ids?: string[];
  all?: true;
}

/**
 * Follows GET /api/v1/events (server-sent events, at most one event a second) and refreshes what
 * the pages show: the device list, the devices named, and their sentries. No page reloads.
 */
export function useLiveUpdates(enabled: boolean): LiveState {
  const qc = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/v1/events', { withCredentials: true });
    es.addEventListener('hello', () => {
      setState('live');
      // After a reconnect, anything may have changed while we were away.
      void qc.invalidateQueries({ queryKey: ['devices'] });
    });
    es.addEventListener('devices', (e) => {
      try {
        applyDevicesEvent(qc, JSON.parse((e as MessageEvent<string>).data) as DevicesEvent);
      } catch {
        // a malformed event changes nothing
      }
    });
    es.onerror = () => setState('reconnecting');
    return () => es.close();
  }, [enabled, qc]);
  return state;
}

/**
 * The whole-fleet list is refetched at most this often: every second for a small farm, and less
 * often as the fleet grows (a 10,000-device list is 10 requests), trailing so no change is lost.
 */
function listInterval(qc: QueryClient): number {
  const n = (qc.getQueryData(['devices']) as unknown[] | undefined)?.length ?? 0;
  return n > 2000 ? Math.min(10_000, n / 2) : 0;
}

let lastListRefetch = 0;
let listTimer: ReturnType<typeof setTimeout> | null = null;

function refetchList(qc: QueryClient) {
  if (listTimer) return;
  const wait = Math.max(0, lastListRefetch + listInterval(qc) - Date.now());
  listTimer = setTimeout(() => {
    listTimer = null;
    lastListRefetch = Date.now();
    void qc.invalidateQueries({ queryKey: ['devices'], exact: true });
  }, wait);
}

export function applyDevicesEvent(qc: QueryClient, ev: DevicesEvent) {
  refetchList(qc);
  if (ev.all) {
    void qc.invalidateQueries({ queryKey: ['device'] });
    void qc.invalidateQueries({ queryKey: ['history'] });
  } else {
    for (const id of ev.ids ?? []) {
      void qc.invalidateQueries({ queryKey: ['device', id] });
      void qc.invalidateQueries({ queryKey: ['history', id] });
    }
  }
  void qc.invalidateQueries({ queryKey: ['sentries'] });
}
