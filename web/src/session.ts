// The signed-in user: who they are and what they may do (GET /api/v1/me),
// shared by every page. The UI asks `can(permission)` before it offers an
// action, so it never sends a request the API would refuse for the role.
import { api, setCsrfToken } from "./api";
import { useSubscription } from "./subscribe";

export interface User {
  id: string;
  username: string;
  display_name: string;
  email: string;
  roles: string[];
  kind: string;
  disabled: boolean;
  must_change_password: boolean;
  created_at: string;
  version: number; // sent as If-Match when editing
}

export interface SessionState {
  user: User | null;
  permissions: string[];
  loading: boolean;
}

let state: SessionState = { user: null, permissions: [], loading: true };
const listeners = new Set<() => void>();

function set(next: SessionState) {
  state = next;
  for (const l of listeners) l();
}

export function useSession(): SessionState {
  useSubscription(listeners);
  return state;
}

export function can(permission: string): boolean {
  return state.permissions.includes(permission);
}

interface SessionReply {
  csrf_token: string;
  user: User;
}
interface MeReply {
  user: User;
  permissions: string[];
}

// Reloads the session (after login, a password change, or at start).
export async function refreshSession(): Promise<void> {
  try {
    const s = await api<SessionReply>("GET", "/api/v1/session");
    setCsrfToken(s.csrf_token);
    let permissions: string[] = [];
    if (!s.user.must_change_password) permissions = (await api<MeReply>("GET", "/api/v1/me")).permissions;
    set({ user: s.user, permissions, loading: false });
  } catch {
    setCsrfToken("");
    set({ user: null, permissions: [], loading: false });
  }
}

export async function login(username: string, password: string): Promise<void> {
  const s = await api<SessionReply>("POST", "/api/v1/session", { username, password });
  setCsrfToken(s.csrf_token);
  await refreshSession();
}

export async function logout(): Promise<void> {
  try {
    await api("DELETE", "/api/v1/session");
  } finally {
    setCsrfToken("");
    set({ user: null, permissions: [], loading: false });
  }
}

export function sessionLost() {
  setCsrfToken("");
  set({ user: null, permissions: [], loading: false });
}
