import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EpitraceApiError, EpitraceClient, type Notification, type RealtimeEvent } from '../../web/sdk/index.js';
import { createStaff } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const DAY_MS = 86_400_000;
const todayStart = () => Math.floor(Date.now() / DAY_MS) * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();
const today = () => iso(Date.now()).slice(0, 10);

/**
 * A one-hour location stay at a point, `daysAgo` days ago from 10:00 to 11:00 UTC (a day the tracing engine scores as
 * highly infectious).
 */
function stay(id: string, daysAgo: number, lat = 52.52, lng = 13.405) {
  const start = todayStart() - daysAgo * DAY_MS + 10 * 3_600_000;
  return {
    id,
    kind: 'location' as const,
    lat,
    lng,
    accuracy_m: 5,
    started_at: iso(start),
    ended_at: iso(start + 3_600_000),
  };
}

async function closeListening(app: FastifyInstance): Promise<void> {
  const closing = app.close();
  await Promise.race([closing, new Promise((r) => setTimeout(r, 200))]);
  app.server.closeAllConnections();
  await closing;
}

async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(testDialects())('client SDK against a real server (%s)', (dialect) => {
  let t: TestApp;
  let anonymous: EpitraceClient;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { AUTH_RATE_LIMIT_MAX: '1000' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    anonymous = new EpitraceClient({ baseUrl: `http://127.0.0.1:${address.port}/` });
  });
  afterAll(async () => {
    await closeListening(t.app);
    await t.close();
  });

  it('registers a user who uploads, lists and reads their own data, then erases it', async () => {
    const created = await anonymous.registerUser({ name: 'Grace Hopper', contact_info: 'grace@example.org' });
    expect(created).toMatchObject({ name: 'Grace Hopper', contact_info: 'grace@example.org' });
    const phone = anonymous.withToken(created.token);

    const observations = Array.from({ length: 1500 }, (_, i) =>
      stay(crypto.randomUUID(), 1 + (i % 3), 52.52 + i * 1e-4),
    );
    const first = await phone.uploadAllInteractions(observations);
    expect(first).toEqual({ created: 1500, duplicates: 0 });
    // Idempotent by id: the same observations again are all duplicates.
    expect(await phone.uploadAllInteractions(observations.slice(0, 10))).toEqual({ created: 0, duplicates: 10 });
    await expect(phone.uploadInteractions([])).rejects.toBeInstanceOf(RangeError);

    const page = await phone.listInteractions(created.id, { limit: 2 });
    expect(page.interactions).toHaveLength(2);
    expect(page.next_cursor).not.toBeNull();
    const all = await phone.all((p) => phone.listInteractions(created.id, p), 'interactions');
    expect(all).toHaveLength(1500);

    const symptom = await phone.reportSymptom({ symptom: 'fever', date: today() });
    expect(symptom).toMatchObject({ user_id: created.id, symptom: 'fever', date: today() });

    const tokens = await phone.proximityTokens();
    expect(tokens.interval_minutes).toBe(15);
    expect(tokens.tokens).toHaveLength(96);

    expect((await phone.getUser(created.id)).name).toBe('Grace Hopper');
    expect((await phone.listNotifications({ unacked: true })).notifications).toEqual([]);
    await phone.deleteUser(created.id);
    await expect(phone.getUser(created.id)).rejects.toMatchObject({ status: 401 });
  });

  it('surfaces errors as EpitraceApiError with the problem+json body', async () => {
    const created = await anonymous.registerUser();
    const phone = anonymous.withToken(created.token);
    const error = await phone.reportSymptom({ symptom: 'fever', date: '2999-01-01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EpitraceApiError);
    const apiError = error as EpitraceApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.problem.status).toBe(400);
    expect(apiError.problem.detail).toBe('body/date may not be in the future');

    const unauthenticated = await anonymous.listNotifications().catch((e: unknown) => e);
    expect(unauthenticated).toBeInstanceOf(EpitraceApiError);
    expect((unauthenticated as EpitraceApiError).status).toBe(401);

    const invalid = (await phone
      .uploadInteractions([{ ...stay(crypto.randomUUID(), 1), lat: 200 }])
      .catch((e: unknown) => e)) as EpitraceApiError;
    expect(invalid.status).toBe(400);
    expect(invalid.errors?.length).toBeGreaterThan(0);

    const denied = (await phone.zones().catch((e: unknown) => e)) as EpitraceApiError;
    expect(denied.status).toBe(403);
  });

  it('lets staff log in, confirm a case, read its contacts and the aggregates', async () => {
    const nurse = await createStaff(t, 'health_professional');
    const authority = await createStaff(t, 'authority');
    const login = await anonymous.login(nurse.username, nurse.password);
    expect(login).toMatchObject({ token_type: 'Bearer', role: 'health_professional', staff_id: nurse.id });
    const professional = anonymous.withToken(login.token);
    const epidemiologist = anonymous.withToken((await anonymous.login(authority.username, authority.password)).token);

    const source = await anonymous.registerUser();
    const contact = await anonymous.registerUser();
    await anonymous.withToken(source.token).uploadInteractions([stay(crypto.randomUUID(), 1, 48.1, 11.5)]);
    await anonymous.withToken(contact.token).uploadInteractions([stay(crypto.randomUUID(), 1, 48.1, 11.5)]);

    const confirmed = await professional.confirmCase({
      user_id: source.id,
      report_type: 'confirmed_test',
      onset_date: today(),
    });
    expect(confirmed.created).toBe(true);
    expect(confirmed.case).toMatchObject({ user_id: source.id, report_type: 'confirmed_test', managed_by: nurse.id });
    const again = await professional.confirmCase({
      user_id: source.id,
      report_type: 'confirmed_test',
      onset_date: today(),
    });
    expect(again.created).toBe(false);
    expect((await professional.listCases()).cases.map((c) => c.id)).toContain(confirmed.case.id);

    const contacts = await eventually(async () => {
      const answer = await professional.caseContacts(confirmed.case.id);
      return answer.contacts.length > 0 ? answer : undefined;
    }, 'the trace of the confirmed case');
    expect(contacts.contacts.map((c) => c.user_id)).toEqual([contact.id]);
    expect(contacts.contacts[0]!.notified).toBe(true);
    const notified = await anonymous.withToken(contact.token).listNotifications();
    expect(notified.notifications).toHaveLength(1);
    const acked = await anonymous.withToken(contact.token).ackNotification(notified.notifications[0]!.id);
    expect(acked.acked_at).not.toBeNull();

    const sites = await professional.exposureSites();
    expect(sites.exposure_sites.length).toBeGreaterThan(0);
    // The analytics engine recomputes shortly after the report (ANALYTICS_SETTLE_MS): its aggregates catch up.
    const summary = await eventually(async () => {
      const answer = await epidemiologist.analyticsSummary();
      return answer.totals.cases >= 1 ? answer : undefined;
    }, 'the analytics summary to count the case');
    expect(summary.totals.traced_cases).toBeGreaterThanOrEqual(1);
    const rt = await epidemiologist.analyticsRt({
      si_mean: 4.8,
      si_sd: 2.3,
      from: iso(todayStart() - 10 * DAY_MS).slice(0, 10),
    });
    expect(rt.incidence).toHaveLength(11);
    expect(rt.incidence.at(-1)).toBe(1);
    expect((await epidemiologist.zones()).clusters).toBeInstanceOf(Array);
    expect((await epidemiologist.listAlerts()).alerts).toBeInstanceOf(Array);
    expect((await anonymous.analyticsPublic()).min_cases).toBeGreaterThanOrEqual(2);
  });

  it('streams notifications and, after the connection drops, reconnects and resumes with Last-Event-ID', async () => {
    const contact = await anonymous.registerUser();
    const sources = [await anonymous.registerUser(), await anonymous.registerUser()];
    // The contact met each source on a different day: each report raises that day's tier, so two notifications.
    await anonymous
      .withToken(contact.token)
      .uploadInteractions([stay(crypto.randomUUID(), 2, 40.4, -3.7), stay(crypto.randomUUID(), 1, 40.5, -3.7)]);
    await anonymous.withToken(sources[0]!.token).uploadInteractions([stay(crypto.randomUUID(), 2, 40.4, -3.7)]);
    await anonymous.withToken(sources[1]!.token).uploadInteractions([stay(crypto.randomUUID(), 1, 40.5, -3.7)]);

    // A fetch that records each connection's Last-Event-ID and holds the second connection until the test releases it.
    const sentLastEventIds: (string | undefined)[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const gatedFetch: typeof fetch = async (input, init) => {
      if (!String(input).endsWith('/notifications/stream')) return fetch(input, init);
      const headers = new Headers(init?.headers);
      sentLastEventIds.push(headers.get('last-event-id') ?? undefined);
      if (sentLastEventIds.length === 2) await released;
      return fetch(input, init);
    };
    const received: RealtimeEvent<Notification>[] = [];
    const errors: unknown[] = [];
    const opens: boolean[] = [];
    const phone = new EpitraceClient({ baseUrl: anonymous.baseUrl, token: contact.token, fetch: gatedFetch });
    const stream = phone.streamNotifications({
      onEvent: (event) => received.push(event),
      onOpen: ({ reconnection }) => opens.push(reconnection),
      onError: (error) => errors.push(error),
      backoff: { initialMs: 50, jitter: 0 },
    });
    await stream.opened();
    expect(stream.state).toBe('open');

    await anonymous.withToken(sources[0]!.token).reportSymptom({ symptom: 'cough', date: today() });
    await eventually(async () => (received.length >= 1 ? true : undefined), 'the first notification');
    expect(received[0]!.event).toBe('notification');
    expect(received[0]!.id).toBe('1');
    expect(stream.lastEventId).toBe('1');

    // The server drops every connection; the second notification is written while the phone is away.
    t.app.server.closeAllConnections();
    await eventually(async () => (sentLastEventIds.length >= 2 ? true : undefined), 'the reconnection attempt');
    await anonymous.withToken(sources[1]!.token).reportSymptom({ symptom: 'cough', date: today() });
    await eventually(
      async () => ((await phone.listNotifications()).notifications.length === 2 ? true : undefined),
      'the second notification to be stored',
    );
    release();

    await eventually(
      async () => (received.length >= 2 ? true : undefined),
      'the missed notification after the reconnection',
    );
    expect(sentLastEventIds).toEqual([undefined, '1']);
    expect(opens).toEqual([false, true]);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(received.map((e) => e.id)).toEqual(['1', '2']);
    expect(new Set(received.map((e) => e.data.exposure_date)).size).toBe(2);
    await stream.close();
    expect(stream.state).toBe('closed');
    // Nothing arrives twice after the replay.
    expect(received).toHaveLength(2);
  });

  it('gives up on a stream the server refuses (bad token) and says why', async () => {
    const errors: unknown[] = [];
    const stream = anonymous
      .withToken('not-a-token')
      .streamNotifications({ onEvent: () => undefined, onError: (e, info) => errors.push([e, info.willRetry]) });
    await expect(stream.opened()).rejects.toBeInstanceOf(EpitraceApiError);
    await stream.close();
    expect(errors).toHaveLength(1);
    const [error, willRetry] = errors[0] as [EpitraceApiError, boolean];
    expect(error.status).toBe(401);
    expect(willRetry).toBe(false);
    expect(stream.state).toBe('closed');
  });
});
