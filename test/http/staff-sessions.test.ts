import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { StaffTokens } from '../../src/platform/crypto/staff-tokens.js';
import { EpitraceApiError, EpitraceClient } from '../../web/sdk/index.js';
import { createStaff, expectProblem, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const IDLE_MINUTES = 30;
const MAX_HOURS = 12;

interface Session {
  token: string;
  refresh_token: string;
  refresh_expires_in: number;
  expires_in: number;
  staff_id: string;
  role: string;
}

/**
 * Staff sessions (issue #21): sign-in hands out a refresh token; each refresh rotates it; a spent token presented again
 * ends the whole session; sessions end after an idle time, an absolute time, at sign-out and when the account goes.
 */
describe.each(testDialects())('staff sessions on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, {
      AUTH_RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_MAX: '100000',
      STAFF_SESSION_IDLE_MINUTES: String(IDLE_MINUTES),
      STAFF_SESSION_MAX_HOURS: String(MAX_HOURS),
    });
  });
  afterAll(async () => {
    // (A test listens for real: open connections are closed with the app.)
    if (t) {
      const closing = t.close();
      t.app.server.closeAllConnections();
      await closing;
    }
  });

  const post = (url: string, payload: unknown, extra: Partial<InjectOptions> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, ...extra });
  const refresh = (refreshToken: string) => post('/auth/refresh', { refresh_token: refreshToken });
  const signOut = (refreshToken: string) => post('/auth/logout', { refresh_token: refreshToken });
  async function signIn(member: StaffUser): Promise<Session> {
    const response = await post('/auth/login', { username: member.username, password: member.password });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Session>();
  }
  function session(response: LightMyRequestResponse): Session {
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Session>();
  }
  const rowOf = (refreshToken: string) =>
    t.database.db
      .selectFrom('staff_sessions')
      .selectAll()
      .where('token_hash', '=', new StaffTokens(t.config.tokenSecret!, 60).hashRefreshToken(refreshToken))
      .executeTakeFirstOrThrow();
  /** Moves a token's times back, as if it had been handed out `ms` earlier (the server's clock is the real one). */
  async function age(refreshToken: string, ms: number, what: 'token' | 'session' | 'both' = 'both'): Promise<void> {
    const row = await rowOf(refreshToken);
    await t.database.db
      .updateTable('staff_sessions')
      .set({
        ...(what !== 'session' ? { created_at: row.created_at - ms, expires_at: row.expires_at - ms } : {}),
        ...(what !== 'token' ? { session_started_at: row.session_started_at - ms } : {}),
      })
      .where('id', '=', row.id)
      .execute();
  }
  const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });
  const auditActions = async (staffId: string) =>
    (
      await t.database.db
        .selectFrom('audit_log')
        .select(['action', 'actor_role', 'request_id'])
        .where('actor_id', '=', staffId)
        .orderBy('at')
        .execute()
    ).map((row) => row.action);

  it('sign-in hands out a refresh token; a refresh rotates it and hands out a working access token', async () => {
    const nurse = await createStaff(t, 'health_professional');
    const first = await signIn(nurse);
    expect(first).toMatchObject({
      token_type: 'Bearer',
      staff_id: nurse.id,
      role: 'health_professional',
      refresh_token: expect.stringMatching(/^eprt_[A-Za-z0-9_-]{43}$/),
      refresh_expires_in: IDLE_MINUTES * 60,
    });
    const second = session(await refresh(first.refresh_token));
    expect(second).toEqual({
      token: expect.any(String),
      token_type: 'Bearer',
      expires_in: t.config.staffTokenTtlSeconds,
      staff_id: nurse.id,
      role: 'health_professional',
      refresh_token: expect.stringMatching(/^eprt_[A-Za-z0-9_-]{43}$/),
      refresh_expires_in: IDLE_MINUTES * 60,
    });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await t.app.inject({ method: 'GET', url: '/cases', headers: bearer(second) })).statusCode).toBe(200);
    // The next refresh uses the new token; the family goes on.
    const third = session(await refresh(second.refresh_token));
    const rows = await t.database.db
      .selectFrom('staff_sessions')
      .selectAll()
      .where('staff_id', '=', nurse.id)
      .orderBy('created_at')
      .execute();
    const family = (await rowOf(first.refresh_token)).family_id;
    expect(rows.filter((r) => r.family_id === family)).toHaveLength(3);
    expect((await rowOf(first.refresh_token)).used_at).not.toBeNull();
    expect((await rowOf(third.refresh_token)).used_at).toBeNull();
    // Only keyed hashes are stored: no token appears in the table.
    const stored = JSON.stringify(rows);
    for (const s of [first, second, third]) expect(stored).not.toContain(s.refresh_token.slice(5));
    expect(await auditActions(nurse.id)).toEqual(['staff.sign_in', 'staff.sign_in']);
  });

  it('a spent refresh token presented again ends the whole session (reuse detection), not the other sessions', async () => {
    const nurse = await createStaff(t, 'health_professional');
    const other = await signIn(nurse); // another browser of the same person
    const first = await signIn(nurse);
    const second = session(await refresh(first.refresh_token));
    const replayed = expectProblem(await refresh(first.refresh_token), 401);
    expect(replayed.detail).toMatch(/already used.*ended/);
    // The thief's copy and the rightful holder's newer token are both dead now.
    expect(expectProblem(await refresh(second.refresh_token), 401).detail).toMatch(/used twice/);
    expect((await rowOf(second.refresh_token)).revoked_reason).toBe('reused');
    expect(await auditActions(nurse.id)).toContain('staff.session_reused');
    // The session of the other browser goes on.
    session(await refresh(other.refresh_token));
  });

  it('two refreshes racing with one token: one wins, the other counts as reuse and ends the session', async () => {
    const nurse = await createStaff(t, 'health_professional');
    const first = await signIn(nurse);
    const answers = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 401]);
    expectProblem(answers.find((a) => a.statusCode === 401)!, 401);
    const winner = answers.find((a) => a.statusCode === 200)!.json<Session>();
    expectProblem(await refresh(winner.refresh_token), 401);
  });

  it(`idle limit: a token not used for ${IDLE_MINUTES} minutes no longer refreshes; one used in time does`, async () => {
    const nurse = await createStaff(t, 'health_professional');
    const early = await signIn(nurse);
    await age(early.refresh_token, (IDLE_MINUTES - 1) * MINUTE);
    const kept = session(await refresh(early.refresh_token));
    const row = await rowOf(kept.refresh_token);
    expect(row.expires_at - row.created_at).toBe(IDLE_MINUTES * MINUTE);

    await age(kept.refresh_token, IDLE_MINUTES * MINUTE, 'token');
    const idle = expectProblem(await refresh(kept.refresh_token), 401);
    expect(idle.detail).toBe(
      `the session has ended after ${IDLE_MINUTES} minutes without activity: please sign in again`,
    );
  });

  it(`absolute limit: ${MAX_HOURS} hours after sign-in the session ends however active it is`, async () => {
    const nurse = await createStaff(t, 'health_professional');
    const started = await signIn(nurse);
    // Near the limit: the refresh works, and the new token lasts only until the limit (not a full idle period).
    await age(started.refresh_token, MAX_HOURS * HOUR - 10 * MINUTE, 'session');
    const last = session(await refresh(started.refresh_token));
    expect(last.refresh_expires_in).toBeLessThanOrEqual(10 * 60);
    expect(last.refresh_expires_in).toBeGreaterThan(9 * 60);
    await age(last.refresh_token, 10 * MINUTE, 'session');
    const over = expectProblem(await refresh(last.refresh_token), 401);
    expect(over.detail).toBe(
      `the session has reached its limit of ${MAX_HOURS} hours since sign-in: please sign in again`,
    );
  });

  it('sign-out ends the session: its refresh tokens no longer work; signing out twice is fine', async () => {
    const nurse = await createStaff(t, 'health_professional');
    const first = await signIn(nurse);
    const second = session(await refresh(first.refresh_token));
    const out = await signOut(second.refresh_token);
    expect(out.statusCode, out.body).toBe(204);
    expect(out.body).toBe('');
    expect(expectProblem(await refresh(second.refresh_token), 401).detail).toBe(
      'this session was signed out: please sign in again',
    );
    expectProblem(await refresh(first.refresh_token), 401);
    expect((await signOut(second.refresh_token)).statusCode).toBe(204);
    expect((await rowOf(first.refresh_token)).revoked_reason).toBe('signed_out');
    expect(await auditActions(nurse.id)).toEqual(['staff.sign_in', 'staff.sign_in', 'staff.sign_out']);
  });

  it('a disabled or deleted account cannot refresh', async () => {
    const disabled = await createStaff(t, 'authority');
    const disabledSession = await signIn(disabled);
    await t.database.db.updateTable('staff').set({ disabled: 1 }).where('id', '=', disabled.id).execute();
    expect(expectProblem(await refresh(disabledSession.refresh_token), 401).detail).toMatch(/disabled or deleted/);
    expect((await rowOf(disabledSession.refresh_token)).revoked_reason).toBe('account_disabled');
    // Enabled again, the old session stays ended.
    await t.database.db.updateTable('staff').set({ disabled: 0 }).where('id', '=', disabled.id).execute();
    expectProblem(await refresh(disabledSession.refresh_token), 401);

    const deleted = await createStaff(t, 'admin');
    const deletedSession = await signIn(deleted);
    await t.database.db.deleteFrom('staff').where('id', '=', deleted.id).execute();
    expectProblem(await refresh(deletedSession.refresh_token), 401);
  });

  const badTokens: Array<[string, string, RegExp]> = [
    ['a random word', 'hello', /malformed refresh token/],
    ['an app token', `ept_${randomBytes(32).toString('base64url')}`, /malformed refresh token/],
    ['a refresh token too short', 'eprt_abc', /malformed refresh token/],
    ['a refresh token with a bad character', `eprt_${'a'.repeat(42)}!`, /malformed refresh token/],
    ['a well-formed token never issued', `eprt_${randomBytes(32).toString('base64url')}`, /unknown refresh token/],
  ];

  it.each(badTokens)('refresh and sign-out with %s → 401 problem+json', async (_label, token, detail) => {
    expect(expectProblem(await refresh(token), 401).detail).toMatch(detail);
    expect(expectProblem(await signOut(token), 401).detail).toMatch(detail);
  });

  it('an access token is not a refresh token', async () => {
    const member = await createStaff(t, 'authority');
    expect(expectProblem(await refresh(member.token), 401).detail).toMatch(/malformed refresh token/);
  });

  const badBodies: Array<[string, number, Partial<InjectOptions>]> = [
    ['no body field', 400, { payload: {} }],
    ['an unknown field', 400, { payload: { refresh_token: 'eprt_x', remember: true } }],
    ['a number', 400, { payload: { refresh_token: 12345 } }],
    ['an empty token', 400, { payload: { refresh_token: '' } }],
    ['a token over 512 characters', 400, { payload: { refresh_token: `eprt_${'a'.repeat(600)}` } }],
    ['an array body', 400, { payload: [{ refresh_token: 'eprt_x' }] }],
    ['malformed JSON', 400, { headers: { 'content-type': 'application/json' }, payload: '{"refresh_token":' }],
    ['a text body', 415, { headers: { 'content-type': 'text/plain' }, payload: 'eprt_x' }],
  ];

  it.each(badBodies)('POST /auth/refresh and /auth/logout with %s → %i', async (_label, status, options) => {
    for (const url of ['/auth/refresh', '/auth/logout']) {
      expectProblem(await t.app.inject({ method: 'POST', url, ...options } as InjectOptions), status);
    }
  });

  it('the SDK client renews the session once on a 401 and repeats the request; a second 401 is an error', async () => {
    const nurse = await createStaff(t, 'health_professional');
    const started = await signIn(nurse);
    const fetchViaInject: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      const response = await t.app.inject({
        method: (init?.method ?? 'GET') as InjectOptions['method'],
        url: `${url.pathname}${url.search}`,
        headers: init?.headers as Record<string, string>,
        ...(init?.body !== undefined ? { payload: String(init.body) } : {}),
      });
      return new Response(response.statusCode === 204 ? null : response.body, {
        status: response.statusCode,
        headers: response.headers as Record<string, string>,
      });
    };
    const anonymous = new EpitraceClient({ baseUrl: 'http://epitrace.test', fetch: fetchViaInject });
    let token = 'expired.or.forged'; // the first request is refused
    let refreshToken = started.refresh_token;
    const renewals: string[] = [];
    const client = new EpitraceClient({
      baseUrl: 'http://epitrace.test',
      fetch: fetchViaInject,
      session: {
        token: () => token,
        renew: async (rejected) => {
          renewals.push(rejected ?? '');
          const renewed = await anonymous.refreshStaffSession(refreshToken);
          token = renewed.token;
          refreshToken = renewed.refresh_token;
          return token;
        },
      },
    });
    const page = await client.listCases();
    expect(page.cases).toEqual([]);
    expect(renewals).toEqual(['expired.or.forged']);
    // The session routes go without the bearer token (it may have run out), so any client can call them.
    token = 'expired.or.forged';
    const again = await client.refreshStaffSession(refreshToken);
    refreshToken = again.refresh_token;
    token = again.token;
    expect(renewals).toHaveLength(1);

    // The session ends: the renewal fails, and the request fails with the 401 of the refresh.
    await anonymous.signOutStaff(refreshToken);
    token = 'expired.or.forged';
    const failure = await client.listCases().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EpitraceApiError);
    expect((failure as EpitraceApiError).status).toBe(401);
    expect(renewals).toHaveLength(2);
  });

  it("a session client's real-time stream connects with a renewed token when the first one is refused", async () => {
    const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const nurse = await createStaff(t, 'health_professional');
    const started = await signIn(nurse);
    const anonymous = new EpitraceClient({ baseUrl });
    let token = 'expired.or.forged';
    let refreshToken = started.refresh_token;
    const client = new EpitraceClient({
      baseUrl,
      session: {
        token: () => token,
        renew: async () => {
          const renewed = await anonymous.refreshStaffSession(refreshToken);
          token = renewed.token;
          refreshToken = renewed.refresh_token;
          return token;
        },
      },
    });
    const failures: unknown[] = [];
    const stream = client.streamExposureRisks({ onEvent: () => undefined, onError: (e) => failures.push(e) });
    try {
      await stream.opened();
      expect(stream.state).toBe('open');
      expect(failures).toEqual([]);
      expect(refreshToken).not.toBe(started.refresh_token);
    } finally {
      await stream.close();
    }
  });
});

describe('staff session settings', () => {
  it('default to a 30-minute idle limit and 12 hours at most; the idle limit must outlast an access token', () => {
    expect(loadConfig({})).toMatchObject({
      staffTokenTtlSeconds: 900,
      staffSessionIdleMinutes: 30,
      staffSessionMaxHours: 12,
    });
    expect(loadConfig({ STAFF_TOKEN_TTL_SECONDS: '2' }).staffTokenTtlSeconds).toBe(2);
    expect(() => loadConfig({ STAFF_TOKEN_TTL_SECONDS: '3600' })).toThrow(
      /STAFF_SESSION_IDLE_MINUTES \(30\) must be longer than a staff token lasts \(STAFF_TOKEN_TTL_SECONDS=3600\)/,
    );
    expect(() => loadConfig({ STAFF_SESSION_IDLE_MINUTES: '0' })).toThrow(
      /STAFF_SESSION_IDLE_MINUTES must be an integer/,
    );
    expect(() => loadConfig({ STAFF_SESSION_MAX_HOURS: 'twelve' })).toThrow(
      /STAFF_SESSION_MAX_HOURS must be an integer/,
    );
  });
});
