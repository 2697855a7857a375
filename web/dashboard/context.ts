import type { EpitraceClient, RealtimeState } from '../sdk/index.js';

export interface StaffSession {
  readonly token: string;
  readonly role: 'health_professional' | 'authority' | 'admin' | 'lab';
  readonly username: string;
  readonly expiresAt: number;
}

export interface DashboardContext {
  readonly session: StaffSession;
  readonly client: EpitraceClient;
  /** Called with any error: an expired token signs the person out. */
  failed(error: unknown): string;
}

/** A view: renders into `main`, returns what to release when leaving it (streams). */
// biome-ignore lint/suspicious/noConfusingVoidType: a view returns its cleanup function, or nothing
export type View = (main: HTMLElement, context: DashboardContext, route: string[]) => (() => void) | void;

export function describeStreamState(state: RealtimeState): string {
  return state === 'open' ? 'Live' : state === 'closed' ? 'Stopped' : 'Reconnecting…';
}
