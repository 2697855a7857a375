import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffTokens } from '../../src/platform/crypto/staff-tokens.js';
import type { StaffRole } from '../../src/platform/db/tables.js';
import { createStaff, expectProblem, registerUser, tableCounts, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const strongPassword = () => `correct horse battery ${randomUUID().slice(0, 8)}`;
const newUsername = (prefix = 'staff') => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A staff account and a token as login would issue it, without paying for scrypt (for tests not about passwords). */
async function staffWithToken(t: TestApp, role: StaffRole): Promise<{ id: string; auth: { authorization: string } }> {
  const id = randomUUID();
  await t.database.db
    .insertInto('staff')
    .values({
      id,
      username: newUsername(role.replaceAll('_', '-')),
      password_hash: 'scrypt$unusable',
      role,
      created_at: Date.now(),
    })
    .execute();
  const token = new StaffTokens(t.config.tokenSecret!, t.config.staffTokenTtlSeconds).issue({ sub: id, role });
  return { id, auth: { authorization: `Bearer ${token}` } };
}

describe.each(testDialects())('staff accounts and login on %s', (dialect) => {
  // One app for the file: every test works on accounts of its own (staff logins cost ~0.2 s of scrypt each).
  let t: TestApp;
  let admin: StaffUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { AUTH_RATE_LIMIT_MAX: '100000', RATE_LIMIT_MAX: '100000' });
    admin = await createStaff(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  const createAccount = (payload: unknown, headers: Record<string, string> = admin.auth) =>
    t.app.inject({ method: 'POST', url: '/staff', headers, payload: payload as object });
  const login = (payload: unknown) => t.app.inject({ method: 'POST', url: '/auth/login', payload: payload as object });

  it('an admin creates a staff account, which can then log in and use its role', async () => {
    const username = newUsername('investigator');
    const password = strongPassword();
    const created = await createAccount({ username, password, role: 'health_professional' });
    expect(created.statusCode, created.body).toBe(201);
    const member = created.json();
    expect(member).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username,
      role: 'health_professional',
      created_at: expect.any(String),
      disabled: false,
    });
    expect(created.body).not.toContain(password);

    const row = await t.database.db
      .selectFrom('staff')
      .selectAll()
      .where('id', '=', member.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain(password);

    const loggedIn = await login({ username, password });
    expect(loggedIn.statusCode, loggedIn.body).toBe(200);
    expect(loggedIn.json()).toEqual({
      token: expect.any(String),
      token_type: 'Bearer',
      expires_in: t.config.staffTokenTtlSeconds,
      staff_id: member.id,
      role: 'health_professional',
      refresh_token: expect.stringMatching(/^eprt_[A-Za-z0-9_-]{43}$/),
      refresh_expires_in: t.config.staffSessionIdleMinutes * 60,
    });
    const auth = { authorization: `Bearer ${loggedIn.json().token}` };
    expect((await t.app.inject({ method: 'GET', url: '/cases', headers: auth })).statusCode).toBe(200);
    expectProblem(await t.app.inject({ method: 'GET', url: '/staff', headers: auth }), 403);
  });

  it('creates each role; GET /staff lists accounts without password hashes', async () => {
    const names: string[] = [];
    for (const role of ['authority', 'admin'] as const) {
      const username = newUsername(role);
      names.push(username);
      const created = await createAccount({ username, password: strongPassword(), role });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ username, role });
    }
    const listed = await t.app.inject({ method: 'GET', url: '/staff', headers: admin.auth });
    expect(listed.statusCode).toBe(200);
    const staff = listed.json<{ staff: Array<Record<string, unknown>> }>().staff;
    expect(staff.map((s) => s.username)).toEqual(expect.arrayContaining([admin.username, ...names]));
    for (const member of staff)
      expect(Object.keys(member).sort()).toEqual(['created_at', 'disabled', 'id', 'role', 'username']);
    expect(listed.body).not.toMatch(/scrypt|password/);
  });

  it('wrong password and unknown username → the same 401', async () => {
    const wrong = expectProblem(await login({ username: admin.username, password: `${admin.password}x` }), 401);
    const unknown = expectProblem(await login({ username: newUsername('nobody'), password: admin.password }), 401);
    expect(wrong.detail).toBe(unknown.detail);
    expect(wrong.title).toBe(unknown.title);
    // Usernames are exact: another case is another (unknown) user.
    expect(
      expectProblem(await login({ username: admin.username.toUpperCase(), password: admin.password }), 401).detail,
    ).toBe(wrong.detail);
  });

  it('a disabled account: its live token → 401, and it cannot log in (same message as a wrong password)', async () => {
    const member = await createStaff(t, 'health_professional');
    expect((await t.app.inject({ method: 'GET', url: '/cases', headers: member.auth })).statusCode).toBe(200);
    await t.database.db.updateTable('staff').set({ disabled: 1 }).where('id', '=', member.id).execute();
    expectProblem(await t.app.inject({ method: 'GET', url: '/cases', headers: member.auth }), 401);
    expectProblem(await t.app.inject({ method: 'GET', url: '/healthz', headers: member.auth }), 401);
    const refused = expectProblem(await login({ username: member.username, password: member.password }), 401);
    const wrong = expectProblem(await login({ username: member.username, password: 'not the password at all' }), 401);
    expect(refused.detail).toBe(wrong.detail);
    expect((await t.app.inject({ method: 'GET', url: '/staff', headers: admin.auth })).json().staff).toContainEqual(
      expect.objectContaining({ id: member.id, disabled: true }),
    );
  });

  it("a deleted account's token → 401", async () => {
    const member = await staffWithToken(t, 'authority');
    expect((await t.app.inject({ method: 'GET', url: '/healthz', headers: member.auth })).statusCode).toBe(200);
    await t.database.db.deleteFrom('staff').where('id', '=', member.id).execute();
    expectProblem(await t.app.inject({ method: 'GET', url: '/healthz', headers: member.auth }), 401);
  });

  it('the role comes from the account, not from the token: a demoted admin loses admin rights at once', async () => {
    const member = await staffWithToken(t, 'admin');
    expect((await t.app.inject({ method: 'GET', url: '/staff', headers: member.auth })).statusCode).toBe(200);
    await t.database.db.updateTable('staff').set({ role: 'authority' }).where('id', '=', member.id).execute();
    expectProblem(await t.app.inject({ method: 'GET', url: '/staff', headers: member.auth }), 403);
  });

  it('a duplicate username → 409, and nothing written', async () => {
    const username = newUsername('dup');
    expect((await createAccount({ username, password: strongPassword(), role: 'authority' })).statusCode).toBe(201);
    const before = await tableCounts(t);
    const again = await createAccount({ username, password: strongPassword(), role: 'admin' });
    expectProblem(again, 409);
    expect(await tableCounts(t)).toEqual(before);
    expectProblem(
      await createAccount({ username: admin.username, password: strongPassword(), role: 'authority' }),
      409,
    );
  });

  it('two concurrent creations of one username: one 201, one 409, never a 5xx', async () => {
    const username = newUsername('race');
    const responses = await Promise.all([
      createAccount({ username, password: strongPassword(), role: 'authority' }),
      createAccount({ username, password: strongPassword(), role: 'health_professional' }),
    ]);
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses, responses.map((r) => r.body).join('\n')).toEqual([201, 409]);
    expectProblem(responses.find((r) => r.statusCode === 409)!, 409);
    expect(
      await t.database.db.selectFrom('staff').select('id').where('username', '=', username).execute(),
    ).toHaveLength(1);
  });

  const badCreations: Array<[string, number, unknown]> = [
    ['password of 11 characters', 400, { username: newUsername(), password: 'short-pass1', role: 'authority' }],
    ['empty password', 400, { username: newUsername(), password: '', role: 'authority' }],
    ['password over 256 characters', 400, { username: newUsername(), password: 'p'.repeat(257), role: 'authority' }],
    ['password as a number', 400, { username: newUsername(), password: 123456789012345, role: 'authority' }],
    ['missing password', 400, { username: newUsername(), role: 'authority' }],
    ['missing username', 400, { password: strongPassword(), role: 'authority' }],
    ['missing role', 400, { username: newUsername(), password: strongPassword() }],
    ['upper-case username', 400, { username: 'Dr-House', password: strongPassword(), role: 'authority' }],
    ['username with a space', 400, { username: 'dr house', password: strongPassword(), role: 'authority' }],
    ['username of 2 characters', 400, { username: 'ab', password: strongPassword(), role: 'authority' }],
    ['username of 65 characters', 400, { username: 'a'.repeat(65), password: strongPassword(), role: 'authority' }],
    ['username starting with a dot', 400, { username: '.hidden', password: strongPassword(), role: 'authority' }],
    ['role "user"', 400, { username: newUsername(), password: strongPassword(), role: 'user' }],
    ['role "superadmin"', 400, { username: newUsername(), password: strongPassword(), role: 'superadmin' }],
    ['unknown field', 400, { username: newUsername(), password: strongPassword(), role: 'authority', disabled: false }],
    ['an array body', 400, [{ username: newUsername(), password: strongPassword(), role: 'authority' }]],
  ];

  it.each(badCreations)('POST /staff with %s → %i, nothing written', async (_label, status, payload) => {
    const before = await tableCounts(t);
    expectProblem(await createAccount(payload), status);
    expect(await tableCounts(t)).toEqual(before);
  });

  it('POST /staff with malformed JSON → 400, with text/plain → 415; only admins may create staff', async () => {
    const before = await tableCounts(t);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/staff',
        headers: { ...admin.auth, 'content-type': 'application/json' },
        payload: '{"username":',
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/staff',
        headers: { ...admin.auth, 'content-type': 'text/plain' },
        payload: 'username=x',
      }),
      415,
    );
    const user = await registerUser(t.app);
    const afterUser = await tableCounts(t);
    const payload = { username: newUsername(), password: strongPassword(), role: 'admin' };
    expectProblem(await createAccount(payload, user.auth), 403);
    expectProblem(await createAccount(payload, {}), 401);
    expect(await tableCounts(t)).toEqual(afterUser);
    expect(afterUser.staff).toBe(before.staff);
  });

  const badLogins: Array<[string, number, InjectOptions]> = [
    ['an unknown field', 400, { payload: { username: 'someone', password: 'whatever-password', otp: '123456' } }],
    ['no password', 400, { payload: { username: 'someone' } }],
    ['no username', 400, { payload: { password: 'whatever-password' } }],
    ['an empty username', 400, { payload: { username: '', password: 'whatever-password' } }],
    ['a numeric password', 400, { payload: { username: 'someone', password: 12345678901234 } }],
    ['malformed JSON', 400, { headers: { 'content-type': 'application/json' }, payload: '{"username":"a",' }],
    [
      'a form-encoded body',
      415,
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=a&password=b' },
    ],
  ];

  it.each(badLogins)('POST /auth/login with %s → %i', async (_label, status, options) => {
    expectProblem(await t.app.inject({ method: 'POST', url: '/auth/login', ...options }), status);
  });
});

describe.each(testDialects())('login attempts are rate limited per address on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { AUTH_RATE_LIMIT_MAX: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('after AUTH_RATE_LIMIT_MAX attempts even the right password gets 429 with Retry-After', async () => {
    const password = strongPassword();
    const username = newUsername('target');
    const { hashPassword } = await import('../../src/platform/crypto/passwords.js');
    await t.database.db
      .insertInto('staff')
      .values({
        id: randomUUID(),
        username,
        password_hash: await hashPassword(password),
        role: 'admin',
        created_at: Date.now(),
      })
      .execute();
    for (let i = 0; i < 3; i++)
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username, password: `guess ${i} wrong password` },
        }),
        401,
      );
    const limited = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } });
    expectProblem(limited, 429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
