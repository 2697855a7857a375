import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkinObservation,
  createStaff,
  expectProblem,
  locationObservation,
  registerUser,
  tableCounts,
} from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(testDialects())('users on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('registers a user, returns a token once, and lets the user read their own account', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/users',
      payload: { name: 'Ada Lovelace', contact_info: '+44 20 7946 0000' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: 'Ada Lovelace', contact_info: '+44 20 7946 0000' });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.token).toMatch(/^ept_[A-Za-z0-9_-]{43}$/);

    const read = await t.app.inject({
      method: 'GET',
      url: `/users/${body.id}`,
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({
      id: body.id,
      name: 'Ada Lovelace',
      contact_info: '+44 20 7946 0000',
      created_at: body.created_at,
    });
    expect(read.json()).not.toHaveProperty('token');
  });

  it('accepts a registration without personal data', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/users', payload: {} });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: null, contact_info: null });
  });

  it('stores the token only as a hash', async () => {
    const user = await registerUser(t.app);
    const rows = await t.database.db.selectFrom('device_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(user.token.slice(4));
    expect(rows[0]!.user_id).toBe(user.id);
  });

  it('encrypts name and contact_info at rest', async () => {
    const name = 'Grace Brewster Hopper';
    const contact = 'grace.hopper@navy.example';
    const user = await registerUser(t.app, { name, contact_info: contact });
    const row = await t.database.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.name).toMatch(/^v1\.test1\./);
    expect(row.name).not.toContain('Grace');
    expect(row.contact_info).not.toContain('hopper');
    if (dialect === 'sqlite') {
      // Flush the write-ahead log into the main file, then look at every byte SQLite wrote.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(t.database.db);
      const dir = dirname(t.sqliteFile!);
      for (const file of readdirSync(dir).filter((f) => f.startsWith('epitrace.sqlite'))) {
        const bytes = readFileSync(join(dir, file));
        expect(bytes.includes(Buffer.from('Grace'))).toBe(false);
        expect(bytes.includes(Buffer.from('hopper'))).toBe(false);
        expect(bytes.includes(Buffer.from('navy.example'))).toBe(false);
      }
    } else {
      const dump = await sql<{ doc: string }>`select row_to_json(u)::text as doc from users u`.execute(t.database.db);
      expect(dump.rows.map((r) => r.doc).join('\n')).not.toMatch(/Grace|hopper|navy\.example/);
    }
  });

  it('erasure removes every row tied to the user and nobody else', async () => {
    const erased = await registerUser(t.app, { name: 'To Be Erased', contact_info: 'erase@example.org' });
    const other = await registerUser(t.app, { name: 'Stays', contact_info: 'stays@example.org' });
    const professional = await createStaff(t, 'health_professional');

    for (const user of [erased, other]) {
      const upload = await t.app.inject({
        method: 'POST',
        url: '/interactions',
        headers: user.auth,
        payload: { interactions: [locationObservation(), checkinObservation()] },
      });
      expect(upload.statusCode).toBe(200);
      const symptom = await t.app.inject({
        method: 'POST',
        url: '/symptoms',
        headers: user.auth,
        payload: { symptom: 'fever', date: new Date().toISOString().slice(0, 10) },
      });
      expect(symptom.statusCode).toBe(201);
      // The symptom report opened a self-reported case; the confirmation upgrades that same case.
      const confirmed = await t.app.inject({
        method: 'POST',
        url: '/cases',
        headers: professional.auth,
        payload: { user_id: user.id, report_type: 'confirmed_test' },
      });
      expect(confirmed.statusCode).toBe(200);
    }
    // A staff read of the person's data leaves an audit record tied to them.
    expect(
      (await t.app.inject({ method: 'GET', url: `/users/${erased.id}`, headers: professional.auth })).statusCode,
    ).toBe(200);
    for (const user of [erased, other])
      expect((await t.app.inject({ url: '/proximity_tokens', headers: user.auth })).statusCode).toBe(200);
    // Both were at the same place at the same time: each trace made the other a contact, notified and streamed to the
    // manager.
    await t.app.traceWorker.idle();
    const db = t.database.db;
    for (const table of ['notifications', 'exposure_days', 'presence_index', 'proximity_tokens'] as const) {
      expect(await db.selectFrom(table).selectAll().where('user_id', '=', erased.id).execute(), table).not.toEqual([]);
    }
    expect(JSON.stringify(await db.selectFrom('staff_events').selectAll().execute())).toContain(erased.id);
    const before = await tableCounts(t);

    const response = await t.app.inject({ method: 'DELETE', url: `/users/${erased.id}`, headers: erased.auth });
    expect(response.statusCode).toBe(204);

    expect(await db.selectFrom('users').selectAll().where('id', '=', erased.id).execute()).toEqual([]);
    expect(await db.selectFrom('device_tokens').selectAll().where('user_id', '=', erased.id).execute()).toEqual([]);
    expect(await db.selectFrom('interactions').selectAll().where('user_id', '=', erased.id).execute()).toEqual([]);
    expect(await db.selectFrom('symptoms').selectAll().where('user_id', '=', erased.id).execute()).toEqual([]);
    expect(await db.selectFrom('cases').selectAll().where('user_id', '=', erased.id).execute()).toEqual([]);
    expect(await db.selectFrom('audit_log').selectAll().where('subject_user_id', '=', erased.id).execute()).toEqual([]);
    // No column of any table still holds the id.
    const everyTable = [
      'users',
      'device_tokens',
      'staff',
      'interactions',
      'presence_index',
      'proximity_tokens',
      'symptoms',
      'cases',
      'exposure_risks',
      'exposure_days',
      'notifications',
      'trace_jobs',
      'staff_events',
      'epidemiological_insights',
      'audit_log',
    ] as const;
    for (const table of everyTable) {
      const rows = await db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(erased.id);
    }
    const after = await tableCounts(t);
    expect(after.users).toBe(before.users! - 1);
    expect(after.interactions).toBe(before.interactions! - 2);
    expect(after.symptoms).toBe(before.symptoms! - 1);
    expect(after.cases).toBe(before.cases! - 1);
    expect(after.audit_log).toBe(before.audit_log); // the staff action stays on record, unlinked from the person

    // The erased token no longer works; the other user is untouched.
    expectProblem(await t.app.inject({ method: 'GET', url: `/users/${erased.id}`, headers: erased.auth }), 401);
    const stays = await t.app.inject({ method: 'GET', url: `/users/${other.id}`, headers: other.auth });
    expect(stays.json()).toMatchObject({ name: 'Stays' });
  });

  it('an admin may erase a user on request; erasing twice gives 404', async () => {
    const user = await registerUser(t.app);
    const admin = await createStaff(t, 'admin');
    expect((await t.app.inject({ method: 'DELETE', url: `/users/${user.id}`, headers: admin.auth })).statusCode).toBe(
      204,
    );
    expectProblem(await t.app.inject({ method: 'DELETE', url: `/users/${user.id}`, headers: admin.auth }), 404);
  });

  it('rejects bad registrations with problem+json and writes nothing', async () => {
    const cases: Array<[string, unknown, number]> = [
      ['unknown field', { name: 'A', role: 'admin' }, 400],
      ['wrong type', { name: 42 }, 400],
      ['empty name', { name: '' }, 400],
      ['too long', { name: 'x'.repeat(256) }, 400],
      ['array body', [{ name: 'A' }], 400],
    ];
    for (const [label, payload, status] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/users', payload: payload as object });
      expect(expectProblem(response, status).detail, label).toBeTruthy();
    }
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/users',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": "A",',
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/users',
        headers: { 'content-type': 'text/plain' },
        payload: 'name=A',
      }),
      415,
    );
    expect((await tableCounts(t)).users).toBe(0);
  });

  it('a bad token is refused with a message about the kind of token presented', async () => {
    const user = await registerUser(t.app);
    const detailFor = async (token: string) =>
      expectProblem(
        await t.app.inject({ method: 'GET', url: `/users/${user.id}`, headers: { authorization: `Bearer ${token}` } }),
        401,
      ).detail;
    const appToken = user.token;
    expect(await detailFor(`${appToken.slice(0, -1)}${appToken.endsWith('A') ? 'B' : 'A'}`)).toBe(
      'unknown or revoked app token',
    );
    expect(await detailFor(appToken.slice(0, 20))).toBe('malformed app token: ept_ followed by 43 characters expected');
    expect(await detailFor('not-a-token')).toBe('unrecognised token: neither an app token nor a staff sign-in token');
    expect(await detailFor('aaa.bbb.ccc')).toBe('invalid or expired staff token');
  });
});
