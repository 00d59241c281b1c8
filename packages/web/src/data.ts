import { useQuery } from '@tanstack/react-query';
import { type Device, fetchAllDevices, type Group, get, type Sentry, type Template } from './api';

/** The whole fleet, kept fresh by live events (see live.ts), shared by every page. */
export function useDevices() {
  // No structural sharing: comparing 10,000 fresh device objects with the old ones deeply costs more
  // main-thread time than re-rendering the few rows on screen.
  return useQuery({
    queryKey: ['devices'],
    queryFn: fetchAllDevices,
    staleTime: 10_000,
    structuralSharing: false,
  });
}

export function useDevice(id: string) {
  return useQuery({
    queryKey: ['device', id],
    queryFn: () => get<Device>(`/api/v1/devices/${encodeURIComponent(id)}`),
  });
}

export function useSentries() {
  return useQuery({
    queryKey: ['sentries'],
    queryFn: async () => (await get<{ items: Sentry[] }>('/api/v1/sentries')).items,
  });
}

export function useGroups() {
  return useQuery({
    queryKey: ['groups'],
    queryFn: async () => (await get<{ items: Group[] }>('/api/v1/groups')).items,
  });
}

export function useTemplates() {
  return useQuery({
    queryKey: ['templates'],
    queryFn: async () => (await get<{ items: Template[] }>('/api/v1/templates')).items,
  });
}
