import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDay } from '../../src/modules/notifications/model.js';
import { createStaff, expectProblem, registerUser, type AppUser, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { connectSse, type SseConnection } from '../helpers/sse-client.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const MIN = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** The calendar day `offset` days from today (UTC, the tests' time zone). */
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
/** hh:00 UTC on the day `offset` days from today. */
const at = (offset: number, hours: number) => Date.parse(`${day(0)}T00:00:00Z`) + offset * DAY + hours * 3_600_000;

interface CaseJson {
  id: string;
  user_id: string;
  report_type: string;
  status: string;
  onset_date: string | null;
  test_date: string | null;
  managed_by: string | null;
  closed_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
}
interface NotificationJson {
  id: string;
  seq: number;
  kind: string;
  tier: string;
  exposure_date: string;
  title: string;
  body: string;
  update?: { previous_tier: string; tier: string; cause: string };
}

/** A contact of a traced case: who, and the stay they shared with the source. */
interface Contact {
  readonly user: AppUser;
  readonly interactionId: string;
  readonly date: string;
}

/** Everything that concerns one test's case: each test has a place of its own, far from the others'. */
interface Scene {
  readonly source: AppUser;
  readonly place: { lat: number; lng: number };
  readonly contacts: Contact[];
}

describe.each(testDialects())('case life cycle on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  let professional: StaffUser;
  let colleague: StaffUser;
  let authority: StaffUser;
  const streams: SseConnection[] = [];

  beforeAll(async () => {
    t = await buildTestApp(dialect, {
      RATE_LIMIT_MAX: '100000',
      AUTH_RATE_LIMIT_MAX: '100000',
      PUBLIC_MIN_CASES: '2',
      SCAN_DEBOUNCE_MS: '3600000',
    });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    [professional, colleague, authority] = await Promise.all([
      createStaff(t, 'health_professional'),
      createStaff(t, 'health_professional'),
      createStaff(t, 'authority'),
    ]);
  });
  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await t?.close();
  });

  const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  const stay = (where: { lat: number; lng: number }, start: number, minutes: number) => ({
    id: randomUUID(),
    kind: 'location',
    lat: where.lat,
    lng: where.lng,
    accuracy_m: 5,
    started_at: iso(start),
    ended_at: iso(start + minutes * MIN),
  });
  const upload = async (who: AppUser, interactions: Array<{ id: string }>) => {
    const response = await inject('POST', '/interactions', who.auth, { interactions });
    expect(response.statusCode, response.body).toBe(200);
  };

  /**
   * A source and contacts who each spent `minutes` within 5 m of the source, `offset` days from today (the i-th from
   * 08:00 + 3i hours, so no two meetings overlap), at a place of the scene's own (nobody else's stays are near).
   */
  async function scene(meetings: ReadonlyArray<{ offset: number; minutes: number }>): Promise<Scene> {
    const place = { lat: -50 + Math.random() * 100, lng: -160 + Math.random() * 320 };
    const near = { lat: place.lat + 0.00004, lng: place.lng };
    const source = await registerUser(t.app);
    await upload(
      source,
      meetings.map((m, i) => stay(place, at(m.offset, 8 + 3 * i), m.minutes)),
    );
    const contacts: Contact[] = [];
    for (const [i, m] of meetings.entries()) {
      const user = await registerUser(t.app);
      const shared = stay(near, at(m.offset, 8 + 3 * i), m.minutes);
      await upload(user, [shared]);
      contacts.push({ user, interactionId: shared.id, date: day(m.offset) });
    }
    await t.app.traceWorker.idle();
    return { source, place, contacts };
  }

  const confirm = async (who: AppUser, onset: string, by: StaffUser = professional) => {
    const response = await inject('POST', '/cases', by.auth, {
      user_id: who.id,
      report_type: 'confirmed_test',
      onset_date: onset,
      test_date: day(0),
    });
    expect(response.statusCode, response.body).toBeLessThan(300);
    await t.app.traceWorker.idle();
    return response.json<CaseJson>();
  };
  const selfReport = async (who: AppUser, onset: string) => {
    const response = await inject('POST', '/symptoms', who.auth, { symptom: 'fever', date: onset });
    expect(response.statusCode, response.body).toBe(201);
    await t.app.traceWorker.idle();
  };
  const caseOf = async (who: AppUser) =>
    t.database.db.selectFrom('cases').selectAll().where('user_id', '=', who.id).executeTakeFirstOrThrow();
  const notificationsOf = async (who: AppUser | Contact) => {
    const response = await inject('GET', '/notifications', 'user' in who ? who.user.auth : who.auth);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ notifications: NotificationJson[] }>().notifications.reverse(); // oldest first
  };
  const risksOf = async (contact: Contact) => {
    const response = await inject('GET', `/exposure_risks?interaction_id=${contact.interactionId}`, contact.user.auth);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ exposure_risks: Array<{ case_id: string }> }>().exposure_risks;
  };
  const dayOf = async (contact: Contact) =>
    t.database.db
      .selectFrom('exposure_days')
      .select(['tier', 'notified_tier'])
      .where('user_id', '=', contact.user.id)
      .where('date', '=', contact.date)
      .executeTakeFirst();
  const sse = async (url: string, headers: Record<string, string>, lastEventId?: number) => {
    const connection = await connectSse(`${base}${url}`, {
      headers,
      ...(lastEventId === undefined ? {} : { lastEventId }),
    });
    expect(connection.status, connection.body).toBe(200);
    streams.push(connection);
    return connection;
  };

  it('correcting the onset: a contact who left the window loses the risk and hears so; one inside keeps it', async () => {
    // Onset 2 days ago: the window starts 6 days ago. 120 minutes 5 days ago (day −3: standard, 0.3) → 18 → high;
    // 60 minutes yesterday (day +1: high, 1.0) → 30 → high.
    const s = await scene([
      { offset: -5, minutes: 120 },
      { offset: -1, minutes: 60 },
    ]);
    const [early, recent] = s.contacts as [Contact, Contact];
    const confirmed = await confirm(s.source, day(-2));
    for (const contact of s.contacts) {
      expect(await risksOf(contact)).toEqual([expect.objectContaining({ case_id: confirmed.id })]);
      expect((await notificationsOf(contact)).map((n) => [n.kind, n.tier])).toEqual([['exposure', 'high']]);
    }
    const live = await sse('/notifications/stream', early.user.auth, (await notificationsOf(early))[0]!.seq);

    // The onset was in fact today: the window starts 4 days ago, without the stay 5 days ago.
    const corrected = await inject('PATCH', `/cases/${confirmed.id}`, professional.auth, {
      onset_date: day(0),
      reason: 'onset date misread on the lab form',
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect(corrected.json<CaseJson>()).toMatchObject({ id: confirmed.id, onset_date: day(0), status: 'confirmed' });
    await t.app.traceWorker.idle();

    expect(await risksOf(early)).toEqual([]);
    expect(await risksOf(recent)).toEqual([expect.objectContaining({ case_id: confirmed.id })]);
    const date = formatDay(early.date);
    const update = await live.waitFor((e) => e.event === 'notification');
    const expected = {
      kind: 'update',
      tier: 'low',
      exposure_date: early.date,
      update: { previous_tier: 'high', tier: 'low', cause: 'corrected' },
      title: `Update: your exposure on ${date} no longer counts`,
      body: expect.stringMatching(
        new RegExp(
          `^The report of a person you were near has been corrected: your exposure on ${date} no longer counts\\. Your risk for that day is now low: you are no longer at risk from that day\\.`,
        ),
      ),
    };
    expect(JSON.parse(update.data)).toMatchObject(expected);
    expect(await notificationsOf(early)).toEqual([
      expect.objectContaining({ kind: 'exposure' }),
      expect.objectContaining(expected),
    ]);
    expect(await dayOf(early)).toEqual({ tier: 'low', notified_tier: 'low' });
    // The contact inside the window heard nothing new.
    expect((await notificationsOf(recent)).map((n) => n.kind)).toEqual(['exposure']);
    expect(await dayOf(recent)).toEqual({ tier: 'high', notified_tier: 'high' });

    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('request_id', '=', String(corrected.headers['x-request-id']))
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        actor_id: professional.id,
        action: 'cases.correct',
        subject_user_id: s.source.id,
        detail: `onset date misread on the lab form (onset_date: ${day(-2)} -> ${day(0)})`,
      }),
    ]);
  });

  it('revoking: every risk goes, tiers fall, updates arrive live and on replay, the manager hears of it', async () => {
    // 60 minutes yesterday → 30 → high; 20 minutes yesterday → 10 → medium.
    const s = await scene([
      { offset: -1, minutes: 60 },
      { offset: -1, minutes: 20 },
    ]);
    const [high, medium] = s.contacts as [Contact, Contact];
    const confirmed = await confirm(s.source, day(0));
    const before = await notificationsOf(high);
    expect(before.map((n) => n.tier)).toEqual(['high']);
    expect((await notificationsOf(medium)).map((n) => n.tier)).toEqual(['medium']);
    const live = await sse('/notifications/stream', high.user.auth, before[0]!.seq);
    const managerStream = await sse('/exposure_risks/stream', professional.auth);

    const revoked = await inject('POST', `/cases/${confirmed.id}/revoke`, professional.auth, {
      reason: 'negative_test',
      note: 'second PCR negative',
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json<CaseJson>()).toMatchObject({
      id: confirmed.id,
      status: 'revoked',
      revoked_reason: 'negative_test',
      revoked_at: expect.any(String),
    });

    const date = formatDay(high.date);
    const arrived = JSON.parse((await live.waitFor((e) => e.event === 'notification')).data) as NotificationJson;
    expect(arrived).toMatchObject({
      kind: 'update',
      tier: 'low',
      update: { previous_tier: 'high', tier: 'low', cause: 'negative_test' },
      title: `Update: your exposure on ${date} no longer counts`,
    });
    expect(arrived.body.startsWith(`A person you were near has since tested negative: your exposure on ${date}`)).toBe(
      true,
    );
    // A client reconnecting after its last exposure notification gets the update on replay.
    const replay = await sse('/notifications/stream', high.user.auth, before[0]!.seq);
    const replayed = await replay.waitFor((e) => e.event === 'notification');
    expect(replayed.id).toBe(String(arrived.seq));
    expect(JSON.parse(replayed.data)).toEqual(arrived);
    expect((await notificationsOf(medium)).map((n) => [n.kind, n.tier, n.update?.previous_tier])).toEqual([
      ['exposure', 'medium', undefined],
      ['update', 'low', 'medium'],
    ]);
    for (const contact of s.contacts) {
      expect(await risksOf(contact)).toEqual([]);
      expect(await dayOf(contact)).toEqual({ tier: 'low', notified_tier: 'low' });
    }
    // (The stream starts with the day's earlier events: those of the other tests' cases too.)
    const change = await managerStream.waitFor(
      (e) => e.event === 'case_changed' && JSON.parse(e.data).case_id === confirmed.id,
    );
    expect(JSON.parse(change.data)).toMatchObject({
      type: 'case_changed',
      case_id: confirmed.id,
      change: 'revoked',
      status: 'revoked',
      reason: 'negative_test',
      risks_removed: 2,
      contacts_affected: 2,
    });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('request_id', '=', String(revoked.headers['x-request-id']))
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        actor_id: professional.id,
        action: 'cases.revoke',
        detail: 'negative_test: second PCR negative',
      }),
    ]);

    // Revoked is final, and the person may report again (a new case).
    expectProblem(
      await inject('POST', `/cases/${confirmed.id}/revoke`, professional.auth, { reason: 'negative_test' }),
      409,
    );
    expectProblem(
      await inject('PATCH', `/cases/${confirmed.id}`, professional.auth, { status: 'closed', reason: 'x' }),
      409,
    );
    // A later trace of the revoked case (a job left behind) writes nothing.
    await t.app.tracing.traceCase(confirmed.id);
    for (const contact of s.contacts) expect(await risksOf(contact)).toEqual([]);
  });

  it('a revoked case no longer counts in the summary, the public aggregate or the notification outcomes', async () => {
    const first = await scene([{ offset: -4, minutes: 60 }]);
    const second = await scene([{ offset: -4, minutes: 60 }]);
    const kept = await confirm(first.source, day(-4));
    const toRevoke = await confirm(second.source, day(-4));
    // Both reported 3 days ago (a completed day the public aggregate shows).
    const reported = day(-3);
    await t.database.db
      .updateTable('cases')
      .set({ report_date: reported })
      .where('id', 'in', [kept.id, toRevoke.id])
      .execute();
    await t.app.analytics.refreshCaseDates(reported, reported);
    const summaryDay = async () => {
      await t.app.analytics.idle();
      const response = await inject('GET', `/analytics/summary?from=${reported}&to=${reported}`, authority.auth);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ days: Array<{ date: string; cases: number; traced_cases: number }> }>().days[0];
    };
    const publicDay = async () => {
      const response = await t.app.inject({ method: 'GET', url: `/analytics/public?from=${reported}&to=${reported}` });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ days: Array<{ date: string; cases: number | null }> }>().days[0];
    };
    expect(await summaryDay()).toMatchObject({ date: reported, cases: 2, traced_cases: 2 });
    expect(await publicDay()).toMatchObject({ date: reported, cases: 2 });

    const revoked = await inject('POST', `/cases/${toRevoke.id}/revoke`, professional.auth, {
      reason: 'entered_in_error',
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(await summaryDay()).toMatchObject({ date: reported, cases: 1, traced_cases: 1 });
    // One case is under k = 2: suppressed.
    expect(await publicDay()).toMatchObject({ date: reported, cases: null });
    const [update] = (await notificationsOf(second.contacts[0]!)).filter((n) => n.kind === 'update');
    expect(update!.body.startsWith('A person you were near was reported in error: ')).toBe(true);
  });

  it('a self-reporter withdraws their own self-report, but not a confirmed case; nobody else may', async () => {
    const s = await scene([{ offset: -1, minutes: 60 }]);
    await selfReport(s.source, day(0));
    const own = await caseOf(s.source);
    const stranger = await registerUser(t.app);
    expectProblem(await inject('POST', `/cases/${own.id}/revoke`, stranger.auth, { reason: 'entered_in_error' }), 403);
    expectProblem(await inject('POST', `/cases/${own.id}/revoke`, authority.auth, { reason: 'entered_in_error' }), 403);
    // 60 minutes × GPS 0.5 × self-report 0.5 = 15: high.
    expect((await notificationsOf(s.contacts[0]!)).map((n) => n.tier)).toEqual(['high']);
    const withdrawn = await inject('POST', `/cases/${own.id}/revoke`, s.source.auth, { reason: 'entered_in_error' });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json<CaseJson>()).toMatchObject({ status: 'revoked', revoked_reason: 'entered_in_error' });
    expect(await risksOf(s.contacts[0]!)).toEqual([]);
    expect((await notificationsOf(s.contacts[0]!)).map((n) => n.kind)).toEqual(['exposure', 'update']);

    const other = await scene([{ offset: -1, minutes: 60 }]);
    const confirmed = await confirm(other.source, day(0));
    const refused = await inject('POST', `/cases/${confirmed.id}/revoke`, other.source.auth, {
      reason: 'negative_test',
    });
    expect(expectProblem(refused, 403).detail).toMatch(/confirmed case/);
    expectProblem(
      await inject('POST', `/cases/${confirmed.id}/revoke`, colleague.auth, { reason: 'negative_test' }),
      403,
    );
    expect(await risksOf(other.contacts[0]!)).toHaveLength(1);
  });

  it('closing a case: it keeps its risks, is matched against no later upload, and is changed no more', async () => {
    const s = await scene([{ offset: -1, minutes: 60 }]);
    const confirmed = await confirm(s.source, day(0));
    const closed = await inject('PATCH', `/cases/${confirmed.id}`, professional.auth, {
      status: 'closed',
      reason: 'isolation over',
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json<CaseJson>()).toMatchObject({ status: 'closed', closed_at: expect.any(String) });
    await t.app.traceWorker.idle();
    expect(await risksOf(s.contacts[0]!)).toHaveLength(1);

    // Someone who was there too uploads late: the closed case's window covers the stay, yet no risk is made.
    const late = await registerUser(t.app);
    const lateStay = stay({ lat: s.place.lat, lng: s.place.lng + 0.00003 }, at(-1, 8), 60);
    await upload(late, [lateStay]);
    await t.app.traceWorker.idle();
    expect(
      (await inject('GET', `/exposure_risks?interaction_id=${lateStay.id}`, late.auth)).json().exposure_risks,
    ).toEqual([]);

    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('request_id', '=', String(closed.headers['x-request-id']))
      .execute();
    expect(audit).toEqual([{ action: 'cases.close', detail: 'isolation over (status: confirmed -> closed)' }]);
    expectProblem(
      await inject('PATCH', `/cases/${confirmed.id}`, professional.auth, { onset_date: day(-1), reason: 'again' }),
      409,
    );
    expectProblem(
      await inject('POST', `/cases/${confirmed.id}/revoke`, professional.auth, { reason: 'negative_test' }),
      409,
    );
  });

  it('GET /cases/{id} and GET /cases: who sees what, the status filter and the review list', async () => {
    const managed = await registerUser(t.app);
    const confirmed = await confirm(managed, day(-1));
    const selfReporter = await registerUser(t.app);
    await selfReport(selfReporter, day(0));
    const unmanaged = await caseOf(selfReporter);

    const read = await inject('GET', `/cases/${confirmed.id}`, professional.auth);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json<CaseJson>()).toMatchObject({ id: confirmed.id, status: 'confirmed', managed_by: professional.id });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_id', 'action', 'subject_user_id'])
      .where('request_id', '=', String(read.headers['x-request-id']))
      .execute();
    expect(audit).toEqual([{ actor_id: professional.id, action: 'cases.read', subject_user_id: managed.id }]);
    expectProblem(await inject('GET', `/cases/${confirmed.id}`, colleague.auth), 403);
    expectProblem(await inject('GET', `/cases/${confirmed.id}`, authority.auth), 403);
    expectProblem(await inject('GET', `/cases/${confirmed.id}`, selfReporter.auth), 403);
    expect((await inject('GET', `/cases/${confirmed.id}`, managed.auth)).json()).toMatchObject({ id: confirmed.id });
    expectProblem(await inject('GET', `/cases/${randomUUID()}`, professional.auth), 404);
    // An unmanaged self-report is open to every professional's review.
    expect((await inject('GET', `/cases/${unmanaged.id}`, colleague.auth)).json()).toMatchObject({
      status: 'self_reported',
      managed_by: null,
    });

    const ids = async (query: string, who: { auth: Record<string, string> }) => {
      const response = await inject('GET', `/cases${query}`, who.auth);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ cases: CaseJson[] }>().cases.map((c) => c.id);
    };
    expect(await ids('', professional)).toContain(confirmed.id);
    expect(await ids('', professional)).not.toContain(unmanaged.id);
    expect(await ids('?status=self_reported', colleague)).toContain(unmanaged.id);
    expect(await ids('?status=self_reported', colleague)).not.toContain(confirmed.id);
    expect(await ids('?status=confirmed', professional)).toContain(confirmed.id);
    expect(await ids('?status=closed', professional)).not.toContain(confirmed.id);
    expect(await ids('', selfReporter)).toEqual([unmanaged.id]);
    expect(await ids('?status=confirmed', selfReporter)).toEqual([]);
    expectProblem(await inject('GET', '/cases', authority.auth), 403);
    expectProblem(await inject('GET', '/cases?status=open', professional.auth), 400);

    // Confirming takes the case on: the professional now manages it.
    const taken = await confirm(selfReporter, day(0), colleague);
    expect(taken).toMatchObject({ id: unmanaged.id, status: 'confirmed', managed_by: colleague.id });
    expect(await ids('?status=self_reported', professional)).not.toContain(unmanaged.id);
  });

  it('bad input is a 400, an unknown case 404, someone else’s case 403; nothing changes', async () => {
    const patient = await registerUser(t.app);
    const confirmed = await confirm(patient, day(-1));
    const patch = (payload: object, who: StaffUser = professional, id = confirmed.id) =>
      inject('PATCH', `/cases/${id}`, who.auth, payload);
    for (const [payload, detail] of [
      [{}, /reason|properties/],
      [{ reason: 'nothing else' }, /properties/],
      [{ onset_date: day(0) }, /reason|properties/],
      [{ onset_date: day(0), reason: '' }, /reason/],
      [{ onset_date: day(1), reason: 'future' }, /future/],
      [{ onset_date: day(0), reason: 'x', managed_by: 'me' }, /managed_by/],
      [{ status: 'revoked', reason: 'x' }, /status/],
      [{ report_type: 'self_reported', reason: 'x' }, /report_type/],
    ] as const) {
      expect(expectProblem(await patch(payload), 400).detail, JSON.stringify(payload)).toMatch(detail);
    }
    for (const [payload, detail] of [
      [{}, /reason/],
      [{ reason: 'recovered' }, /reason/],
      [{ reason: 'negative_test', extra: true }, /extra/],
    ] as const) {
      expect(
        expectProblem(await inject('POST', `/cases/${confirmed.id}/revoke`, professional.auth, payload), 400).detail,
      ).toMatch(detail);
    }
    expectProblem(await patch({ status: 'closed', reason: 'x' }, professional, randomUUID()), 404);
    expectProblem(
      await inject('POST', `/cases/${randomUUID()}/revoke`, professional.auth, { reason: 'negative_test' }),
      404,
    );
    expectProblem(await patch({ status: 'closed', reason: 'not mine' }, colleague), 403);
    expectProblem(
      await inject('PATCH', `/cases/${confirmed.id}`, patient.auth, { status: 'closed', reason: 'x' }),
      403,
    );
    expect(await caseOf(patient)).toMatchObject({ status: 'active', onset_date: day(-1), closed_at: null });
  });
});

