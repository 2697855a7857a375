import { randomUUID } from 'node:crypto';
import { latLngToCell } from 'h3-js';
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
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

interface ProblemBody {
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

describe.each(testDialects())('POST /cases/import on %s', (dialect) => {
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

  const importJson = (payload: unknown, headers: Record<string, string> = authority.auth) =>
    t.app.inject({ method: 'POST', url: '/cases/import', headers, payload: payload as object });
  const importCsv = (text: string, headers: Record<string, string> = authority.auth, contentType = 'text/csv') =>
    t.app.inject({
      method: 'POST',
      url: '/cases/import',
      headers: { ...headers, 'content-type': contentType },
      payload: text,
    });
  const lineListRow = (externalId: string) =>
    t.database.db.selectFrom('line_list_cases').selectAll().where('external_id', '=', externalId).executeTakeFirst();
  /** Everything an import may write: the line list and the analytics derived from it, and every core table. */
  const counts = async () => {
    const count = async (table: 'line_list_cases' | 'analytics_cell_days' | 'analytics_notification_outcomes') =>
      Number(
        (
          await t.database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const insights = await t.database.db
      .selectFrom('epidemiological_insights')
      .select(['date', 'cases', 'cases_by_onset'])
      .orderBy('date')
      .execute();
    return {
      ...(await tableCounts(t)),
      line_list_cases: await count('line_list_cases'),
      analytics_cell_days: await count('analytics_cell_days'),
      outcomes: await count('analytics_notification_outcomes'),
      insights,
    };
  };

  it('imports a JSON line list of historical cases, with locations as H3 cells, and updates it on re-import', async () => {
    const [a, b, c] = [unique('case'), unique('case'), unique('case')];
    const response = await importJson({
      cases: [
        { external_id: a, report_date: '1957-10-03', onset_date: '1957-09-30', lat: 51.5074, lng: -0.1278 },
        { external_id: b, report_date: '1957-10-04', onset_date: null, infector_external_id: a },
        { external_id: c, report_date: '1957-10-04' },
      ],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      imported: 3,
      created: 3,
      updated: 0,
      first_report_date: '1957-10-03',
      last_report_date: '1957-10-04',
    });
    expect(await lineListRow(a)).toMatchObject({
      onset_date: '1957-09-30',
      report_date: '1957-10-03',
      lat: 51.5074,
      lng: -0.1278,
      cell: latLngToCell(51.5074, -0.1278, t.config.h3Resolution),
      infector_external_id: null,
      imported_by: authority.id,
    });
    expect(await lineListRow(b)).toMatchObject({ onset_date: null, cell: null, infector_external_id: a });
    // The analytics saw the import before the answer: the days exist, by report and by onset date.
    const insight = (date: string) =>
      t.database.db.selectFrom('epidemiological_insights').selectAll().where('date', '=', date).executeTakeFirst();
    expect(await insight('1957-10-04')).toMatchObject({ cases: 2 });
    expect(await insight('1957-09-30')).toMatchObject({ cases: 0, cases_by_onset: 1 });

    // Importing the same external ids again updates them: no duplicate, the day counts move with the dates.
    const again = await importJson({
      cases: [
        { external_id: a, report_date: '1957-10-05', onset_date: '1957-10-01' },
        { external_id: c, report_date: '1957-10-04' },
      ],
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual({
      imported: 2,
      created: 0,
      updated: 2,
      first_report_date: '1957-10-04',
      last_report_date: '1957-10-05',
    });
    expect(
      await t.database.db.selectFrom('line_list_cases').select('id').where('external_id', 'in', [a, b, c]).execute(),
    ).toHaveLength(3);
    expect(await lineListRow(a)).toMatchObject({
      report_date: '1957-10-05',
      onset_date: '1957-10-01',
      lat: null,
      lng: null,
      cell: null,
    });
    expect(await insight('1957-10-03')).toMatchObject({ cases: 0 });
    expect(await insight('1957-10-05')).toMatchObject({ cases: 1 });
    expect(await insight('1957-09-30')).toMatchObject({ cases_by_onset: 0 });
  });

  it('imports CSV: any column order and case, quotes, CRLF, a byte-order mark, empty optional fields, spaces', async () => {
    const [a, b] = [unique('csv'), unique('csv')];
    const text = `\ufeffReport_Date,External_ID,onset_date,lat,lng,infector_external_id\r\n2020-03-01,"${a}",2020-02-27,45.5,-73.6,\r\n 2020-03-02 , "${b}" ,,,,${a}\r\n\r\n`;
    const response = await importCsv(text, authority.auth, 'text/csv; charset=utf-8');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      imported: 2,
      created: 2,
      updated: 0,
      first_report_date: '2020-03-01',
      last_report_date: '2020-03-02',
    });
    expect(await lineListRow(a)).toMatchObject({
      report_date: '2020-03-01',
      onset_date: '2020-02-27',
      lat: 45.5,
      lng: -73.6,
      cell: latLngToCell(45.5, -73.6, t.config.h3Resolution),
      infector_external_id: null,
    });
    expect(await lineListRow(b)).toMatchObject({
      report_date: '2020-03-02',
      onset_date: null,
      lat: null,
      cell: null,
      infector_external_id: a,
    });
  });

  it('imports the largest list allowed (10,000 rows) as CSV', async () => {
    const prefix = unique('bulk');
    const lines = ['external_id,report_date'];
    for (let i = 0; i < 10_000; i++) lines.push(`${prefix}-${i},${i % 2 === 0 ? '2015-06-01' : '2015-06-02'}`);
    const response = await importCsv(lines.join('\n'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ imported: 10_000, created: 10_000 });
    const summary = await t.app.inject({
      method: 'GET',
      url: '/analytics/summary?from=2015-06-01&to=2015-06-02',
      headers: authority.auth,
    });
    expect(summary.json().days.map((d: { cases: number }) => d.cases)).toEqual([5000, 5000]);
  });

  it('lists every bad row of a JSON list by index, and imports nothing', async () => {
    const good = { external_id: unique('ok'), report_date: day(-3) };
    const before = await counts();
    const response = await importJson({
      cases: [
        good,
        { external_id: unique('x'), report_date: day(1) },
        good,
        { external_id: unique('x'), report_date: day(-3), onset_date: day(-1), lat: 10 },
        { external_id: unique('x'), report_date: '03/04/2020' },
      ],
    });
    const problem = expectProblem(response, 400) as ProblemBody;
    expect(problem.detail).toMatch(
      /^4 of 5 rows are invalid \(5 problems\); nothing was imported\. First: body\/cases\/1\/report_date may not be in the future/,
    );
    expect((response.json() as ProblemBody).errors).toEqual([
      { path: 'body/cases/1/report_date', message: `may not be in the future (today is ${day(0)})` },
      { path: 'body/cases/2/external_id', message: 'repeats the external_id of body/cases/0; each case appears once' },
      { path: 'body/cases/3/onset_date', message: `may not be after report_date (${day(-3)})` },
      { path: 'body/cases/3/lng', message: 'lat and lng go together: give both or neither' },
      { path: 'body/cases/4/report_date', message: 'must be a calendar date written YYYY-MM-DD, got "03/04/2020"' },
    ]);
    expect(await counts()).toEqual(before);
    expect(await lineListRow(good.external_id)).toBeUndefined();
  });

  it('lists every bad row of a CSV file by line, and imports nothing', async () => {
    const before = await counts();
    const text = [
      'external_id,report_date,onset_date,lat,lng',
      `${unique('ok')},2021-01-05,,,`,
      `,2021-01-05,,,`,
      `${unique('x')},2021-01-05,2021-01-06,,`,
      `${unique('x')},2021-01-05,,12.5,east`,
      `${unique('x')},2021-01-05,,,,extra`,
    ].join('\n');
    const response = await importCsv(text);
    expectProblem(response, 400);
    expect((response.json() as ProblemBody).errors).toEqual([
      { path: 'body/line/3/external_id', message: 'is required' },
      { path: 'body/line/4/onset_date', message: 'may not be after report_date (2021-01-05)' },
      { path: 'body/line/5/lng', message: 'must be a number from -180 to 180, got "east"' },
      { path: 'body/line/6', message: 'has 6 fields but the header names 5 columns' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it.each([
    [
      'an unknown column',
      'external_id,report_date,name\nx,2021-01-01,Ada\n',
      /column 3 "name" is not a line-list field/,
    ],
    ['no report_date column', 'external_id,onset_date\nx,2021-01-01\n', /the header has no report_date column/],
    ['a repeated column', 'external_id,report_date,report_date\nx,2021-01-01,2021-01-01\n', /appears twice/],
    ['a header only', 'external_id,report_date\n', /no case/],
    ['an empty body', '', /empty/],
    ['an unterminated quote', 'external_id,report_date\n"x,2021-01-01\n', /could not be read/],
  ])('a CSV with %s is a 400 problem and imports nothing', async (_label, text, detail) => {
    const before = await counts();
    expect(expectProblem(await importCsv(text), 400).detail).toMatch(detail);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['no cases field', {}, /cases/],
    ['an empty list', { cases: [] }, /cases/],
    [
      'an unknown top-level field',
      { cases: [{ external_id: 'x', report_date: '2021-01-01' }], source: 'lab' },
      /unknown field "source"/,
    ],
    ['a row that is not an object', { cases: ['x,2021-01-01'] }, /body\/cases\/0 must be object/],
    [
      'an unknown field in a row',
      { cases: [{ external_id: 'x', report_date: '2021-01-01', name: 'Ada' }] },
      /body\/cases\/0\/name is not a line-list field/,
    ],
    [
      'a latitude as text',
      { cases: [{ external_id: 'x', report_date: '2021-01-01', lat: '1', lng: 2 }] },
      /body\/cases\/0\/lat must be a number/,
    ],
    [
      'an external id with a newline',
      { cases: [{ external_id: 'a\nb', report_date: '2021-01-01' }] },
      /external_id must be 1 to 100 printable/,
    ],
    [
      'an external id of 101 characters',
      { cases: [{ external_id: 'x'.repeat(101), report_date: '2021-01-01' }] },
      /external_id must be 1 to 100/,
    ],
    [
      'a date before 1900',
      { cases: [{ external_id: 'x', report_date: '1899-12-31' }] },
      /may not be before 1900-01-01/,
    ],
    [
      'a case infected by itself',
      { cases: [{ external_id: 'x', report_date: '2021-01-01', infector_external_id: 'x' }] },
      /may not be the case itself/,
    ],
    ['a list as the body', [{ external_id: 'x', report_date: '2021-01-01' }], /body must be object/],
  ])('JSON with %s is a 400 problem and imports nothing', async (_label, payload, detail) => {
    const before = await counts();
    expect(expectProblem(await importJson(payload), 400).detail).toMatch(detail);
    expect(await counts()).toEqual(before);
  });

  it('refuses more than 10,000 rows, a body over the size limit, and other media types', async () => {
    const before = await counts();
    const lines = ['external_id,report_date'];
    for (let i = 0; i <= 10_000; i++) lines.push(`r${i},2016-01-01`);
    expect(expectProblem(await importCsv(lines.join('\n')), 400).detail).toMatch(
      /at most 10000 rows per import \(this one has 10001\)/,
    );
    expect(
      expectProblem(await importCsv(`external_id,report_date\n${'x'.repeat(1_100_000)},2016-01-01\n`), 413).detail,
    ).toMatch(/too large/i);
    expectProblem(await importCsv('external_id,report_date\nx,2016-01-01\n', authority.auth, 'text/plain'), 415);
    expectProblem(await importCsv('<cases/>', authority.auth, 'application/xml'), 415);
    expect(await counts()).toEqual(before);
  });

  it('only authorities import: everyone else is refused and nothing is written', async () => {
    const payload = { cases: [{ external_id: unique('denied'), report_date: '2021-01-01' }] };
    const before = await counts();
    expectProblem(await importJson(payload, {}), 401);
    expectProblem(await importJson(payload, { authorization: 'Bearer ept_bogus' }), 401);
    expectProblem(await importJson(payload, user.auth), 403);
    expectProblem(await importJson(payload, professional.auth), 403);
    expectProblem(await importJson(payload, admin.auth), 403);
    expectProblem(await importCsv('external_id,report_date\nx,2021-01-01\n', user.auth), 403);
    expect(await counts()).toEqual(before);
    expect(await lineListRow(payload.cases[0]!.external_id)).toBeUndefined();
  });

  it('is documented in the OpenAPI document with both media types', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = doc.paths['/cases/import'].post;
    expect(Object.keys(operation.requestBody.content).sort()).toEqual(['application/json', 'text/csv']);
    expect(operation.responses['200']).toBeDefined();
    for (const path of ['/analytics/summary', '/analytics/rt', '/analytics/public'])
      expect(doc.paths[path].get).toBeDefined();
  });
});
