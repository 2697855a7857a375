import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStaff,
  expectProblem,
  registerUser,
  tableCounts,
  type AppUser,
  type StaffUser,
} from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { whileTwoWritersWait } from '../helpers/tracing-fixtures.js';

const DAY = 86_400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

interface CaseJson {
  id: string;
  user_id: string;
  report_type: string;
  test_date: string | null;
  onset_date: string | null;
  managed_by: string | null;
  created_at: string;
}

describe.each(testDialects())('cases on %s', (dialect) => {
  // One app and two professionals for the file (logins cost scrypt); each test works on people of its own.
  let t: TestApp;
  let professional: StaffUser;
  let colleague: StaffUser;
  /** The person the bad-input table tries to confirm a case for. */
  let patient: AppUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
    [professional, colleague] = await Promise.all([
      createStaff(t, 'health_professional'),
      createStaff(t, 'health_professional'),
    ]);
    patient = await registerUser(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  const confirm = (payload: unknown, who: StaffUser = professional) =>
    t.app.inject({ method: 'POST', url: '/cases', headers: who.auth, payload: payload as object });
  const list = (query = '', who: StaffUser = professional) =>
    t.app.inject({ method: 'GET', url: `/cases${query}`, headers: who.auth });

  it('a professional confirms a case and becomes its manager; the action is audited', async () => {
    const patient = await registerUser(t.app);
    const response = await confirm({
      user_id: patient.id,
      report_type: 'confirmed_test',
      test_date: day(-1),
      onset_date: day(-3),
    });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json<CaseJson>();
    expect(body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      user_id: patient.id,
      report_type: 'confirmed_test',
      test_date: day(-1),
      onset_date: day(-3),
      managed_by: professional.id,
      created_at: expect.any(String),
    });
    const row = await t.database.db.selectFrom('cases').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      user_id: patient.id,
      report_type: 'confirmed_test',
      test_date: day(-1),
      onset_date: day(-3),
      managed_by: professional.id,
    });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('subject_user_id', '=', patient.id)
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        actor_kind: 'staff',
        actor_id: professional.id,
        actor_role: 'health_professional',
        action: 'cases.confirm',
        request_id: response.headers['x-request-id'],
      }),
    ]);
    // Managing the case lets the professional read the person.
    expect(
      (await t.app.inject({ method: 'GET', url: `/users/${patient.id}`, headers: professional.auth })).statusCode,
    ).toBe(200);
    expectProblem(await t.app.inject({ method: 'GET', url: `/users/${patient.id}`, headers: colleague.auth }), 403);
  });

  it('a clinical diagnosis without dates; an upper-case user id; the oldest allowed onset; today', async () => {
    const patient = await registerUser(t.app);
    const plain = await confirm({ user_id: patient.id, report_type: 'clinical_diagnosis' });
    expect(plain.statusCode, plain.body).toBe(201);
    expect(plain.json()).toMatchObject({ report_type: 'clinical_diagnosis', test_date: null, onset_date: null });
    const another = await registerUser(t.app);
    const upper = await confirm({
      user_id: another.id.toUpperCase(),
      report_type: 'confirmed_test',
      onset_date: day(-60),
      test_date: day(0),
    });
    expect(upper.statusCode, upper.body).toBe(201);
    expect(upper.json()).toMatchObject({ user_id: another.id, onset_date: day(-60), test_date: day(0) });
  });

  it('a self-report and a confirmation arriving at the same moment meet one case, upgraded to the confirmed test', async () => {
    const person = await registerUser(t.app);
    const both = () =>
      Promise.all([
        t.app.inject({
          method: 'POST',
          url: '/symptoms',
          headers: person.auth,
          payload: { symptom: 'fever', date: day(-2) },
        }),
        confirm({ user_id: person.id, report_type: 'confirmed_test', test_date: day(-1), onset_date: day(-2) }),
      ]);
    // Inserts into cases are held until both requests wait: each has then looked for the person's case (and found
    // none, unless the second waits for the first to finish with it).
    const answers = await whileTwoWritersWait(t, 'cases', both);
    for (const answer of answers) expect(answer.statusCode, answer.body).toBeLessThan(300);
    const rows = await t.database.db
      .selectFrom('cases')
      .select(['report_type', 'status', 'managed_by'])
      .where('user_id', '=', person.id)
      .execute();
    expect(rows).toEqual([{ report_type: 'confirmed_test', status: 'active', managed_by: professional.id }]);
  });

  it('a case reported earlier counts on its report date: stored, shown, audited, traced and in the case curve', async () => {
    const person = await registerUser(t.app);
    const curveOn = async (date: string) => {
      await t.app.analytics.idle();
      const summary = await t.app.inject({
        method: 'GET',
        url: `/analytics/summary?from=${date}&to=${date}`,
        headers: professional.auth,
      });
      expect(summary.statusCode, summary.body).toBe(200);
      return summary.json<{ days: Array<{ date: string; cases: number }> }>().days[0]!.cases;
    };
    const before = { reported: await curveOn(day(-20)), today: await curveOn(day(0)) };
    const response = await confirm({
      user_id: person.id,
      report_type: 'confirmed_test',
      test_date: day(-21),
      report_date: day(-20),
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ report_date: day(-20), test_date: day(-21), onset_date: null });
    const row = await t.database.db
      .selectFrom('cases')
      .selectAll()
      .where('user_id', '=', person.id)
      .executeTakeFirstOrThrow();
    expect(row.report_date).toBe(day(-20));
    // No onset known: the onset is taken as 4 days before the report; the window is that onset -4 .. +5 days.
    const windowStart = Date.parse(`${day(-28)}T00:00:00Z`);
    expect(Number(row.window_start)).toBe(windowStart);
    expect(Number(row.window_end)).toBe(Date.parse(`${day(-18)}T00:00:00Z`));
    // The case curve counts it on the day it was reported, not today.
    expect(await curveOn(day(-20))).toBe(before.reported + 1);
    expect(await curveOn(day(0))).toBe(before.today);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('subject_user_id', '=', person.id)
      .execute();
    expect(audit).toEqual([{ action: 'cases.confirm', detail: `reported on ${day(-20)}` }]);
  });

  it('a confirmation entered with an earlier report date moves a self-report back to that day; a later one does not', async () => {
    const person = await registerUser(t.app);
    const reported = await t.app.inject({
      method: 'POST',
      url: '/symptoms',
      headers: person.auth,
      payload: { symptom: 'fever', date: day(-6) },
    });
    expect(reported.statusCode, reported.body).toBe(201);
    const reportDate = async () =>
      (
        await t.database.db
          .selectFrom('cases')
          .select('report_date')
          .where('user_id', '=', person.id)
          .executeTakeFirstOrThrow()
      ).report_date;
    expect(await reportDate()).toBe(day(0));
    const earlier = await confirm({
      user_id: person.id,
      report_type: 'confirmed_test',
      test_date: day(-4),
      report_date: day(-3),
    });
    expect(earlier.statusCode, earlier.body).toBe(200);
    expect(earlier.json()).toMatchObject({ report_date: day(-3), onset_date: day(-6), status: 'confirmed' });
    expect(await reportDate()).toBe(day(-3));
    const later = await confirm({ user_id: person.id, report_type: 'confirmed_test', report_date: day(-1) });
    expect(later.statusCode, later.body).toBe(200);
    expect(later.json()).toMatchObject({ report_date: day(-3) });
    const plain = await confirm({ user_id: person.id, report_type: 'confirmed_test' });
    expect(plain.json()).toMatchObject({ report_date: day(-3) });
  });

  it('the database itself refuses a second active case for a person', async () => {
    const person = await registerUser(t.app);
    expect((await confirm({ user_id: person.id, report_type: 'clinical_diagnosis' })).statusCode).toBe(201);
    const now = Date.now();
    await expect(
      t.database.db
        .insertInto('cases')
        .values({
          id: randomUUID(),
          user_id: person.id,
          report_type: 'self_reported',
          report_date: day(0),
          created_at: now,
          updated_at: now,
        })
        .execute(),
    ).rejects.toThrow(/unique/i);
  });

  it("GET /cases lists only the caller's cases, newest first, page by page", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const patient = await registerUser(t.app);
      const response = await confirm({ user_id: patient.id, report_type: 'confirmed_test' }, colleague);
      expect(response.statusCode).toBe(201);
      mine.push(response.json<CaseJson>().id);
    }
    const theirs = await confirm(
      { user_id: (await registerUser(t.app)).id, report_type: 'confirmed_test' },
      professional,
    );
    expect(theirs.statusCode).toBe(201);

    const seen: CaseJson[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`, colleague);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json<{ cases: CaseJson[]; next_cursor: string | null }>();
      sizes.push(page.cases.length);
      seen.push(...page.cases);
      cursor = page.next_cursor;
    } while (cursor !== null && sizes.length < 10);

    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.map((c) => c.id)).toEqual([...mine].reverse());
    expect(seen.every((c) => c.managed_by === colleague.id)).toBe(true);
    expect(seen.map((c) => c.id)).not.toContain(theirs.json<CaseJson>().id);
    const all = await list('', professional);
    const professionalsIds = all.json<{ cases: CaseJson[] }>().cases.map((c) => c.id);
    expect(professionalsIds).toContain(theirs.json<CaseJson>().id);
    for (const id of mine) expect(professionalsIds).not.toContain(id);
    expect(all.json<{ cases: CaseJson[] }>().cases.every((c) => c.managed_by === professional.id)).toBe(true);
  });

  it('GET /cases rejects a bad cursor, limit or unknown parameter with 400', async () => {
    for (const query of [
      '?cursor=abc',
      '?cursor=!!!',
      `?cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
      '?limit=0',
      '?limit=501',
      '?limit=many',
      '?user_id=x',
    ]) {
      expect(expectProblem(await list(query), 400).detail, query).toBeTruthy();
    }
  });

  const bad: Array<[string, number, () => InjectOptions]> = [
    ['an unknown user', 404, () => ({ payload: { user_id: randomUUID(), report_type: 'confirmed_test' } })],
    [
      'report_type self_reported (symptoms are reported by the person)',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'self_reported' } }),
    ],
    ['an unknown report_type', 400, () => ({ payload: { user_id: patient.id, report_type: 'pcr' } })],
    ['no report_type', 400, () => ({ payload: { user_id: patient.id } })],
    ['no user_id', 400, () => ({ payload: { report_type: 'confirmed_test' } })],
    [
      'a user_id that is not a UUID',
      400,
      () => ({ payload: { user_id: 'patient-zero', report_type: 'confirmed_test' } }),
    ],
    [
      'a urn:uuid: user_id',
      400,
      () => ({ payload: { user_id: `urn:uuid:${patient.id}`, report_type: 'confirmed_test' } }),
    ],
    ['a numeric user_id', 400, () => ({ payload: { user_id: 42, report_type: 'confirmed_test' } })],
    [
      'an onset date tomorrow',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', onset_date: day(1) } }),
    ],
    [
      'a test date tomorrow',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', test_date: day(1) } }),
    ],
    [
      'an onset date more than 60 days ago',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', onset_date: day(-61) } }),
    ],
    [
      'an onset date that does not exist',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', onset_date: '2026-02-30' } }),
    ],
    [
      'an onset date-time',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', onset_date: `${day(-1)}T08:00:00Z` } }),
    ],
    [
      'a report date tomorrow',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', report_date: day(1) } }),
    ],
    [
      'a report date more than 60 days ago',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', report_date: day(-61) } }),
    ],
    [
      'a report date before the test date',
      400,
      () => ({
        payload: { user_id: patient.id, report_type: 'confirmed_test', test_date: day(-2), report_date: day(-3) },
      }),
    ],
    [
      'a report date that does not exist',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', report_date: '2026-02-30' } }),
    ],
    [
      'a null report date',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', report_date: null } }),
    ],
    [
      'a managed_by field',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', managed_by: colleague.id } }),
    ],
    [
      'an unknown field',
      400,
      () => ({ payload: { user_id: patient.id, report_type: 'confirmed_test', severity: 'mild' } }),
    ],
    ['malformed JSON', 400, () => ({ headers: { 'content-type': 'application/json' }, payload: '{"user_id":' })],
    [
      'text/plain',
      415,
      () => ({
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({ user_id: patient.id, report_type: 'confirmed_test' }),
      }),
    ],
  ];

  it.each(bad)('POST /cases with %s → %i, nothing written', async (_label, status, build) => {
    const options = build();
    const before = await tableCounts(t);
    const response = await t.app.inject({
      method: 'POST',
      url: '/cases',
      ...options,
      headers: { ...professional.auth, ...options.headers },
    });
    expectProblem(response, status);
    expect(await tableCounts(t)).toEqual(before);
  });
});
