import { randomUUID } from 'node:crypto';
import { getResolution, latLngToCell } from 'h3-js';
import type { InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkinObservation,
  expectProblem,
  locationObservation,
  proximityObservation,
  registerUser,
  tableCounts,
  type AppUser,
} from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

interface InteractionJson {
  id: string;
  user_id: string;
  kind: string;
  location: string | null;
  lat: number | null;
  lng: number | null;
  accuracy_m: number | null;
  venue_id: string | null;
  peer_token: string | null;
  attenuation_db: number | null;
  started_at: string;
  ended_at: string;
  received_at: string;
}

function upload(t: TestApp, user: AppUser, interactions: unknown[]) {
  return t.app.inject({ method: 'POST', url: '/interactions', headers: user.auth, payload: { interactions } });
}

describe.each(testDialects())('POST /interactions on %s', (dialect) => {
  let t: TestApp;
  let user: AppUser;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
    user = await registerUser(t.app);
  });
  afterEach(async () => {
    await t.close();
  });

  it('stores a location stay with its H3 cell and time bucket', async () => {
    const observation = locationObservation({
      lat: 48.8566,
      lng: 2.3522,
      accuracy_m: 12.5,
      started_at: at(-2 * HOUR),
      ended_at: at(-HOUR),
    });
    const response = await upload(t, user, [observation]);
    expect(response.statusCode, response.body).toBe(200);
    const cell = latLngToCell(48.8566, 2.3522, t.config.h3Resolution);
    expect(getResolution(cell)).toBe(10);
    const body = response.json<{ interactions: InteractionJson[]; created: number; duplicates: number }>();
    expect(body).toMatchObject({ created: 1, duplicates: 0 });
    expect(body.interactions).toEqual([
      {
        id: observation.id,
        user_id: user.id,
        kind: 'location',
        location: cell,
        lat: 48.8566,
        lng: 2.3522,
        accuracy_m: 12.5,
        venue_id: null,
        peer_token: null,
        attenuation_db: null,
        started_at: observation.started_at,
        ended_at: observation.ended_at,
        received_at: expect.any(String),
      },
    ]);
    const row = await t.database.db
      .selectFrom('interactions')
      .selectAll()
      .where('id', '=', observation.id)
      .executeTakeFirstOrThrow();
    const start = Date.parse(observation.started_at);
    expect(row).toMatchObject({
      user_id: user.id,
      kind: 'location',
      location: cell,
      lat: 48.8566,
      lng: 2.3522,
      accuracy_m: 12.5,
      timestamp: start,
      ended_at: Date.parse(observation.ended_at),
    });
    expect(row.time_bucket).toBe(Math.floor(start / (t.config.timeBucketMinutes * MINUTE)));
  });

  it('stores a location without accuracy, and the poles and antimeridian, which are in range', async () => {
    const items = [
      locationObservation({ accuracy_m: undefined }),
      locationObservation({ lat: 90, lng: 180 }),
      locationObservation({ lat: -90, lng: -180, accuracy_m: 0 }),
    ];
    delete (items[0] as Record<string, unknown>).accuracy_m;
    const response = await upload(t, user, items);
    expect(response.statusCode, response.body).toBe(200);
    const stored = response.json<{ interactions: InteractionJson[] }>().interactions;
    expect(stored[0]).toMatchObject({ accuracy_m: null, location: latLngToCell(48.8566, 2.3522, 10) });
    expect(stored[1]!.location).toBe(latLngToCell(90, 180, 10));
    expect(stored[2]!.location).toBe(latLngToCell(-90, -180, 10));
  });

  it('stores a venue check-in (no cell) and a proximity encounter (no cell)', async () => {
    const checkin = checkinObservation({ venue_id: 'venue:cafe-de-flore.paris_6' });
    const proximity = proximityObservation({ peer_token: 'AbCdEfGhIjKlMnOpQrStUv-_', attenuation_db: 58.5 });
    const response = await upload(t, user, [checkin, proximity]);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ interactions: InteractionJson[]; created: number }>();
    expect(body.created).toBe(2);
    expect(body.interactions[0]).toMatchObject({
      id: checkin.id,
      kind: 'checkin',
      venue_id: 'venue:cafe-de-flore.paris_6',
      location: null,
      lat: null,
      peer_token: null,
    });
    expect(body.interactions[1]).toMatchObject({
      id: proximity.id,
      kind: 'proximity',
      peer_token: 'AbCdEfGhIjKlMnOpQrStUv-_',
      attenuation_db: 58.5,
      location: null,
      venue_id: null,
    });
    const rows = await t.database.db.selectFrom('interactions').selectAll().orderBy('kind').execute();
    expect(rows.map((r) => [r.kind, r.venue_id, r.peer_token, r.attenuation_db, r.location])).toEqual([
      ['checkin', 'venue:cafe-de-flore.paris_6', null, null, null],
      ['proximity', null, 'AbCdEfGhIjKlMnOpQrStUv-_', 58.5, null],
    ]);
  });

  it('a mixed batch keeps its order', async () => {
    const items = [
      proximityObservation(),
      locationObservation(),
      checkinObservation(),
      locationObservation({ lat: 51.5, lng: -0.12 }),
    ];
    const response = await upload(t, user, items);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<{ interactions: InteractionJson[] }>().interactions.map((i) => i.id)).toEqual(
      items.map((i) => i.id),
    );
  });

  it('a retried batch is stored once: created, then duplicates', async () => {
    const batch = [locationObservation(), checkinObservation(), proximityObservation()];
    const first = await upload(t, user, batch);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ created: 3, duplicates: 0 });
    const second = await upload(t, user, batch);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ created: 0, duplicates: 3 });
    expect(second.json().interactions).toEqual(first.json().interactions);
    // A later batch mixing old and new ids stores only the new one.
    const fresh = locationObservation();
    const third = await upload(t, user, [batch[0], fresh]);
    expect(third.json()).toMatchObject({ created: 1, duplicates: 1 });
    for (const item of [...batch, fresh]) {
      const rows = await t.database.db.selectFrom('interactions').select('id').where('id', '=', item.id).execute();
      expect(rows, item.id).toHaveLength(1);
    }
    expect((await tableCounts(t)).interactions).toBe(4);
  });

  it('ids are case-insensitive: an upper-case id is stored lower-case and its retry is a duplicate', async () => {
    const id = randomUUID();
    const first = await upload(t, user, [checkinObservation({ id: id.toUpperCase() })]);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().interactions[0].id).toBe(id);
    const retry = await upload(t, user, [checkinObservation({ id })]);
    expect(retry.json()).toMatchObject({ created: 0, duplicates: 1 });
    expect((await tableCounts(t)).interactions).toBe(1);
  });

  it('accepts the limits themselves: 1,000 items, exactly 24 hours, a clock a little ahead, zero duration', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => checkinObservation({ venue_id: `venue-${i}` }));
    const big = await upload(t, user, items);
    expect(big.statusCode, big.body.slice(0, 300)).toBe(200);
    expect(big.json()).toMatchObject({ created: 1000, duplicates: 0 });

    const start = Date.now() - DAY - 5 * MINUTE;
    const edges = [
      locationObservation({ started_at: new Date(start).toISOString(), ended_at: new Date(start + DAY).toISOString() }),
      proximityObservation({ started_at: at(-MINUTE), ended_at: at(2 * MINUTE) }),
      checkinObservation({ started_at: at(-HOUR), ended_at: at(-HOUR).replace(/\.\d+Z$/, 'Z') }),
      locationObservation({ started_at: at(-20 * DAY), ended_at: at(-20 * DAY + HOUR) }),
    ];
    // Zero duration: same instant written two ways.
    (edges[2] as Record<string, unknown>).started_at = (edges[2] as Record<string, unknown>).ended_at;
    const response = await upload(t, user, edges);
    expect(response.statusCode, response.body).toBe(200);
    expect((await tableCounts(t)).interactions).toBe(1004);
  });

  it('an id already used by another user → 409, and none of the batch is stored', async () => {
    const other = await registerUser(t.app);
    const taken = checkinObservation();
    expect((await upload(t, other, [taken])).statusCode).toBe(200);
    const before = await tableCounts(t);

    const valid = [locationObservation(), proximityObservation()];
    const response = await upload(t, user, [valid[0], { ...taken, venue_id: 'someone-else' }, valid[1]]);
    expectProblem(response, 409);
    expect(response.body).not.toContain(other.id);
    expect(await tableCounts(t)).toEqual(before);
    for (const item of valid) {
      expect(await t.database.db.selectFrom('interactions').select('id').where('id', '=', item.id).execute()).toEqual(
        [],
      );
    }
    // The same, spelt in upper case.
    expectProblem(await upload(t, user, [{ ...taken, id: taken.id.toUpperCase() }]), 409);
    // The other user's row is untouched.
    const row = await t.database.db
      .selectFrom('interactions')
      .selectAll()
      .where('id', '=', taken.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: other.id, venue_id: taken.venue_id });
    expect(await tableCounts(t)).toEqual(before);
  });
});