describe.each(testDialects())('SELF_REPORTS=hold on %s', (dialect) => {
  let t: TestApp;
  let professional: StaffUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { SELF_REPORTS: 'hold', RATE_LIMIT_MAX: '100000' });
    professional = await createStaff(t, 'health_professional');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a held self-report writes its risks but notifies nobody until a professional confirms it', async () => {
    const place = { lat: -50 + Math.random() * 100, lng: -160 + Math.random() * 320 };
    const [source, contact] = [await registerUser(t.app), await registerUser(t.app)];
    const start = Date.parse(`${day(0)}T00:00:00Z`) - DAY + 10 * 3_600_000;
    const stayAt = (where: { lat: number; lng: number }) => ({
      id: randomUUID(),
      kind: 'location',
      lat: where.lat,
      lng: where.lng,
      accuracy_m: 5,
      started_at: iso(start),
      ended_at: iso(start + 60 * MIN),
    });
    const shared = stayAt({ lat: place.lat + 0.00004, lng: place.lng });
    for (const [who, item] of [
      [source, stayAt(place)],
      [contact, shared],
    ] as const) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/interactions',
        headers: who.auth,
        payload: { interactions: [item] },
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    await t.app.traceWorker.idle();
    const symptom = await t.app.inject({
      method: 'POST',
      url: '/symptoms',
      headers: source.auth,
      payload: { symptom: 'fever', date: day(0) },
    });
    expect(symptom.statusCode, symptom.body).toBe(201);
    await t.app.traceWorker.idle();

    const risks = await t.app.inject({
      method: 'GET',
      url: `/exposure_risks?interaction_id=${shared.id}`,
      headers: contact.auth,
    });
    expect(risks.json().exposure_risks).toHaveLength(1);
    const notifications = () =>
      t.database.db.selectFrom('notifications').select(['kind', 'tier']).where('user_id', '=', contact.id).execute();
    expect(await notifications()).toEqual([]);
    const held = await t.app.inject({ method: 'GET', url: '/cases?status=held', headers: professional.auth });
    expect(held.statusCode, held.body).toBe(200);
    const [listed] = held.json<{ cases: CaseJson[] }>().cases.filter((c) => c.user_id === source.id);
    expect(listed).toMatchObject({ status: 'held', report_type: 'self_reported', managed_by: null });

    const confirmed = await t.app.inject({
      method: 'POST',
      url: '/cases',
      headers: professional.auth,
      payload: { user_id: source.id, report_type: 'confirmed_test', onset_date: day(0) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ id: listed!.id, status: 'confirmed', managed_by: professional.id });
    await t.app.traceWorker.idle();
    // 60 minutes × GPS 0.5 × confirmed 1.0 = 30: high.
    expect(await notifications()).toEqual([{ kind: 'exposure', tier: 'high' }]);
    const after = await t.app.inject({ method: 'GET', url: '/cases?status=held', headers: professional.auth });
    expect(after.json<{ cases: CaseJson[] }>().cases.map((c) => c.id)).not.toContain(listed!.id);
  });
});

describe.each(testDialects())('SELF_REPORTS=off on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { SELF_REPORTS: 'off' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a symptom report is recorded and opens no case', async () => {
    const person = await registerUser(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: '/symptoms',
      headers: person.auth,
      payload: { symptom: 'cough', date: day(-1) },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ user_id: person.id, symptom: 'cough', date: day(-1) });
    await t.app.traceWorker.idle();
    expect(await t.database.db.selectFrom('cases').select('id').where('user_id', '=', person.id).execute()).toEqual([]);
    expect(
      await t.database.db.selectFrom('symptoms').select('symptom').where('user_id', '=', person.id).execute(),
    ).toEqual([{ symptom: 'cough' }]);
    expect(await t.database.db.selectFrom('trace_jobs').select('id').execute()).toEqual([]);
  });
});
