import type { InjectOptions } from 'fastify';
import jsqr from 'jsqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaff, expectProblem, registerUser, type AppUser, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

// jsqr is CommonJS: under NodeNext its default import is the module, whose `default` is the decoder.
const jsQR = jsqr.default;
const CODE = /^[0-9A-HJKMNP-TV-Z]{10}$/;

/**
 * Reads the QR code back: draws the SVG's dark modules (qrcode's path of "M x y" / "m dx dy" moves and "h n" runs on
 * half-module rows) into a bitmap, 8 pixels a module, and decodes it with jsQR, as a phone's camera would.
 */
function decodeQrSvg(svg: string): string | null {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
  const d = /<path stroke="#000000" d="([^"]+)"/.exec(svg)![1]!;
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of d.matchAll(/([MmHh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?/g)) {
    if (op === 'M') [x, y] = [Number(a), Number(b)];
    else if (op === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      const end = op === 'h' ? x + Number(a) : Number(a);
      for (let i = x; i < end; i++) dark.add(`${i},${Math.floor(y)}`);
      x = end;
    }
  }
  const scale = 8;
  const pixels = new Uint8ClampedArray(size * scale * size * scale * 4);
  for (let py = 0; py < size * scale; py++) {
    for (let px = 0; px < size * scale; px++) {
      const value = dark.has(`${Math.floor(px / scale)},${Math.floor(py / scale)}`) ? 0 : 255;
      pixels.set([value, value, value, 255], (py * size * scale + px) * 4);
    }
  }
  return jsQR(pixels, size * scale, size * scale)?.data ?? null;
}