type BadCase = {
  readonly label: string;
  readonly status: number;
  /** A JSON body (built when the test runs, so relative times are fresh) or raw text with a content-type. */
  readonly body: () => unknown;
  readonly raw?: { contentType?: string; payload: string };
};

const loc = locationObservation;
const item = (overrides: Record<string, unknown>, base: () => Record<string, unknown> = loc) => ({
  interactions: [{ ...base(), ...overrides }],
});
const without = (field: string, base: () => Record<string, unknown> = loc) => {
  const value = base();
  delete value[field];
  return { interactions: [value] };
};
const sameId = randomUUID();

const BAD_INPUTS: BadCase[] = [
  // Not JSON, or not an object.
  {
    label: 'malformed JSON',
    status: 400,
    body: () => null,
    raw: { contentType: 'application/json', payload: '{"interactions": [' },
  },
  {
    label: 'empty body with a JSON content-type',
    status: 400,
    body: () => null,
    raw: { contentType: 'application/json', payload: '' },
  },
  { label: 'JSON null', status: 400, body: () => null, raw: { contentType: 'application/json', payload: 'null' } },
  { label: 'a bare array', status: 400, body: () => [loc()] },
  {
    label: 'a string body',
    status: 400,
    body: () => null,
    raw: { contentType: 'application/json', payload: '"interactions"' },
  },
  // Wrong types: no coercion.
  { label: 'lat as a string', status: 400, body: () => item({ lat: '48.8' }) },
  { label: 'lng as a string', status: 400, body: () => item({ lng: '2.35' }) },
  { label: 'accuracy_m as a string', status: 400, body: () => item({ accuracy_m: '8' }) },
  { label: 'accuracy_m as a boolean', status: 400, body: () => item({ accuracy_m: true }) },
  { label: 'lat as null', status: 400, body: () => item({ lat: null }) },
  {
    label: 'attenuation_db as a string',
    status: 400,
    body: () => item({ attenuation_db: '60' }, proximityObservation),
  },
  { label: 'id as a number', status: 400, body: () => item({ id: 123 }) },
  { label: 'started_at as epoch milliseconds', status: 400, body: () => item({ started_at: Date.now() - HOUR }) },
  { label: 'kind as a number', status: 400, body: () => item({ kind: 1 }) },
  { label: 'venue_id as a number', status: 400, body: () => item({ venue_id: 42 }, checkinObservation) },
  {
    label: 'peer_token as an array',
    status: 400,
    body: () => item({ peer_token: ['AbCdEfGhIjKlMnOpQr'] }, proximityObservation),
  },
  { label: 'interactions as an object', status: 400, body: () => ({ interactions: { 0: loc() } }) },
  { label: 'interactions as a string', status: 400, body: () => ({ interactions: 'many' }) },
  { label: 'an item that is null', status: 400, body: () => ({ interactions: [null] }) },
  { label: 'an item that is a string', status: 400, body: () => ({ interactions: ['location'] }) },
  // Missing fields.
  { label: 'no interactions field', status: 400, body: () => ({}) },
  { label: 'item without id', status: 400, body: () => without('id') },
  { label: 'item without kind', status: 400, body: () => without('kind') },
  { label: 'item without started_at', status: 400, body: () => without('started_at') },
  { label: 'item without ended_at', status: 400, body: () => without('ended_at') },
  { label: 'location without lat', status: 400, body: () => without('lat') },
  { label: 'location without lng', status: 400, body: () => without('lng') },
  { label: 'checkin without venue_id', status: 400, body: () => without('venue_id', checkinObservation) },
  { label: 'proximity without peer_token', status: 400, body: () => without('peer_token', proximityObservation) },
  {
    label: 'proximity without attenuation_db',
    status: 400,
    body: () => without('attenuation_db', proximityObservation),
  },
  // Out of range.
  { label: 'lat 90.0001', status: 400, body: () => item({ lat: 90.0001 }) },
  { label: 'lat -90.0001', status: 400, body: () => item({ lat: -90.0001 }) },
  { label: 'lng -180.5', status: 400, body: () => item({ lng: -180.5 }) },
  { label: 'lng 180.5', status: 400, body: () => item({ lng: 180.5 }) },
  { label: 'accuracy_m -1', status: 400, body: () => item({ accuracy_m: -1 }) },
  { label: 'accuracy_m 10,001', status: 400, body: () => item({ accuracy_m: 10_001 }) },
  { label: 'attenuation_db 151', status: 400, body: () => item({ attenuation_db: 151 }, proximityObservation) },
  { label: 'attenuation_db -1', status: 400, body: () => item({ attenuation_db: -1 }, proximityObservation) },
  {
    label: 'peer_token shorter than 16',
    status: 400,
    body: () => item({ peer_token: 'AbCdEfGhIjKlMnO' }, proximityObservation),
  },
  {
    label: 'peer_token with illegal characters',
    status: 400,
    body: () => item({ peer_token: 'AbCdEfGh IjKlMnOpQr' }, proximityObservation),
  },
  { label: 'empty venue_id', status: 400, body: () => item({ venue_id: '' }, checkinObservation) },
  { label: 'venue_id with a space', status: 400, body: () => item({ venue_id: 'cafe de flore' }, checkinObservation) },
  {
    label: 'venue_id of 65 characters',
    status: 400,
    body: () => item({ venue_id: 'v'.repeat(65) }, checkinObservation),
  },
  // Kinds and unknown fields.
  { label: 'unknown kind', status: 400, body: () => item({ kind: 'wifi' }) },
  { label: 'kind in the wrong case', status: 400, body: () => item({ kind: 'Location' }) },
  { label: 'unknown top-level field', status: 400, body: () => ({ ...item({}), device: 'pixel' }) },
  { label: 'user_id inside an item', status: 400, body: () => item({ user_id: randomUUID() }) },
  { label: 'a checkin field on a location', status: 400, body: () => item({ venue_id: 'cafe' }) },
  { label: 'a client-supplied H3 cell', status: 400, body: () => item({ location: '8a1fb46622dffff' }) },
  { label: 'unknown field on a proximity item', status: 400, body: () => item({ rssi: -60 }, proximityObservation) },
  // Batch size.
  { label: 'empty batch', status: 400, body: () => ({ interactions: [] }) },
  {
    label: 'batch of 1,001 items',
    status: 400,
    body: () => ({ interactions: Array.from({ length: 1001 }, () => checkinObservation()) }),
  },
  // Ids.
  { label: 'id that is not a UUID', status: 400, body: () => item({ id: 'not-a-uuid' }) },
  { label: 'id with a urn:uuid: prefix', status: 400, body: () => item({ id: `urn:uuid:${randomUUID()}` }) },
  { label: 'id in braces', status: 400, body: () => item({ id: `{${randomUUID()}}` }) },
  {
    label: 'the same id twice in one batch',
    status: 400,
    body: () => ({ interactions: [loc({ id: sameId }), checkinObservation({ id: sameId })] }),
  },
  {
    label: 'the same id twice, differing in case',
    status: 400,
    body: () => ({ interactions: [loc({ id: sameId }), checkinObservation({ id: sameId.toUpperCase() })] }),
  },
  // Times.
  {
    label: 'ended_at more than 5 minutes in the future',
    status: 400,
    body: () => item({ started_at: at(-MINUTE), ended_at: at(6 * MINUTE) }),
  },
  {
    label: 'both times in the future',
    status: 400,
    body: () => item({ started_at: at(HOUR), ended_at: at(2 * HOUR) }),
  },
  {
    label: 'ended_at before started_at',
    status: 400,
    body: () => item({ started_at: at(-HOUR), ended_at: at(-2 * HOUR) }),
  },
  {
    label: 'older than RETENTION_DAYS',
    status: 400,
    body: () => item({ started_at: at(-21 * DAY - HOUR), ended_at: at(-21 * DAY - 30 * MINUTE) }),
  },
  {
    label: 'started before the retention window, ended inside it',
    status: 400,
    body: () => item({ started_at: at(-21 * DAY - MINUTE), ended_at: at(-21 * DAY + 30 * MINUTE) }),
  },
  {
    label: 'longer than 24 hours',
    status: 400,
    body: () => item({ started_at: at(-25 * HOUR - MINUTE), ended_at: at(-MINUTE) }),
  },
  { label: 'started_at not a date-time', status: 400, body: () => item({ started_at: 'yesterday' }) },
  {
    label: 'started_at without a time zone offset',
    status: 400,
    body: () => item({ started_at: at(-HOUR).replace('Z', '') }),
  },
  {
    label: 'started_at on a day that does not exist',
    status: 400,
    body: () => item({ started_at: '2026-02-30T10:00:00Z' }),
  },
  { label: 'started_at a date only', status: 400, body: () => item({ started_at: at(-HOUR).slice(0, 10) }) },
  // One bad item in an otherwise valid batch.
  {
    label: 'one item out of range among valid ones',
    status: 400,
    body: () => ({ interactions: [loc(), checkinObservation(), loc({ lat: 91 }), proximityObservation()] }),
  },
  {
    label: 'one item with bad times among valid ones',
    status: 400,
    body: () => ({
      interactions: [
        loc(),
        checkinObservation(),
        proximityObservation({ started_at: at(-HOUR), ended_at: at(-2 * HOUR) }),
      ],
    }),
  },
  {
    label: 'the last of 1,000 items with an unknown field',
    status: 400,
    body: () => ({ interactions: [...Array.from({ length: 999 }, () => checkinObservation()), loc({ note: 'x' })] }),
  },
  // Media types.
  {
    label: 'text/plain',
    status: 415,
    body: () => null,
    raw: { contentType: 'text/plain', payload: JSON.stringify({ interactions: [loc()] }) },
  },
  {
    label: 'form-encoded',
    status: 415,
    body: () => null,
    raw: { contentType: 'application/x-www-form-urlencoded', payload: 'interactions=1' },
  },
  { label: 'XML', status: 415, body: () => null, raw: { contentType: 'application/xml', payload: '<interactions/>' } },
  {
    label: 'no content-type',
    status: 415,
    body: () => null,
    raw: { payload: JSON.stringify({ interactions: [loc()] }) },
  },
  // Size.
  {
    label: 'body over the 1 MiB body limit',
    status: 413,
    body: () => ({ interactions: [loc()], padding: 'x'.repeat(1_100_000) }),
  },
];

