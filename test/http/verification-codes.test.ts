import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaff, expectProblem, registerUser, type AppUser, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { whileTwoWritersWait } from '../helpers/tracing-fixtures.js';

const MIN = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** A calendar date relative to today in UTC (the test app's TIME_ZONE). */
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
/** Yesterday at hh:00 UTC: fully infectious for an onset of today. */
const yesterdayAt = (hours: number) => Date.parse(`${day(0)}T00:00:00Z`) - DAY + hours * 3_600_000;

interface CodeJson {
  id: string;
  short_code: string;
  long_code: string;
  short_expires_at: string;
  long_expires_at: string;
  report_type: string;
  test_date: string;
  onset_date: string | null;
}

interface CaseJson {
  id: string;
  user_id: string;
  report_type: string;
  status: string;
  test_date: string | null;
  onset_date: string | null;
  managed_by: string | null;
  confirmed_at: string | null;
}

/** Another character of the short code's alphabet than `char`. */
const otherThan = (char: string) => (char === '7' ? '8' : '7');

describe.each(testDialects())('verification codes on %s', (dialect) => {
  // One app for the file; each test has residents of its own and redeems from an address of its own (failures count
  // against the address too).
  let t: TestApp;
  let professional: StaffUser;
  let lab: StaffUser;
  let authority: StaffUser;
  let admin: StaffUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
    [professional, lab, authority, admin] = await Promise.all([
      createStaff(t, 'health_professional'),
      createStaff(t, 'lab'),
      createStaff(t, 'authority'),
      createStaff(t, 'admin'),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  let addresses = 0;
  /** An address no other test redeems from. */
  const newAddress = () => `10.20.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}`;

  const issue = (payload: unknown, headers: Record<string, string> = professional.auth) =>
    t.app.inject({ method: 'POST', url: '/verification_codes', headers, payload: payload as object });
  const issued = async (
    payload: Record<string, unknown> = { report_type: 'confirmed_test', test_date: day(0), onset_date: day(-1) },
    who: StaffUser = professional,
  ): Promise<CodeJson> => {
    const response = await issue(payload, who.auth);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<CodeJson>();
  };
  const redeem = (who: AppUser | StaffUser | null, payload: unknown, remoteAddress = newAddress()) =>
    t.app.inject({
      method: 'POST',
      url: '/cases/redeem',
      headers: who?.auth ?? {},
      payload: payload as object,
      remoteAddress,
    });
  const casesOf = (user: AppUser) =>
    t.database.db.selectFrom('cases').selectAll().where('user_id', '=', user.id).execute();
  const codeRow = (id: string) =>
    t.database.db.selectFrom('verification_codes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('issue → redeem: the case is confirmed with the code’s claims, traced with the confirmed weight, the contact notified', async () => {
    // A resident and a contact 4.4 m away from them for 30 minutes yesterday morning.
    const place = { lat: -50 + Math.random() * 100, lng: -160 + Math.random() * 320 };
    const stay = (where: { lat: number; lng: number }) => ({
      id: randomUUID(),
      kind: 'location',
      lat: where.lat,
      lng: where.lng,
      accuracy_m: 5,
      started_at: iso(yesterdayAt(10)),
      ended_at: iso(yesterdayAt(10) + 30 * MIN),
    });
    const resident = await registerUser(t.app);
    const contact = await registerUser(t.app);
    for (const [who, where] of [
      [resident, place],
      [contact, { lat: place.lat + 0.00004, lng: place.lng }],
    ] as const) {
      const upload = await t.app.inject({
        method: 'POST',
        url: '/interactions',
        headers: who.auth,
        payload: { interactions: [stay(where)] },
      });
      expect(upload.statusCode, upload.body).toBe(200);
    }
    await t.app.traceWorker.idle();

    const issuedResponse = await issue({ report_type: 'confirmed_test', test_date: day(0), onset_date: day(0) });
    expect(issuedResponse.statusCode, issuedResponse.body).toBe(201);
    const code = issuedResponse.json<CodeJson>();
    expect(code).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      short_code: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z*~$=U]$/),
      long_code: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      short_expires_at: expect.any(String),
      long_expires_at: expect.any(String),
      report_type: 'confirmed_test',
      test_date: day(0),
      onset_date: day(0),
    });
    // VERIFICATION_CODE_TTL_MINUTES (60) for the short code, 24 hours for the long one.
    expect(Date.parse(code.long_expires_at) - Date.parse(code.short_expires_at)).toBe(23 * 60 * MIN);
    // Only hashes are stored; the issuer and the claims are kept; the issue is audited.
    const stored = await codeRow(code.id);
    expect(stored).toMatchObject({
      issued_by: professional.id,
      issuer_role: 'health_professional',
      report_type: 'confirmed_test',
      test_date: day(0),
      onset_date: day(0),
      used_at: null,
    });
    expect(Number(stored.long_expires_at) - Number(stored.short_expires_at)).toBe(23 * 60 * MIN);
    const storedText = JSON.stringify(await t.database.db.selectFrom('verification_codes').selectAll().execute());
    expect(storedText).not.toContain(code.short_code);
    expect(storedText).not.toContain(code.long_code);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('request_id', '=', String(issuedResponse.headers['x-request-id']))
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        actor_id: professional.id,
        actor_role: 'health_professional',
        action: 'verification_codes.issue',
        subject_user_id: null,
      }),
    ]);

    // Typed as a person would: lower case, without dashes.
    const response = await redeem(resident, { code: code.short_code.replaceAll('-', '').toLowerCase() });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json<CaseJson>();
    expect(body).toMatchObject({
      user_id: resident.id,
      report_type: 'confirmed_test',
      status: 'confirmed',
      test_date: day(0),
      onset_date: day(0),
      managed_by: professional.id,
      confirmed_at: expect.any(String),
    });
    expect(await codeRow(code.id)).toMatchObject({ used_by: resident.id, case_id: body.id });
    expect(Number((await codeRow(code.id)).used_at)).toBeGreaterThan(0);

    await t.app.traceWorker.idle();
    const risks = await t.database.db
      .selectFrom('exposure_risks')
      .selectAll()
      .where('exposed_user_id', '=', contact.id)
      .execute();
    expect(risks).toEqual([expect.objectContaining({ case_id: body.id, report_type: 'confirmed_test' })]);
    const notifications = await t.app.inject({ method: 'GET', url: '/notifications', headers: contact.auth });
    expect(notifications.statusCode, notifications.body).toBe(200);
    expect(notifications.json<{ notifications: unknown[] }>().notifications).toHaveLength(1);
  });

  it('upgrades an open self-report in place (200, same case); the body’s onset date wins over the code’s', async () => {
    const resident = await registerUser(t.app);
    const symptom = await t.app.inject({
      method: 'POST',
      url: '/symptoms',
      headers: resident.auth,
      payload: { symptom: 'fever', date: day(-2) },
    });
    expect(symptom.statusCode, symptom.body).toBe(201);
    const [selfReported] = await casesOf(resident);
    expect(selfReported).toMatchObject({ report_type: 'self_reported', managed_by: null });
    const code = await issued({ report_type: 'clinical_diagnosis', test_date: day(-1), onset_date: day(-1) });

    const response = await redeem(resident, { code: code.long_code, onset_date: day(-3) });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<CaseJson>()).toMatchObject({
      id: selfReported!.id,
      report_type: 'clinical_diagnosis',
      status: 'confirmed',
      confirmed_at: expect.any(String),
      test_date: day(-1),
      onset_date: day(-3),
      managed_by: professional.id,
    });
    expect(await casesOf(resident)).toEqual([
      expect.objectContaining({ id: selfReported!.id, report_type: 'clinical_diagnosis', onset_date: day(-3) }),
    ]);
  });

  it("a lab's code leaves the case unmanaged; a professional's makes the issuer its manager", async () => {
    const [byLab, byProfessional] = [await registerUser(t.app), await registerUser(t.app)];
    const labCode = await issued({ report_type: 'confirmed_test', test_date: day(0) }, lab);
    expect(labCode.onset_date).toBeNull();
    expect(await codeRow(labCode.id)).toMatchObject({ issued_by: lab.id, issuer_role: 'lab' });
    const fromLab = await redeem(byLab, { code: labCode.short_code });
    expect(fromLab.statusCode, fromLab.body).toBe(201);
    expect(fromLab.json<CaseJson>()).toMatchObject({ managed_by: null, onset_date: null, test_date: day(0) });

    const professionalCode = await issued();
    const fromProfessional = await redeem(byProfessional, { code: professionalCode.short_code });
    expect(fromProfessional.statusCode, fromProfessional.body).toBe(201);
    expect(fromProfessional.json<CaseJson>().managed_by).toBe(professional.id);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('actor_id', '=', lab.id)
      .where('action', '=', 'verification_codes.issue')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_role: 'lab' });
  });

  it('a code is used once: the short or the long form again → 409, by anyone', async () => {
    const [first, second] = [await registerUser(t.app), await registerUser(t.app)];
    const code = await issued();
    expect((await redeem(first, { code: code.short_code })).statusCode).toBe(201);
    for (const [who, form] of [
      [first, code.short_code],
      [second, code.long_code],
      [second, code.short_code],
    ] as const) {
      const problem = expectProblem(await redeem(who, { code: form }), 409);
      expect(problem.detail).toMatch(/already been used/);
    }
    expect(await casesOf(second)).toEqual([]);
  });

  it('two people redeeming one code at once: one gets the case, the other 409, and nothing of theirs is written', async () => {
    const [a, b] = [await registerUser(t.app), await registerUser(t.app)];
    const code = await issued();
    const responses = await whileTwoWritersWait(t, 'verification_codes', () =>
      Promise.all([redeem(a, { code: code.short_code }), redeem(b, { code: code.long_code })]),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const winner = responses[0]!.statusCode === 201 ? a : b;
    const loser = winner === a ? b : a;
    expect(await codeRow(code.id)).toMatchObject({ used_by: winner.id });
    expect(await casesOf(winner)).toHaveLength(1);
    expect(await casesOf(loser)).toEqual([]);
  });

  it('an expired short code → 410 (its long code still works until it expires too)', async () => {
    const resident = await registerUser(t.app);
    const code = await issued();
    await t.database.db
      .updateTable('verification_codes')
      .set({ short_expires_at: Date.now() - 1 })
      .where('id', '=', code.id)
      .execute();
    const problem = expectProblem(await redeem(resident, { code: code.short_code }), 410);
    expect(problem.detail).toMatch(/expired/);
    expect(await casesOf(resident)).toEqual([]);

    const other = await issued();
    await t.database.db
      .updateTable('verification_codes')
      .set({ short_expires_at: Date.now() - 1, long_expires_at: Date.now() - 1 })
      .where('id', '=', other.id)
      .execute();
    expectProblem(await redeem(resident, { code: other.long_code }), 410);

    const response = await redeem(resident, { code: code.long_code });
    expect(response.statusCode, response.body).toBe(201);
  });

  it('a mistyped short code → 400 saying the check character is wrong; unknown and unparseable codes → 400', async () => {
    const resident = await registerUser(t.app);
    const code = await issued();
    const [data1, data2, check] = code.short_code.split('-') as [string, string, string];
    // One character of the data mistyped: the check character catches every single substitution.
    const mistyped = `${otherThan(data1[0]!)}${data1.slice(1)}-${data2}-${check}`;
    const problem = expectProblem(await redeem(resident, { code: mistyped }), 400);
    expect(problem.detail).toMatch(/check character is wrong/);
    expect(problem.detail).toMatch(/mistyped/);

    // A well-formed code never issued.
    const unknown = await issued();
    await t.database.db.deleteFrom('verification_codes').where('id', '=', unknown.id).execute();
    expect(expectProblem(await redeem(resident, { code: unknown.short_code }), 400).detail).toMatch(/no such code/);
    expect(expectProblem(await redeem(resident, { code: unknown.long_code }), 400).detail).toMatch(/no such code/);
    for (const garbage of ['hello', '1234-5678', '!!!!-!!!!-!']) {
      expect(expectProblem(await redeem(resident, { code: garbage }), 400).detail).toMatch(/not a verification code/);
    }
    expectProblem(await redeem(resident, { code: '' }), 400);
    expectProblem(await redeem(resident, { code: code.short_code, extra: 1 }), 400);
    expectProblem(await redeem(resident, { code: code.short_code, onset_date: day(1) }), 400);
    expect(await casesOf(resident)).toEqual([]);
    expect((await codeRow(code.id)).used_at).toBeNull();
  });

  it('brute force: after 10 failures the 11th is 429 with Retry-After, the right code too, and nothing is written', async () => {
    const attacker = await registerUser(t.app);
    const address = newAddress();
    const code = await issued();
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      // Well-formed codes that were never issued (a valid check character each time).
      const guess = await issued();
      await t.database.db.deleteFrom('verification_codes').where('id', '=', guess.id).execute();
      expectProblem(await redeem(attacker, { code: guess.short_code }, address), 400);
    }
    const refused = expectProblem(await redeem(attacker, { code: 'AAAA-AAAA-A' }, address), 429);
    expect(refused.detail).toMatch(/too many/);
    const right = await redeem(attacker, { code: code.short_code }, address);
    expectProblem(right, 429);
    // Until the oldest counted failure leaves the hour.
    const retryAfter = Number(right.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(retryAfter).toBeGreaterThanOrEqual(3600 - Math.ceil((Date.now() - started) / 1000) - 1);
    // Refused: no case, no symptom, no trace job, the code unused, no further failures counted.
    expect(await casesOf(attacker)).toEqual([]);
    expect(
      await t.database.db.selectFrom('symptoms').select('id').where('user_id', '=', attacker.id).execute(),
    ).toEqual([]);
    expect((await codeRow(code.id)).used_at).toBeNull();

    // The account is refused from any address, and the address for any account.
    expectProblem(await redeem(attacker, { code: code.short_code }), 429);
    const neighbour = await registerUser(t.app);
    expectProblem(await redeem(neighbour, { code: code.short_code }, address), 429);
    expect(await casesOf(neighbour)).toEqual([]);

    // An hour later (the failures moved back in time), the right code is accepted.
    await t.database.db
      .updateTable('verification_failures')
      .set((eb) => ({ at: eb('at', '-', 3_600_000) }))
      .where('at', '>=', started)
      .execute();
    const accepted = await redeem(attacker, { code: code.short_code }, address);
    expect(accepted.statusCode, accepted.body).toBe(201);
  });

  it('erasing the person unlinks the code they redeemed (it stays used)', async () => {
    const resident = await registerUser(t.app);
    const code = await issued();
    expect((await redeem(resident, { code: code.short_code })).statusCode).toBe(201);
    const erased = await t.app.inject({ method: 'DELETE', url: `/users/${resident.id}`, headers: resident.auth });
    expect(erased.statusCode, erased.body).toBe(204);
    const row = await codeRow(code.id);
    expect(row).toMatchObject({ used_by: null, case_id: null });
    expect(row.used_at).not.toBeNull();
    expectProblem(await redeem(await registerUser(t.app), { code: code.long_code }), 409);
  });

  it('only professionals and labs issue codes; only app users redeem them', async () => {
    const resident = await registerUser(t.app);
    const payload = { report_type: 'confirmed_test', test_date: day(0) };
    const before = await t.database.db.selectFrom('verification_codes').select('id').execute();
    for (const who of [authority, admin]) expectProblem(await issue(payload, who.auth), 403);
    expectProblem(await issue(payload, resident.auth), 403);
    expectProblem(await issue(payload, {}), 401);
    expect(await t.database.db.selectFrom('verification_codes').select('id').execute()).toEqual(before);

    const code = await issued();
    for (const who of [professional, lab, authority, admin])
      expectProblem(await redeem(who, { code: code.short_code }), 403);
    expectProblem(await redeem(null, { code: code.short_code }), 401);
    expect((await codeRow(code.id)).used_at).toBeNull();
  });

  it('rejects implausible or malformed claims', async () => {
    for (const payload of [
      { report_type: 'self_reported', test_date: day(0) },
      { report_type: 'confirmed_test' },
      { report_type: 'confirmed_test', test_date: day(1) },
      { report_type: 'confirmed_test', test_date: day(0), onset_date: day(-61) },
      { report_type: 'confirmed_test', test_date: '2024-02-30' },
      { report_type: 'confirmed_test', test_date: day(0), user_id: randomUUID() },
    ]) {
      expectProblem(await issue(payload), 400);
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const issueOp = doc.paths['/verification_codes'].post;
    const redeemOp = doc.paths['/cases/redeem'].post;
    for (const op of [issueOp, redeemOp]) {
      expect(op.tags).toEqual(['cases']);
      expect(op.summary).toEqual(expect.any(String));
      expect(op.description).toEqual(expect.any(String));
      expect(op.security).toEqual([{ bearer: [] }]);
    }
    expect(Object.keys(issueOp.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '429']));
    expect(Object.keys(redeemOp.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '403', '409', '410', '429']),
    );
  });
});