describe.each(testDialects())('venues on %s', (dialect) => {
  let t: TestApp;
  let owner: AppUser;
  let nurse: StaffUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
    owner = await registerUser(t.app);
    nurse = await createStaff(t, 'health_professional');
  });
  afterAll(async () => {
    await t?.close();
  });

  const register = (payload: unknown, headers: Record<string, string> = owner.auth) =>
    t.app.inject({ method: 'POST', url: '/venues', headers, payload: payload as object });
  /** A 409 problem offering the caller's existing venue. */
  const duplicate = (response: Awaited<ReturnType<typeof register>>) =>
    expectProblem(response, 409) as ReturnType<typeof expectProblem> & {
      existing_venue: { id: string; qr_svg: string };
    };
  const venueCount = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('venues')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('a venue owner registers a venue and gets its code and a QR code that decodes to the code', async () => {
    const response = await register({ name: '  Café Lumière ', address: '12 rue des Lilas, Paris' });
    expect(response.statusCode, response.body).toBe(201);
    const venue = response.json();
    expect(venue).toEqual({
      id: expect.stringMatching(CODE),
      name: 'Café Lumière',
      address: '12 rue des Lilas, Paris',
      qr_svg: expect.stringMatching(/^<svg /),
      created_at: expect.any(String),
    });
    expect(decodeQrSvg(venue.qr_svg)).toBe(venue.id);
    const [row] = await t.database.db.selectFrom('venues').selectAll().where('code', '=', venue.id).execute();
    // The venue names no app user: only the role that registered it.
    expect(row).toMatchObject({ name: 'Café Lumière', registered_by_role: 'user', registered_by_staff: null });
    expect(JSON.stringify(row)).not.toContain(owner.id);
  });

  it("a health professional registers one on an owner's behalf; anyone signed in reads it by its code in any case", async () => {
    const created = (await register({ name: 'Bibliothèque municipale' }, nurse.auth)).json();
    expect(created.address).toBeNull();
    const [row] = await t.database.db.selectFrom('venues').selectAll().where('code', '=', created.id).execute();
    expect(row).toMatchObject({ registered_by_role: 'health_professional', registered_by_staff: nurse.id });
    const other = await registerUser(t.app);
    for (const id of [created.id, created.id.toLowerCase()]) {
      const read = await t.app.inject({ method: 'GET', url: `/venues/${id}`, headers: other.auth });
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toEqual(created);
    }
  });

  it('the same name at two addresses, or by two owners, is two venues with different codes', async () => {
    const first = await register({ name: 'Bakery', address: '1 Main Street' });
    const second = await register({ name: 'Bakery', address: '2 Main Street' });
    const noAddress = await register({ name: 'Bakery' });
    const otherOwner = await register({ name: 'Bakery', address: '1 Main Street' }, (await registerUser(t.app)).auth);
    const byStaff = await register({ name: 'Bakery', address: '1 Main Street' }, nurse.auth);
    for (const response of [first, second, noAddress, otherOwner, byStaff])
      expect(response.statusCode, response.body).toBe(201);
    const ids = [first, second, noAddress, otherOwner, byStaff].map((r) => r.json<{ id: string }>().id);
    expect(new Set(ids).size).toBe(5);
  });

  it('the same owner registering the same name and address again (any case and spacing) is offered the one they have', async () => {
    const owned = await registerUser(t.app);
    const first = await register({ name: 'Café de la Gare', address: '3 Station Road' }, owned.auth);
    expect(first.statusCode, first.body).toBe(201);
    const venue = first.json<{ id: string; qr_svg: string }>();
    const before = await venueCount();
    for (const again of [
      { name: 'Café de la Gare', address: '3 Station Road' },
      { name: '  CAFÉ  de la   gare ', address: '3 station\troad ' },
    ]) {
      const response = await register(again, owned.auth);
      const problem = duplicate(response);
      expect(problem.detail).toContain(venue.id);
      expect(problem.existing_venue).toEqual(first.json());
      expect(decodeQrSvg(problem.existing_venue.qr_svg)).toBe(venue.id);
    }
    expect(await venueCount()).toBe(before);
    // Asked for: a second venue of the same name and address; the first is still the one offered after that.
    const second = await register({ name: 'cafe de la gare', address: '3 Station Road' }, owned.auth);
    expect(second.statusCode, 'without the accent it is another name').toBe(201);
    const forced = await register(
      { name: 'Café de la Gare', address: '3 Station Road', allow_duplicate: true },
      owned.auth,
    );
    expect(forced.statusCode, forced.body).toBe(201);
    expect(forced.json<{ id: string }>().id).not.toBe(venue.id);
    expect(forced.json()).toMatchObject({ name: 'Café de la Gare', address: '3 Station Road' });
    const third = duplicate(await register({ name: 'Café de la Gare', address: '3 Station Road' }, owned.auth));
    expect(third.existing_venue.id).toBe(venue.id);
    // Neither the account nor the name is stored in the key: a keyed hash.
    const row = await t.database.db
      .selectFrom('venues')
      .selectAll()
      .where('code', '=', venue.id)
      .executeTakeFirstOrThrow();
    expect(row.duplicate_key).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(owned.id);
  });

  it('a staff member registering the same venue twice is offered the first; an address and none differ', async () => {
    const first = await register({ name: 'Community Hall' }, nurse.auth);
    expect(first.statusCode, first.body).toBe(201);
    const problem = duplicate(await register({ name: 'community hall' }, nurse.auth));
    expect(problem.existing_venue).toEqual(first.json());
    expect((await register({ name: 'Community Hall', address: 'Park Lane' }, nurse.auth)).statusCode).toBe(201);
  });

  it('allow_duplicate must be a boolean', async () => {
    const problem = expectProblem(await register({ name: 'Bar', allow_duplicate: 'yes' }), 400);
    expect(problem.detail).toContain('allow_duplicate');
  });

  const bad: Array<[string, number, () => InjectOptions]> = [
    ['no body', 400, () => ({})],
    ['an empty object', 400, () => ({ payload: {} })],
    ['a blank name', 400, () => ({ payload: { name: '    ' } })],
    ['an empty name', 400, () => ({ payload: { name: '' } })],
    ['a name of 121 characters', 400, () => ({ payload: { name: 'n'.repeat(121) } })],
    ['a numeric name', 400, () => ({ payload: { name: 42 } })],
    ['a blank address', 400, () => ({ payload: { name: 'Bar', address: ' \t ' } })],
    ['an address of 256 characters', 400, () => ({ payload: { name: 'Bar', address: 'a'.repeat(256) } })],
    ['an unknown field', 400, () => ({ payload: { name: 'Bar', code: 'AAAAAAAAAA' } })],
    ['malformed JSON', 400, () => ({ payload: '{"name": ', headers: { 'content-type': 'application/json' } })],
    ['an array body', 400, () => ({ payload: [{ name: 'Bar' }] as unknown as object })],
    ['a text/plain body', 415, () => ({ payload: 'name=Bar', headers: { 'content-type': 'text/plain' } })],
  ];
  it.each(bad)('refuses %s with a problem and stores nothing', async (_label, status, options) => {
    const before = await venueCount();
    const request = options();
    const response = await t.app.inject({
      method: 'POST',
      url: '/venues',
      ...request,
      headers: { ...owner.auth, ...(request.headers as Record<string, string> | undefined) },
    });
    const problem = expectProblem(response, status);
    expect(problem.detail.length).toBeGreaterThan(0);
    expect(await venueCount()).toBe(before);
  });

  it.each([
    ['too short', 'ABC'],
    ['too long', 'ABCDEFGHJKM'],
    ['a letter Crockford leaves out (U)', 'ABCDEFGHJU'],
    ['punctuation', 'ABCDE-GHJK'],
  ])('GET /venues/{id} refuses a code that is %s (400)', async (_label, code) => {
    expectProblem(await t.app.inject({ method: 'GET', url: `/venues/${code}`, headers: owner.auth }), 400);
  });

  it("an exposure at a registered venue is notified with the venue's name", async () => {
    const venue = (await register({ name: 'Bistrot du Canal' })).json<{ id: string }>();
    const [source, visitor] = [await registerUser(t.app), await registerUser(t.app)];
    const stay = (minutesAgo: number, minutes: number) => ({
      started_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      ended_at: new Date(Date.now() - (minutesAgo - minutes) * 60_000).toISOString(),
    });
    for (const person of [source, visitor]) {
      const upload = await t.app.inject({
        method: 'POST',
        url: '/interactions',
        headers: person.auth,
        payload: { interactions: [{ id: crypto.randomUUID(), kind: 'checkin', venue_id: venue.id, ...stay(120, 60) }] },
      });
      expect(upload.statusCode, upload.body).toBe(200);
    }
    const today = new Date().toISOString().slice(0, 10);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/symptoms',
          headers: source.auth,
          payload: { user_id: source.id, symptom: 'fever', date: today },
        })
      ).statusCode,
    ).toBe(201);
    await t.app.traceWorker.idle();
    const notifications = (await t.app.inject({ method: 'GET', url: '/notifications', headers: visitor.auth })).json<{
      notifications: Array<{ body: string; details: { place: string; venue_name?: string | null } }>;
    }>().notifications;
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.details).toMatchObject({ place: venue.id, venue_name: 'Bistrot du Canal' });
    expect(notifications[0]!.body).toContain(`at "Bistrot du Canal" (venue ${venue.id}, where you checked in)`);
  });

  it('an unknown code is 404', async () => {
    const problem = expectProblem(
      await t.app.inject({ method: 'GET', url: '/venues/0000000000', headers: owner.auth }),
      404,
    );
    expect(problem.detail).toContain('0000000000');
  });
});
