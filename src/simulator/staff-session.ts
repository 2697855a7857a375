import type { EpitraceClient } from '../../web/sdk/index.js';
import type { RequestLog } from './pacing.js';
import { call } from './phones.js';

/** A staff member signed in, who signs in again before the short-lived token expires (runs outlast it). */
export class StaffSession {
  private client: Promise<{ client: EpitraceClient; expiresAt: number }> | undefined;

  constructor(
    private readonly anonymous: EpitraceClient,
    private readonly credentials: { username: string; password: string },
    private readonly log: RequestLog,
  ) {}

  async get(): Promise<EpitraceClient> {
    const current = this.client === undefined ? undefined : await this.client;
    if (current !== undefined && Date.now() < current.expiresAt - 60_000) return current.client;
    const signIn = (async () => {
      const login = await call(this.log, 'POST /auth/login', () =>
        this.anonymous.login(this.credentials.username, this.credentials.password),
      );
      return { client: this.anonymous.withToken(login.token), expiresAt: Date.now() + login.expires_in * 1000 };
    })();
    this.client = signIn;
    return (await signIn).client;
  }
}
