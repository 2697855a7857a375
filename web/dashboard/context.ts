import type { EpitraceClient, RealtimeState } from '../sdk/index.js';

/** A signed-in staff member: the access token (short-lived) and the refresh token that renews it. */
export interface StaffSession {
  readonly token: string;
  readonly refreshToken: string;
  readonly staffId: string;
  readonly role: 'health_professional' | 'authority' | 'admin' | 'lab';
  readonly username: string;
  /** When the access token was issued and runs out (this browser's clock, ms). */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** When the refresh token stops working unless used. */
  readonly refreshExpiresAt: number;
}

export interface DashboardContext {
  readonly session: StaffSession;
  readonly client: EpitraceClient;
  /** Called with any error: a 401 that survived renewing the session (the person chose to sign out) signs them out. */
  failed(error: unknown): string;
}

/** A view: renders into `main`, returns what to release when leaving it (streams). */
// biome-ignore lint/suspicious/noConfusingVoidType: a view returns its cleanup function, or nothing
export type View = (main: HTMLElement, context: DashboardContext, route: string[]) => (() => void) | void;

export function describeStreamState(state: RealtimeState): string {
  return state === 'open' ? 'Live' : state === 'closed' ? 'Stopped' : 'Reconnecting…';
}