describe.each(testDialects())('POST /interactions rejects bad input on %s', (dialect) => {
  let t: TestApp;
  let user: AppUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
    user = await registerUser(t.app);
    // Something stored already, so "nothing written" is not trivially an empty table.
    expect((await upload(t, user, [loc(), checkinObservation()])).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(BAD_INPUTS)('$label → $status, nothing written', async ({ body, raw, status }) => {
    const before = await tableCounts(t);
    const request: InjectOptions = raw
      ? {
          method: 'POST',
          url: '/interactions',
          headers: { ...user.auth, ...(raw.contentType ? { 'content-type': raw.contentType } : {}) },
          payload: raw.payload,
        }
      : { method: 'POST', url: '/interactions', headers: user.auth, payload: body() as object };
    const response = await t.app.inject(request);
    expectProblem(response, status);
    expect(await tableCounts(t)).toEqual(before);
  });

  it('a validation problem names the offending field', async () => {
    const response = await upload(t, user, [loc(), loc({ lat: '48.8' })]);
    const problem = expectProblem(response, 400) as unknown as { detail: string; errors?: Array<{ path: string }> };
    expect(problem.detail).toContain('body/interactions/1');
    const times = expectProblem(
      await upload(t, user, [loc(), loc({ started_at: at(-HOUR), ended_at: at(-2 * HOUR) })]),
      400,
    );
    expect(times.detail).toContain('body/interactions/1');
    expect(times.detail).toContain('ended_at');
  });
});

/** The exact errors of a 400: only those of the kind the item says it is, at that item's index. */
describe.each(testDialects())('POST /interactions reports the errors of the kind sent on %s', (dialect) => {
  let t: TestApp;
  let user: AppUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
    user = await registerUser(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  const errorsOf = async (items: unknown[]) => {
    const before = await tableCounts(t);
    const response = await upload(t, user, items);
    expectProblem(response, 400);
    const problem = response.json<{ detail: string; errors: Array<{ path: string; message: string }> }>();
    expect(await tableCounts(t)).toEqual(before);
    return { detail: problem.detail, errors: problem.errors };
  };

  it('a bad lat on a location stay names lat only, not the fields of check-ins and proximity encounters', async () => {
    expect(await errorsOf([locationObservation({ lat: 91 })])).toEqual({
      detail: 'body/interactions/0/lat must be <= 90',
      errors: [{ path: 'body/interactions/0/lat', message: 'must be <= 90' }],
    });
  });

  it('a check-in without venue_id names venue_id only', async () => {
    const checkin: Record<string, unknown> = checkinObservation();
    delete checkin.venue_id;
    expect(await errorsOf([checkin])).toEqual({
      detail: 'body/interactions/0 is missing required field "venue_id"',
      errors: [{ path: 'body/interactions/0', message: 'is missing required field "venue_id"' }],
    });
  });

  it('a bad attenuation on a proximity encounter names attenuation_db only', async () => {
    expect(await errorsOf([proximityObservation({ attenuation_db: 151 })])).toEqual({
      detail: 'body/interactions/0/attenuation_db must be <= 150',
      errors: [{ path: 'body/interactions/0/attenuation_db', message: 'must be <= 150' }],
    });
  });

  it('an unknown kind, or a kind that is not text, says which kinds exist', async () => {
    const expected = {
      detail: 'body/interactions/0/kind must be one of "location", "checkin", "proximity"',
      errors: [{ path: 'body/interactions/0/kind', message: 'must be one of "location", "checkin", "proximity"' }],
    };
    expect(await errorsOf([locationObservation({ kind: 'wifi' })])).toEqual(expected);
    expect(await errorsOf([locationObservation({ kind: 1 })])).toEqual(expected);
    const noKind: Record<string, unknown> = locationObservation();
    delete noKind.kind;
    expect(await errorsOf([noKind])).toEqual({
      detail: 'body/interactions/0 is missing required field "kind"',
      errors: [{ path: 'body/interactions/0', message: 'is missing required field "kind"' }],
    });
  });

  it('in a batch whose item 3 is bad, the error names item 3 and its field only', async () => {
    const batch = [
      locationObservation(),
      checkinObservation(),
      proximityObservation(),
      checkinObservation({ venue_id: 'cafe de flore' }),
      locationObservation(),
    ];
    expect(await errorsOf(batch)).toEqual({
      detail: 'body/interactions/3/venue_id must match pattern "^[A-Za-z0-9_.:-]+$"',
      errors: [{ path: 'body/interactions/3/venue_id', message: 'must match pattern "^[A-Za-z0-9_.:-]+$"' }],
    });
  });

  it('a field of another kind on an item is an unknown field of its own kind', async () => {
    expect(await errorsOf([locationObservation({ venue_id: 'cafe-de-flore' })])).toEqual({
      detail: 'body/interactions/0 has unknown field "venue_id"',
      errors: [{ path: 'body/interactions/0', message: 'has unknown field "venue_id"' }],
    });
  });
});

describe.each(testDialects())('POST /interactions with a small body limit on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a body over BODY_LIMIT_BYTES → 413 problem+json, nothing written; a body under it is accepted', async () => {
    const user = await registerUser(t.app);
    const before = await tableCounts(t);
    const items = Array.from({ length: 30 }, () => checkinObservation());
    const payload = JSON.stringify({ interactions: items });
    expect(Buffer.byteLength(payload)).toBeGreaterThan(4096);
    const response = await t.app.inject({
      method: 'POST',
      url: '/interactions',
      headers: { ...user.auth, 'content-type': 'application/json' },
      payload,
    });
    expectProblem(response, 413);
    expect(await tableCounts(t)).toEqual(before);

    const small = await upload(t, user, items.slice(0, 5));
    expect(small.statusCode, small.body).toBe(200);
  });
});

