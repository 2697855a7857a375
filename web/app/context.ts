import type { EpitraceClient } from '../sdk/index.js';
import type { NotificationCenter } from './notifications.js';
import type { Outbox } from './outbox.js';
import type { LocationRecorder } from './recorder.js';
import type { Session } from './session.js';

/** What every screen of the app works with once the person is registered. */
export interface AppContext {
  readonly session: Session;
  readonly client: EpitraceClient;
  readonly outbox: Outbox;
  readonly recorder: LocationRecorder;
  readonly notifications: NotificationCenter;
  /** Tells screen-reader users what just happened (a polite live region). */
  announce(message: string): void;
  /** Forgets the person on this phone after their data was erased. */
  forget(): Promise<void>;
}

/**
 * A screen: renders into `main` and returns a function that releases what it holds (listeners, camera). `params`:
 * what follows the screen's name in the URL's fragment (`#redeem/<code>` opens the symptoms screen with the code).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a screen returns its cleanup function, or nothing
export type Screen = (main: HTMLElement, context: AppContext, params?: string[]) => (() => void) | void;
