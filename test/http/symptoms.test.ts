import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, registerUser, tableCounts, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const DAY = 86_400_000;
/** A calendar date relative to today in UTC (the test app's TIME_ZONE). */
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

describe.each(testDialects())('POST /symptoms on %s', (dialect) => {
  // One app: each test uses users of its own and checks its own rows.
  let t: TestApp;
  let user: AppUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
    user = await registerUser(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  const report = (payload: unknown, who: AppUser = user) =>
    t.app.inject({ method: 'POST', url: '/symptoms', headers: who.auth, payload: payload as object });

  it('records a symptom with its onset date for the caller', async () => {
    const reporter = await registerUser(t.app);
    const response = await report({ symptom: 'fever', date: day(0) }, reporter);
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      user_id: reporter.id,
      symptom: 'fever',
      date: day(0),
      reported_at: expect.any(String),
    });
    expect(Math.abs(Date.parse(body.reported_at) - Date.now())).toBeLessThan(60_000);
    const rows = await t.database.db.selectFrom('symptoms').selectAll().where('user_id', '=', reporter.id).execute();
    expect(rows).toEqual([expect.objectContaining({ id: body.id, symptom: 'fever', date: day(0) })]);
  });

  it('accepts its own user_id (any case), yesterday, the oldest allowed day, unicode, and 100 characters; trims spaces', async () => {
    const reporter = await registerUser(t.app);
    const accepted = [
      { payload: { user_id: reporter.id, symptom: 'cough', date: day(-1) }, symptom: 'cough' },
      {
        payload: { user_id: reporter.id.toUpperCase(), symptom: 'loss of smell', date: day(-3) },
        symptom: 'loss of smell',
      },
      { payload: { symptom: 'perte du goût — 味覚障害', date: day(-60) }, symptom: 'perte du goût — 味覚障害' },
      { payload: { symptom: 's'.repeat(100), date: day(0) }, symptom: 's'.repeat(100) },
      { payload: { symptom: '  sore throat  ', date: day(0) }, symptom: 'sore throat' },
    ];
    for (const { payload, symptom } of accepted) {
      const response = await report(payload, reporter);
      expect(response.statusCode, `${JSON.stringify(payload)} → ${response.body}`).toBe(201);
      expect(response.json()).toMatchObject({ user_id: reporter.id, symptom, date: payload.date });
    }
    expect(
      await t.database.db.selectFrom('symptoms').select('id').where('user_id', '=', reporter.id).execute(),
    ).toHaveLength(accepted.length);
  });

  const bad: Array<[string, number, () => InjectOptions]> = [
    ['a date tomorrow', 400, () => ({ payload: { symptom: 'fever', date: day(1) } })],
    ['a date years ahead', 400, () => ({ payload: { symptom: 'fever', date: '2999-01-01' } })],
    ['February 30th', 400, () => ({ payload: { symptom: 'fever', date: '2026-02-30' } })],
    ['February 29th of a common year', 400, () => ({ payload: { symptom: 'fever', date: '2025-02-29' } })],
    ['month 13', 400, () => ({ payload: { symptom: 'fever', date: '2026-13-01' } })],
    ['an unpadded date', 400, () => ({ payload: { symptom: 'fever', date: '2026-1-5' } })],
    ['a compact date', 400, () => ({ payload: { symptom: 'fever', date: day(0).replaceAll('-', '') } })],
    ['a date-time instead of a date', 400, () => ({ payload: { symptom: 'fever', date: `${day(0)}T00:00:00Z` } })],
    ['a date more than 60 days ago', 400, () => ({ payload: { symptom: 'fever', date: day(-61) } })],
    ['a numeric date', 400, () => ({ payload: { symptom: 'fever', date: 20260101 } })],
    ['no date', 400, () => ({ payload: { symptom: 'fever' } })],
    ['no symptom', 400, () => ({ payload: { date: day(0) } })],
    ['an empty symptom', 400, () => ({ payload: { symptom: '', date: day(0) } })],
    ['a blank symptom', 400, () => ({ payload: { symptom: '   ', date: day(0) } })],
    ['a symptom of 101 characters', 400, () => ({ payload: { symptom: 's'.repeat(101), date: day(0) } })],
    ['a numeric symptom', 400, () => ({ payload: { symptom: 38.5, date: day(0) } })],
    ['a null symptom', 400, () => ({ payload: { symptom: null, date: day(0) } })],
    ['a list of symptoms', 400, () => ({ payload: { symptom: ['fever', 'cough'], date: day(0) } })],
    ['an unknown field', 400, () => ({ payload: { symptom: 'fever', date: day(0), severity: 'high' } })],
    ['a user_id that is not a UUID', 400, () => ({ payload: { user_id: 'me', symptom: 'fever', date: day(0) } })],
    [
      'a urn:uuid: user_id',
      400,
      () => ({ payload: { user_id: `urn:uuid:${user.id}`, symptom: 'fever', date: day(0) } }),
    ],
    ["another person's user_id", 403, () => ({ payload: { user_id: randomUUID(), symptom: 'fever', date: day(0) } })],
    ['an array body', 400, () => ({ payload: [{ symptom: 'fever', date: day(0) }] })],
    [
      'malformed JSON',
      400,
      () => ({ headers: { 'content-type': 'application/json' }, payload: '{"symptom": "fever", ' }),
    ],
    [
      'text/plain',
      415,
      () => ({
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({ symptom: 'fever', date: day(0) }),
      }),
    ],
  ];

  it.each(bad)('%s → %i, nothing written', async (_label, status, build) => {
    const options = build();
    const before = await tableCounts(t);
    const response = await t.app.inject({
      method: 'POST',
      url: '/symptoms',
      ...options,
      headers: { ...user.auth, ...options.headers },
    });
    expectProblem(response, status);
    expect(await tableCounts(t)).toEqual(before);
  });

  it("another person's user_id is refused without revealing anything about them", async () => {
    const other = await registerUser(t.app, { name: 'Otto Other', contact_info: 'otto@example.org' });
    const before = await tableCounts(t);
    const response = await report({ user_id: other.id, symptom: 'fever', date: day(0) });
    expectProblem(response, 403);
    expect(response.body).not.toMatch(/Otto|otto@example/);
    expect(await tableCounts(t)).toEqual(before);
  });
});