describe.each(testDialects())('GET /interactions on %s', (dialect) => {
  let t: TestApp;
  let user: AppUser;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
    user = await registerUser(t.app);
  });
  afterEach(async () => {
    await t.close();
  });

  const list = (query: string, who: AppUser = user) =>
    t.app.inject({ method: 'GET', url: `/interactions?${query}`, headers: who.auth });

  it('lists newest first, page by page with limit and next_cursor, each interaction exactly once', async () => {
    const sharedStart = at(-3 * HOUR);
    const items = [
      locationObservation({ started_at: at(-5 * HOUR), ended_at: at(-4 * HOUR) }),
      checkinObservation({ started_at: sharedStart, ended_at: at(-2 * HOUR) }),
      proximityObservation({ started_at: sharedStart, ended_at: at(-2 * HOUR) }),
      locationObservation({ started_at: sharedStart, ended_at: at(-2 * HOUR) }),
      checkinObservation({ started_at: at(-HOUR), ended_at: at(-30 * MINUTE) }),
    ];
    expect((await upload(t, user, items)).statusCode).toBe(200);
    const other = await registerUser(t.app);
    expect((await upload(t, other, [locationObservation(), checkinObservation()])).statusCode).toBe(200);

    const seen: InteractionJson[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await list(`user_id=${user.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json<{ interactions: InteractionJson[]; next_cursor: string | null }>();
      pages.push(page.interactions.length);
      seen.push(...page.interactions);
      cursor = page.next_cursor;
    } while (cursor !== null && pages.length < 10);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen.map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());
    expect(new Set(seen.map((i) => i.id)).size).toBe(5);
    expect(seen.every((i) => i.user_id === user.id)).toBe(true);
    const starts = seen.map((i) => Date.parse(i.started_at));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));

    const all = await list(`user_id=${user.id}`);
    expect(all.json()).toMatchObject({ next_cursor: null });
    expect(all.json().interactions.map((i: InteractionJson) => i.id)).toEqual(seen.map((i) => i.id));
    // A page size that divides the list exactly ends with a null cursor on the last full page's successor.
    const exact = await list(`user_id=${user.id}&limit=5`);
    expect(exact.json()).toMatchObject({ next_cursor: null });
    expect(exact.json().interactions).toHaveLength(5);
  });

  it('an empty list for a user with no interactions', async () => {
    const response = await list(`user_id=${user.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ interactions: [], next_cursor: null });
  });

  it('rejects a bad cursor, limit or query with 400 problem+json', async () => {
    expect((await upload(t, user, [locationObservation(), checkinObservation()])).statusCode).toBe(200);
    const bad = [
      `user_id=${user.id}&cursor=abc`,
      `user_id=${user.id}&cursor=${Buffer.from('{"at":1}').toString('base64url')}`,
      `user_id=${user.id}&cursor=${Buffer.from('[1.5,"x"]').toString('base64url')}`,
      `user_id=${user.id}&cursor=!!!`,
      `user_id=${user.id}&cursor=${'a'.repeat(201)}`,
      `user_id=${user.id}&limit=0`,
      `user_id=${user.id}&limit=501`,
      `user_id=${user.id}&limit=ten`,
      `user_id=${user.id}&limit=1.5`,
      `user_id=${user.id}&sort=asc`,
      'user_id=not-a-uuid',
      `user_id=urn:uuid:${user.id}`,
      '',
    ];
    for (const query of bad) {
      const response = await list(query);
      expect(expectProblem(response, 400).detail, query).toBeTruthy();
    }
  });
});
