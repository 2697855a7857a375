import type { StaffSessionProvider } from '../sdk/client.js';
import { isUnauthorized } from '../sdk/errors.js';
import type { EpitraceClient, Login } from '../sdk/index.js';
import type { StaffSession } from './context.js';

/** Refresh this long before the access token runs out (a quarter of its life when that is shorter). */
const REFRESH_LEAD_MS = 60_000;

export interface SessionKeeperOptions {
  /** A client without a token, for POST /auth/refresh. */
  readonly client: EpitraceClient;
  /** Keeps the session where a reload finds it. */
  readonly save: (session: StaffSession) => void;
  /**
   * The session has ended (idle or absolute limit, signed out elsewhere, account disabled): asks the person to sign in
   * again over the page, which stays as it is. Resolves with the new session, or null when they sign out instead.
   */
  readonly signInAgain: (ended: StaffSession, reason: string) => Promise<StaffSession | null>;
  readonly now?: () => number;
}

/** The session a sign-in or a refresh hands out. */
export function sessionFrom(login: Login, username: string, now: number): StaffSession {
  return {
    token: login.token,
    refreshToken: login.refresh_token,
    staffId: login.staff_id,
    role: login.role,
    username,
    issuedAt: now,
    expiresAt: now + login.expires_in * 1000,
    refreshExpiresAt: now + login.refresh_expires_in * 1000,
  };
}

/**
 * Keeps a staff session alive while the dashboard is in use: shortly before the access token runs out it is refreshed
 * if the person did something since it was issued (an unattended dashboard lets it lapse, so the server's idle limit
 * applies); a request refused with 401 is renewed once (refresh, or when the session has ended, a new sign-in over the
 * page) and sent again, so nothing typed is lost.
 */
export class SessionKeeper implements StaffSessionProvider {
  private renewing: Promise<string | undefined> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastActivity = 0;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private session: StaffSession,
    private readonly options: SessionKeeperOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.schedule();
  }

  get current(): StaffSession {
    return this.session;
  }

  token(): string {
    return this.session.token;
  }

  /** StaffSessionProvider: a 401 for `rejected`. One renewal at a time; requests refused meanwhile share it. */
  renew(rejected: string | undefined): Promise<string | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    // Another request renewed the token after this one was sent: try the new one.
    if (this.renewing === undefined && rejected !== undefined && rejected !== this.session.token) {
      return Promise.resolve(this.session.token);
    }
    this.renewing ??= this.refresh(true).finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  /** The person did something: refresh when the token is about to run out. */
  noteActivity(): void {
    this.lastActivity = this.now();
    if (this.lastActivity >= this.refreshAt()) this.refreshQuietly();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private refreshAt(): number {
    const life = this.session.expiresAt - this.session.issuedAt;
    return this.session.expiresAt - Math.min(REFRESH_LEAD_MS, life / 4);
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        if (this.lastActivity >= this.session.issuedAt) this.refreshQuietly();
      },
      Math.max(0, this.refreshAt() - this.now()),
    );
  }

  /** A refresh nobody waits for: when the session has ended, the next request asks the person to sign in. */
  private refreshQuietly(): void {
    if (this.renewing !== undefined || this.stopped) return;
    this.renewing = this.refresh(false).finally(() => (this.renewing = undefined));
    this.renewing.catch(() => undefined);
  }

  private async refresh(interactive: boolean): Promise<string | undefined> {
    const ended = this.session;
    try {
      const login = await this.options.client.refreshStaffSession(ended.refreshToken);
      this.replace(sessionFrom(login, ended.username, this.now()));
      return this.session.token;
    } catch (error) {
      if (!isUnauthorized(error) || !interactive || this.stopped) throw error;
      const next = await this.options.signInAgain(ended, error.problem.detail);
      if (next === null) return undefined;
      this.replace(next);
      return next.token;
    }
  }

  private replace(session: StaffSession): void {
    this.session = session;
    this.options.save(session);
    this.schedule();
  }
}
