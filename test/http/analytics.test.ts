import { randomUUID } from 'node:crypto';
import { cellToParent, latLngToCell } from 'h3-js';
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

const DAY = 86_400_000;
const MIN = 60_000;
/** A calendar date relative to today in UTC (the test app's TIME_ZONE). */
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
/** The Monday of the week `weeksAgo` weeks before this one (a completed week when weeksAgo >= 1). */
const mondayWeeksAgo = (weeksAgo: number) => {
  const today = new Date(`${day(0)}T00:00:00Z`);
  const sinceMonday = (today.getUTCDay() + 6) % 7;
  return addDays(day(0), -sinceMonday - 7 * weeksAgo);
};
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

interface InsightRow {
  date: string;
  cases: number;
  cases_by_onset: number;
  symptom_reports: number;
  traced_cases: number;
  contacts_traced: number;
  notified: number;
  cases_7day_avg: number;
  growth_rate: number | null;
  doubling_time_days: number | null;
}

async function insight(t: TestApp, date: string): Promise<InsightRow | undefined> {
  const row = await t.database.db
    .selectFrom('epidemiological_insights')
    .selectAll()
    .where('date', '=', date)
    .executeTakeFirst();
  return row === undefined ? undefined : ({ ...row } as unknown as InsightRow);
}

/** Imports a JSON line list as `authority` and waits for nothing else: the import refreshes analytics itself. */
async function importCases(t: TestApp, authority: StaffUser, cases: Array<Record<string, unknown>>): Promise<void> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/cases/import',
    headers: authority.auth,
    payload: { cases },
  });
  expect(response.statusCode, response.body).toBe(200);
}

/** `count` line-list cases reported (and with onset) on `date`, optionally at a place. */
function casesOn(date: string, count: number, place?: { lat: number; lng: number }) {
  return Array.from({ length: count }, () => ({
    external_id: unique('ll'),
    report_date: date,
    onset_date: date,
    ...(place ?? {}),
  }));
}

