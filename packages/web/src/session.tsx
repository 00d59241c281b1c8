import { createContext, useContext } from 'react';
import type { Role, User } from './api';

export interface Session {
  user: User;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether the signed-in user may do what needs `role` (the commander checks again). */
export function useCan(role: Role): boolean {
  return rank[useSession().user.role] >= rank[role];
}