describe.each(testDialects())('analytics on %s', (dialect) => {
  describe('authorisation and bad inputs', () => {
    let t: TestApp;
    let authority: StaffUser;
    let professional: StaffUser;
    let admin: StaffUser;
    let user: AppUser;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
      [authority, professional, admin] = await Promise.all([
        createStaff(t, 'authority'),
        createStaff(t, 'health_professional'),
        createStaff(t, 'admin'),
      ]);
      user = await registerUser(t.app);
    });
    afterAll(async () => {
      await t?.close();
    });

    const RT = '/analytics/rt?si_mean=2.6&si_sd=1.5';
    const callers = () => ({
      anonymous: {},
      user: user.auth,
      health_professional: professional.auth,
      authority: authority.auth,
      admin: admin.auth,
      'bad token': { authorization: 'Bearer ept_notatoken' },
    });

    it.each([
      [
        '/analytics/summary',
        { anonymous: 401, user: 403, health_professional: 200, authority: 200, admin: 403, 'bad token': 401 },
      ],
      [RT, { anonymous: 401, user: 403, health_professional: 200, authority: 200, admin: 403, 'bad token': 401 }],
      [
        '/analytics/public',
        { anonymous: 200, user: 200, health_professional: 200, authority: 200, admin: 200, 'bad token': 401 },
      ],
    ])('GET %s answers each caller as the policy says', async (url, expected) => {
      for (const [caller, headers] of Object.entries(callers())) {
        const response = await t.app.inject({ method: 'GET', url, headers });
        const status = expected[caller as keyof typeof expected];
        if (status >= 400) expectProblem(response, status);
        else expect(response.statusCode, `${caller}: ${response.body}`).toBe(status);
      }
    });

    it.each([
      ['from after to', `/analytics/summary?from=${day(-1)}&to=${day(-2)}`, /from must not be after to/],
      ['to in the future', `/analytics/summary?to=${day(1)}`, /may not be after/],
      ['an impossible date', '/analytics/summary?from=2026-02-30', /from/],
      [
        'a date before 1900',
        '/analytics/summary?from=1899-12-31&to=1900-01-10',
        /from must be a calendar date from 1900-01-01/,
      ],
      ['a period over 10 years', `/analytics/summary?from=2000-01-01&to=${day(0)}`, /longer than 3660 days/],
      ['an unknown parameter', '/analytics/summary?user_id=x', /unknown field "user_id"/],
      ['no serial interval', '/analytics/rt', /serial interval is needed/],
      ['si_mean without si_sd', '/analytics/rt?si_mean=2.6', /serial interval is needed/],
      ['both kinds of serial interval', '/analytics/rt?si_mean=2.6&si_sd=1.5&si_distr=0,1', /not both/],
      ['si_mean of 1 day', '/analytics/rt?si_mean=1&si_sd=1', /si_mean/],
      ['a negative si_sd', '/analytics/rt?si_mean=3&si_sd=-1', /si_sd/],
      ['si_distr with a word', '/analytics/rt?si_distr=0,half,0.5', /si_distr/],
      ['si_distr with an empty entry', '/analytics/rt?si_distr=0,,1', /si_distr/],
      [
        'si_distr with a malformed number',
        '/analytics/rt?si_distr=0,1-2',
        /si_distr entry 1 \("1-2"\) is not a number/,
      ],
      ['si_distr not summing to 1', `/analytics/rt?si_distr=0,0.2,0.2&from=${day(-20)}`, /must sum to 1/],
      ['window 0', `${RT}&window=0`, /window/],
      ['window of 2.5 days', `${RT}&window=2.5`, /window/],
      ['a window longer than the series', `${RT}&from=${day(-5)}&window=7`, /too long/],
      ['dates=symptoms', `${RT}&dates=symptoms`, /dates/],
      ['to in the future', `${RT}&to=${day(1)}`, /may not be after today/],
      ['from after to', `${RT}&from=${day(-1)}&to=${day(-3)}`, /from must not be after to/],
      ['a zero prior', `${RT}&mean_prior=0`, /mean_prior/],
      ['public: today (not complete)', `/analytics/public?to=${day(0)}`, /only completed days/],
      ['public: more than a year', `/analytics/public?from=${day(-400)}&to=${day(-1)}`, /longer than 366 days/],
      ['public: from after to', `/analytics/public?from=${day(-2)}&to=${day(-3)}`, /from must not be after to/],
      ['public: an unknown parameter', '/analytics/public?cell=x', /unknown field "cell"/],
    ])('%s is a 400 problem and writes nothing', async (_label, url, detail) => {
      const before = await tableCounts(t);
      const headers = url.startsWith('/analytics/public') ? {} : authority.auth;
      expect(expectProblem(await t.app.inject({ method: 'GET', url, headers }), 400).detail).toMatch(detail);
      expect(await tableCounts(t)).toEqual(before);
    });

    it('an empty system: a zero summary, no Rt to estimate, an empty public aggregate', async () => {
      const summary = await t.app.inject({ method: 'GET', url: '/analytics/summary', headers: professional.auth });
      expect(summary.statusCode, summary.body).toBe(200);
      const body = summary.json();
      expect(body).toMatchObject({
        from: day(-27),
        to: day(0),
        time_zone: 'UTC',
        totals: { cases: 0, contacts_traced: 0, notified: 0 },
      });
      expect(body.days).toHaveLength(28);
      expect(body.days[0]).toEqual({
        date: day(-27),
        cases: 0,
        cases_by_onset: 0,
        symptom_reports: 0,
        traced_cases: 0,
        contacts_traced: 0,
        notified: 0,
        contacts_per_case: null,
        notified_per_case: null,
        cases_7day_avg: 0,
        growth_rate: null,
        doubling_time_days: null,
      });
      expect(body.notification_outcomes).toEqual({
        follow_up_days: 14,
        tiers: [
          { tier: 'medium', notified: 0, became_cases: 0, share: null },
          { tier: 'high', notified: 0, became_cases: 0, share: null },
        ],
      });
      const rt = await t.app.inject({ method: 'GET', url: RT, headers: authority.auth });
      expect(rt.statusCode, rt.body).toBe(200);
      expect(rt.json()).toMatchObject({
        from: null,
        to: day(0),
        estimates: [],
        needs_days: 8,
        reason: 'Rt needs at least 8 days of cases; there is no case yet.',
        warnings: [expect.stringMatching(/no case/)],
      });
      const open = await t.app.inject({ method: 'GET', url: '/analytics/public' });
      expect(open.statusCode, open.body).toBe(200);
      expect(open.headers['cache-control']).toBe('public, max-age=300');
      expect(open.json()).toMatchObject({ min_cases: 5, from: day(-28), to: day(-1), cell_resolution: 7, cells: [] });
      expect(open.json().days).toHaveLength(28);
      expect(
        open.json().days.every((d: { cases: number; suppressed: boolean }) => d.cases === 0 && !d.suppressed),
      ).toBe(true);
    });
  });

  describe('Rt with too little data', () => {
    let t: TestApp;
    let authority: StaffUser;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
      authority = await createStaff(t, 'authority');
      // Cases on the day before yesterday and today: a series of 3 days.
      await importCases(t, authority, [...casesOn(day(-2), 2), ...casesOn(day(0), 1)]);
    });
    afterAll(async () => {
      await t?.close();
    });

    const rt = (query: string) =>
      t.app.inject({ method: 'GET', url: `/analytics/rt?${query}`, headers: authority.auth });

    it('a series shorter than a window: 200, no estimate, how many days Rt needs, in words', async () => {
      for (const dates of ['onset', 'report']) {
        const response = await rt(`si_mean=4.7&si_sd=2.9&dates=${dates}`);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toMatchObject({
          from: day(-2),
          to: day(0),
          dates,
          window: 7,
          incidence: [2, 0, 1],
          estimates: [],
          needs_days: 8,
          reason: 'Rt needs at least 8 days of cases; the cases so far span 3 days.',
        });
      }
    });

    it('the days needed follow the window and the serial interval', async () => {
      const shortWindow = await rt('si_mean=4.7&si_sd=2.9&window=3');
      expect(shortWindow.statusCode, shortWindow.body).toBe(200);
      expect(shortWindow.json()).toMatchObject({
        estimates: [],
        needs_days: 4, // windows of 3 days start on day 2 at the earliest
        reason: 'Rt needs at least 4 days of cases; the cases so far span 3 days.',
      });
      // Windows of 2 days fit in 3: estimates as before, no reason.
      const fits = await rt('si_mean=4.7&si_sd=2.9&window=2');
      expect(fits.statusCode, fits.body).toBe(200);
      expect(fits.json()).toMatchObject({ needs_days: 3, reason: null });
      expect(fits.json().estimates).toHaveLength(1);
      // A serial interval of exactly 10 days: windows must end after day 10.
      const si = [...Array.from({ length: 10 }, () => 0), 1].join(',');
      const longSi = await rt(`si_distr=${si}&window=2`);
      expect(longSi.statusCode, longSi.body).toBe(200);
      expect(longSi.json()).toMatchObject({ estimates: [], needs_days: 11 });
    });

    it("a period chosen with from that cannot hold one window is still the caller's error (400)", async () => {
      const response = await rt(`si_mean=4.7&si_sd=2.9&from=${day(-2)}`);
      expect(expectProblem(response, 400).detail).toMatch(/too long/);
    });
  });

  describe('daily indicators from an imported line list', () => {
    let t: TestApp;
    let authority: StaffUser;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
      authority = await createStaff(t, 'authority');
      // 1 case a day for a week, then 2 a day for a week, ending yesterday; 3 of the last week's have an onset 2 days
      // earlier.
      const cases = [];
      for (let k = 0; k < 14; k++) {
        const date = day(-14 + k);
        cases.push(...casesOn(date, k < 7 ? 1 : 2));
      }
      for (const c of cases.slice(-3)) c.onset_date = addDays(c.report_date, -2);
      await importCases(t, authority, cases);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('the engine stored the day rows (cases by report and onset date, 7-day average, growth rate, doubling time)', async () => {
      const last = await insight(t, day(-1));
      expect(last).toMatchObject({
        cases: 2,
        cases_by_onset: 0,
        traced_cases: 0,
        contacts_traced: 0,
        cases_7day_avg: 2,
      });
      expect(last!.growth_rate).toBeCloseTo(Math.LN2 / 7, 12);
      expect(last!.doubling_time_days).toBeCloseTo(7, 10);
      expect(await insight(t, day(-3))).toMatchObject({ cases: 2, cases_by_onset: 4 }); // 2 of its own + the 2 reported two days later
      expect(await insight(t, day(-4))).toMatchObject({ cases: 2, cases_by_onset: 3 });
      expect(await insight(t, day(-14))).toMatchObject({
        cases: 1,
        cases_7day_avg: 1 / 7,
        growth_rate: null,
        doubling_time_days: null,
      });
      // After the last case the 7-day average keeps falling, day by day: rows up to today.
      expect(await insight(t, day(0))).toMatchObject({ cases: 0, cases_7day_avg: 12 / 7 });
      expect(await insight(t, day(-15))).toBeUndefined();
    });

    it('GET /analytics/summary shows the same numbers, day by day, with totals', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/analytics/summary?from=${day(-14)}&to=${day(-1)}`,
        headers: authority.auth,
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body.days.map((d: { cases: number }) => d.cases)).toEqual([1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
      expect(body.totals).toEqual({
        cases: 21,
        cases_by_onset: 21,
        symptom_reports: 0,
        traced_cases: 0,
        contacts_traced: 0,
        notified: 0,
      });
      const last = body.days.at(-1);
      expect(last.cases_7day_avg).toBe(2);
      expect(last.growth_rate).toBeCloseTo(Math.LN2 / 7, 12);
      expect(last.doubling_time_days).toBeCloseTo(7, 10);
      const stored = await insight(t, day(-1));
      expect(last.growth_rate).toBe(stored!.growth_rate);
    });

    it('re-importing a case on another day moves it: both days are recomputed', async () => {
      const [moved] = casesOn(day(-14), 1);
      await importCases(t, authority, [moved!]);
      expect((await insight(t, day(-14)))!.cases).toBe(2);
      await importCases(t, authority, [{ ...moved!, report_date: day(-10), onset_date: day(-10) }]);
      expect((await insight(t, day(-14)))!.cases).toBe(1);
      expect((await insight(t, day(-10)))!.cases).toBe(2);
    });
  });

  describe('streaming: cases reported over HTTP', () => {
    let t: TestApp;
    let professional: StaffUser;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
      professional = await createStaff(t, 'health_professional');
    });
    afterAll(async () => {
      await t?.close();
    });

    it("a symptom report updates the day's insight row as it happens, and a duplicate event changes nothing", async () => {
      expect(await insight(t, day(0))).toBeUndefined();
      const person = await registerUser(t.app);
      const reported = await t.app.inject({
        method: 'POST',
        url: '/symptoms',
        headers: person.auth,
        payload: { symptom: 'fever', date: day(-2) },
      });
      expect(reported.statusCode, reported.body).toBe(201);
      await t.app.analytics.idle();
      expect(await insight(t, day(0))).toMatchObject({
        cases: 1,
        symptom_reports: 1,
        traced_cases: 1,
        cases_by_onset: 0,
        cases_7day_avg: 1 / 7,
      });
      expect(await insight(t, day(-2))).toMatchObject({ cases: 0, cases_by_onset: 1 });

      // Every process receives every event, so an event may come twice: rows are recomputed, never incremented.
      const caseRow = await t.database.db
        .selectFrom('cases')
        .selectAll()
        .where('user_id', '=', person.id)
        .executeTakeFirstOrThrow();
      const event = {
        type: 'case.reported',
        case_id: caseRow.id,
        user_id: person.id,
        report_type: 'self_reported',
        onset_date: day(-2),
        report_date: day(0),
        created: true,
        at: new Date().toISOString(),
      };
      t.app.analytics.onEvent(event);
      t.app.analytics.onEvent(event);
      await t.app.analytics.idle();
      expect(await insight(t, day(0))).toMatchObject({ cases: 1, symptom_reports: 1 });
      expect(await insight(t, day(-2))).toMatchObject({ cases_by_onset: 1 });

      // A confirmation with an earlier onset upgrades the case: its onset moves from day -2 to day -5.
      const confirmed = await t.app.inject({
        method: 'POST',
        url: '/cases',
        headers: professional.auth,
        payload: { user_id: person.id, report_type: 'confirmed_test', onset_date: day(-5) },
      });
      expect(confirmed.statusCode, confirmed.body).toBe(200);
      await t.app.analytics.idle();
      expect(await insight(t, day(-2))).toMatchObject({ cases_by_onset: 0 });
      expect(await insight(t, day(-5))).toMatchObject({ cases_by_onset: 1 });
      expect(await insight(t, day(0))).toMatchObject({ cases: 1 });

      // Another person's confirmed case is the day's second.
      const other = await registerUser(t.app);
      const second = await t.app.inject({
        method: 'POST',
        url: '/cases',
        headers: professional.auth,
        payload: { user_id: other.id, report_type: 'confirmed_test' },
      });
      expect(second.statusCode, second.body).toBe(201);
      await t.app.analytics.idle();
      expect(await insight(t, day(0))).toMatchObject({
        cases: 2,
        traced_cases: 2,
        symptom_reports: 1,
        cases_7day_avg: 2 / 7,
      });
      const summary = await t.app.inject({
        method: 'GET',
        url: `/analytics/summary?from=${day(0)}`,
        headers: professional.auth,
      });
      expect(summary.json().days).toEqual([
        expect.objectContaining({ date: day(0), cases: 2, traced_cases: 2, contacts_traced: 0, contacts_per_case: 0 }),
      ]);
    });

    it('a person who erases their account leaves the day rows their case counted on', async () => {
      const counts = async (date: string) => {
        const row = await insight(t, date);
        return {
          cases: row?.cases ?? 0,
          symptom_reports: row?.symptom_reports ?? 0,
          cases_by_onset: row?.cases_by_onset ?? 0,
        };
      };
      const before = { today: await counts(day(0)), onset: await counts(day(-3)) };
      const person = await registerUser(t.app);
      const reported = await t.app.inject({
        method: 'POST',
        url: '/symptoms',
        headers: person.auth,
        payload: { symptom: 'cough', date: day(-3) },
      });
      expect(reported.statusCode, reported.body).toBe(201);
      await t.app.traceWorker.idle();
      await t.app.analytics.idle();
      expect(await counts(day(0))).toEqual({
        ...before.today,
        cases: before.today.cases + 1,
        symptom_reports: before.today.symptom_reports + 1,
      });
      expect(await counts(day(-3))).toEqual({ ...before.onset, cases_by_onset: before.onset.cases_by_onset + 1 });

      const erased = await t.app.inject({ method: 'DELETE', url: `/users/${person.id}`, headers: person.auth });
      expect(erased.statusCode, erased.body).toBe(204);
      await t.app.analytics.idle();
      expect(await counts(day(0))).toEqual(before.today);
      expect(await counts(day(-3))).toEqual(before.onset);
    });
  });

  describe('streaming: notification outcomes', () => {
    let t: TestApp;
    let professional: StaffUser;
    let authority: StaffUser;
    beforeAll(async () => {
      t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
      [professional, authority] = await Promise.all([
        createStaff(t, 'health_professional'),
        createStaff(t, 'authority'),
      ]);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('a notified person who later becomes a case moves the outcome share; no analytics answer names anyone', async () => {
      // A real trace: the source and a contact were 4 m apart for 30 minutes yesterday morning.
      const place = { lat: -50 + Math.random() * 100, lng: -160 + Math.random() * 320 };
      const yesterday10 = Date.parse(`${day(-1)}T10:00:00Z`);
      const stay = (lat: number, lng: number) => ({
        id: randomUUID(),
        kind: 'location',
        lat,
        lng,
        accuracy_m: 5,
        started_at: new Date(yesterday10).toISOString(),
        ended_at: new Date(yesterday10 + 30 * MIN).toISOString(),
      });
      const names = { source: unique('Source Name'), contact: unique('Contact Name') };
      const source = await registerUser(t.app, { name: names.source, contact_info: 'source@example.org' });
      const contact = await registerUser(t.app, { name: names.contact, contact_info: 'contact@example.org' });
      for (const [who, observation] of [
        [source, stay(place.lat, place.lng)],
        [contact, stay(place.lat + 0.00004, place.lng)],
      ] as const) {
        const upload = await t.app.inject({
          method: 'POST',
          url: '/interactions',
          headers: who.auth,
          payload: { interactions: [observation] },
        });
        expect(upload.statusCode, upload.body).toBe(200);
      }
      await t.app.traceWorker.idle();
      const confirmed = await t.app.inject({
        method: 'POST',
        url: '/cases',
        headers: professional.auth,
        payload: { user_id: source.id, report_type: 'confirmed_test', onset_date: day(0) },
      });
      expect(confirmed.statusCode, confirmed.body).toBe(201);
      await t.app.traceWorker.idle();
      await t.app.analytics.idle();
      const notified = await t.database.db
        .selectFrom('notifications')
        .select(['tier'])
        .where('user_id', '=', contact.id)
        .execute();
      expect(notified).toEqual([{ tier: 'high' }]);

      const summary = async () => {
        const response = await t.app.inject({
          method: 'GET',
          url: `/analytics/summary?from=${day(-1)}`,
          headers: authority.auth,
        });
        expect(response.statusCode, response.body).toBe(200);
        return response;
      };
      const before = (await summary()).json();
      expect(before.notification_outcomes.tiers).toContainEqual({
        tier: 'high',
        notified: 1,
        became_cases: 0,
        share: 0,
      });
      expect(before.days.at(-1)).toMatchObject({
        date: day(0),
        cases: 1,
        traced_cases: 1,
        contacts_traced: 1,
        notified: 1,
        contacts_per_case: 1,
        notified_per_case: 1,
      });

      // The contact falls ill: their symptom report makes them a case.
      const ill = await t.app.inject({
        method: 'POST',
        url: '/symptoms',
        headers: contact.auth,
        payload: { symptom: 'fever', date: day(0) },
      });
      expect(ill.statusCode, ill.body).toBe(201);
      await t.app.traceWorker.idle();
      await t.app.analytics.idle();
      const after = await summary();
      const tiers = after.json().notification_outcomes.tiers as Array<{
        tier: string;
        notified: number;
        became_cases: number;
      }>;
      expect(tiers).toContainEqual({ tier: 'high', notified: 1, became_cases: 1, share: 1 });
      // The source was a case before anyone notified them (their contact's trace may have): never "became" one.
      expect(tiers.find((x) => x.tier === 'medium')!.became_cases).toBe(0);
      expect(
        await t.database.db
          .selectFrom('analytics_notification_outcomes')
          .selectAll()
          .where('tier', '=', 'high')
          .execute(),
      ).toEqual([expect.objectContaining({ date: day(0), notified: 1, became_cases: 1 })]);

      // Aggregates only: nothing that identifies either person is in any analytics answer.
      const caseIds = (await t.database.db.selectFrom('cases').select('id').execute()).map((r) => r.id);
      const secrets = [
        source.id,
        contact.id,
        names.source,
        names.contact,
        'source@example.org',
        'contact@example.org',
        ...caseIds,
      ];
      const answers = [
        after,
        await t.app.inject({
          method: 'GET',
          url: `/analytics/rt?si_mean=2.6&si_sd=1.5&dates=report&window=1&from=${day(-3)}`,
          headers: authority.auth,
        }),
        await t.app.inject({ method: 'GET', url: '/analytics/public' }),
      ];
      for (const answer of answers) {
        expect(answer.statusCode, answer.body).toBe(200);
        for (const secret of secrets) expect(answer.body).not.toContain(secret);
      }
    });
  });

  describe('the public aggregate', () => {
    let t: TestApp;
    let authority: StaffUser;
    // Two places far apart: distinct cells at the public resolution.
    const P = { lat: 48.8566, lng: 2.3522 };
    const Q = { lat: 45.764, lng: 4.8357 };
    const cellOf = (p: { lat: number; lng: number }) => cellToParent(latLngToCell(p.lat, p.lng, 10), 7);
    const [w3, w2, w1] = [mondayWeeksAgo(3), mondayWeeksAgo(2), mondayWeeksAgo(1)];
    beforeAll(async () => {
      t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
      authority = await createStaff(t, 'authority');
      await importCases(t, authority, [
        ...casesOn(w3, 4, P), // k-1 cases on a day and in a cell-week: suppressed
        ...casesOn(w2, 5, P), // k: shown
        ...casesOn(w1, 3, P), // 3 hidden; the 7 the next day are hidden too, or 3 = week total - 7
        ...casesOn(addDays(w1, 1), 7, Q),
      ]);
    });
    afterAll(async () => {
      await t?.close();
    });

    const get = (query: string) => t.app.inject({ method: 'GET', url: `/analytics/public${query}` });

    it('a day with k-1 cases is suppressed, a day with k is shown; so is a cell-week', async () => {
      const response = await get(`?from=${w3}&to=${addDays(w2, 6)}`);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ min_cases: 5, from: w3, to: addDays(w2, 6), cell_resolution: 7 });
      expect(body.days).toHaveLength(14);
      expect(body.days[0]).toEqual({ date: w3, cases: null, suppressed: true });
      expect(body.days[7]).toEqual({ date: w2, cases: 5, suppressed: false });
      expect(body.days.filter((d: { suppressed: boolean }) => d.suppressed)).toHaveLength(1);
      expect(body.days.filter((d: { cases: number | null }) => d.cases === 0)).toHaveLength(12);
      expect(body.cells).toEqual([{ week_start: w2, cell: cellOf(P), cases: 5 }]);
    });

    it('complementary suppression: a count that would reveal a suppressed one is suppressed too', async () => {
      const body = (await get(`?from=${w1}&to=${addDays(w1, 6)}`)).json();
      expect(body.days.slice(0, 2)).toEqual([
        { date: w1, cases: null, suppressed: true },
        { date: addDays(w1, 1), cases: null, suppressed: true },
      ]);
      expect(body.cells).toEqual([]);
      // The same week asked for through a shorter period is suppressed the same way: periods cannot be played against
      // each other.
      expect((await get(`?from=${addDays(w1, 1)}&to=${addDays(w1, 1)}`)).json().days).toEqual([
        { date: addDays(w1, 1), cases: null, suppressed: true },
      ]);
    });

    it('k is configurable (PUBLIC_MIN_CASES)', async () => {
      const other = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', PUBLIC_MIN_CASES: '4' });
      try {
        const staff = await createStaff(other, 'authority');
        await importCases(other, staff, casesOn(w3, 4, P));
        const body = (
          await other.app.inject({ method: 'GET', url: `/analytics/public?from=${w3}&to=${addDays(w3, 6)}` })
        ).json();
        expect(body.min_cases).toBe(4);
        expect(body.days[0]).toEqual({ date: w3, cases: 4, suppressed: false });
        expect(body.cells).toEqual([{ week_start: w3, cell: cellOf(P), cases: 4 }]);
      } finally {
        await other.close();
      }
    });

    it('is rate limited per address', async () => {
      const limited = await buildTestApp(dialect, { RATE_LIMIT_MAX: '2' });
      try {
        expect((await limited.app.inject({ method: 'GET', url: '/analytics/public' })).statusCode).toBe(200);
        expect((await limited.app.inject({ method: 'GET', url: '/analytics/public' })).statusCode).toBe(200);
        const refused = await limited.app.inject({ method: 'GET', url: '/analytics/public' });
        expectProblem(refused, 429);
        expect(refused.headers['retry-after']).toBeDefined();
      } finally {
        await limited.close();
      }
    });
  });
});
