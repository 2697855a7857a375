import { randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaffTokens } from '../../src/platform/crypto/staff-tokens.js';
import {
  checkinObservation,
  createStaff,
  expectProblem,
  locationObservation,
  proximityObservation,
  registerUser,
  tableCounts,
  type AppUser,
  type StaffUser,
} from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import {
  closeListening,
  fetchProximityTokens,
  seedOutbreak,
  seedTracedCase,
  sseExchange,
  tracedSecrets,
  wsExchange,
  type MatrixResponse,
  type Outbreak,
  type SseTranscript,
  type TracedCase,
  type TracedPerson,
} from '../helpers/matrix-fixtures.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Every route × every kind of caller → the status the access policy prescribes (src/modules/access/policy.ts):
 * users see their own data only; health professionals read the people whose cases they manage (audited);
 * authorities never see a person; admins manage staff and erase on request; laboratories only issue verification codes;
 * a bad token is refused everywhere.
 */

const GOOD_CALLERS = [
  'anonymous',
  'user:own',
  'user:other',
  'hp:manager',
  'hp:other',
  'authority',
  'admin',
  'lab',
] as const;
type GoodCaller = (typeof GOOD_CALLERS)[number];

const BAD_CALLERS = [
  'malformed header (Basic scheme)',
  'malformed header (Bearer without token)',
  'malformed header (two tokens)',
  'ept_ token never issued',
  'ept_ token of the wrong length',
  'JWT signed with another secret',
  'expired JWT',
  'JWT with alg none',
  'JWT with the wrong audience',
  'valid JWT of an unknown staff id',
] as const;
type BadCaller = (typeof BAD_CALLERS)[number];
type Caller = GoodCaller | BadCaller;

const CALLER_LABELS: Record<GoodCaller, string> = {
  anonymous: 'anonymous',
  'user:own': 'app user on own data',
  'user:other': "app user on another person's data",
  'hp:manager': "health professional managing the subject's case",
  'hp:other': 'health professional not managing the subject',
  authority: 'authority',
  admin: 'admin',
  lab: 'laboratory',
};

/** One app user with a full set of personal data, every value unique so a leak is detectable. */
interface Person {
  readonly user: AppUser;
  readonly name: string;
  readonly contact: string;
  readonly interactionIds: string[];
  /** The location interaction an exposure risk is seeded on. */
  readonly riskedInteractionId: string;
  readonly riskId: string | undefined;
  readonly venueId: string;
  readonly peerToken: string;
  readonly symptom: string;
  readonly caseId: string | undefined;
  /** The proximity tokens the person's phone fetched. */
  readonly proximityTokens: string[];
}

/** Whose data a request is about: a seeded person, or a person of the traced case. */
type Subject = Person | TracedPerson;

interface World {
  readonly t: TestApp;
  /** The app user making "own data" and "other person's data" requests. */
  readonly own: Person;
  /** The person whose data everyone else tries to reach; their case is managed by hpManager. */
  readonly victim: Person;
  readonly hpManager: StaffUser;
  readonly hpOther: StaffUser;
  readonly authority: StaffUser;
  readonly admin: StaffUser;
  /** A laboratory system's account: it issues verification codes, nothing else. */
  readonly lab: StaffUser;
  /** Staff account whose credentials POST /auth/login is called with. */
  readonly loginStaff: StaffUser;
  /** The person of sourceCaseId (a case written directly, managed by hpManager). */
  readonly source: AppUser;
  readonly sourceCaseId: string;
  /** An imported line list, its cluster and the alert it raised: what the analytics, zones and alerts rows read. */
  readonly outbreak: Outbreak;
  /** A case hpManager manages, really traced: its source, and two contacts each notified once. */
  readonly traced: TracedCase;
  /** Where the app listens, for the real-time routes (SSE and WebSocket need a real connection). */
  readonly baseUrl: string;
  readonly badHeaders: Record<BadCaller, string>;
}

const today = () => new Date().toISOString().slice(0, 10);
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * Everything that identifies a seeded person: ids, names, contact details, bearer and proximity tokens, case ids (and
 * the rest of their data). An aggregate answer (analytics, zones, alerts, a line-list import) contains none of it.
 */
function everyoneSecrets(w: World): string[] {
  const people = [w.own, w.victim];
  const traced = [w.traced.source, w.traced.contact, w.traced.bystander];
  return [
    ...people.flatMap((p) => [p.user.id, p.user.token, ...secretsOf(p)]),
    ...traced.flatMap((p) => [p.user.token, ...secretsOf(p)]),
    w.source.id,
    w.source.token,
    w.sourceCaseId,
    w.traced.caseId,
  ];
}

function secretsOf(subject: Subject): string[] {
  if ('notificationIds' in subject) return tracedSecrets(subject);
  const person = subject;
  return [
    person.name,
    person.contact,
    person.venueId,
    person.peerToken,
    person.symptom,
    ...person.interactionIds,
    ...(person.riskId ? [person.riskId] : []),
    ...(person.caseId ? [person.caseId] : []),
    ...person.proximityTokens,
  ];
}

async function seedPerson(
  w: { t: TestApp; hpManager: StaffUser },
  label: string,
  options: { managedCase: boolean; sourceCaseId?: string },
): Promise<Person> {
  const name = unique(`${label} Name`);
  const contact = `${unique(label.toLowerCase())}@example.org`;
  const user = await registerUser(w.t.app, { name, contact_info: contact });
  const venueId = unique('venue');
  const peerToken = `peer${randomUUID().replaceAll('-', '')}`;
  // A place of their own, far from everyone else's, so background tracing never links two seeded people.
  const location = locationObservation({ lat: -60 + Math.random() * 120, lng: -170 + Math.random() * 340 });
  // Confirm first: the case is then created (201) by hpManager, and the later symptom report only adds to it.
  let caseId: string | undefined;
  if (options.managedCase) {
    const confirmed = await w.t.app.inject({
      method: 'POST',
      url: '/cases',
      headers: w.hpManager.auth,
      payload: { user_id: user.id, report_type: 'confirmed_test', onset_date: today() },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(201);
    caseId = confirmed.json<{ id: string }>().id;
  }
  const upload = await w.t.app.inject({
    method: 'POST',
    url: '/interactions',
    headers: user.auth,
    payload: {
      interactions: [
        location,
        checkinObservation({ venue_id: venueId }),
        proximityObservation({ peer_token: peerToken }),
      ],
    },
  });
  expect(upload.statusCode, upload.body).toBe(200);
  const interactionIds = upload.json<{ interactions: Array<{ id: string }> }>().interactions.map((i) => i.id);
  const symptom = unique('symptom');
  const symptomResponse = await w.t.app.inject({
    method: 'POST',
    url: '/symptoms',
    headers: user.auth,
    payload: { symptom, date: today() },
  });
  expect(symptomResponse.statusCode, symptomResponse.body).toBe(201);
  let riskId: string | undefined;
  if (options.sourceCaseId !== undefined) {
    riskId = randomUUID();
    const now = Date.now();
    await w.t.database.db
      .insertInto('exposure_risks')
      .values({
        id: riskId,
        interaction_id: location.id,
        case_id: options.sourceCaseId,
        risk_level: 0.42,
        exposure_date: today(),
        minutes: 30,
        weighted_minutes: 8.25,
        proximity_bucket: 'gps_10m',
        infectiousness: 'high',
        report_type: 'confirmed_test',
        model_version: 'v1',
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const proximityTokens = await fetchProximityTokens(w.t, user);
  return {
    user,
    name,
    contact,
    interactionIds,
    riskedInteractionId: location.id,
    riskId,
    venueId,
    peerToken,
    symptom,
    caseId,
    proximityTokens,
  };
}

function badHeadersFor(t: TestApp, admin: StaffUser): Record<BadCaller, string> {
  const secret = t.config.tokenSecret!;
  const claims = { sub: admin.id, role: 'admin' };
  const forged = createSigner({
    key: 'another-secret-another-secret-another-secret',
    algorithm: 'HS256',
    expiresIn: 600_000,
    iss: 'epitrace',
    aud: 'epitrace-staff',
  })(claims);
  const expired = createSigner({
    key: secret,
    algorithm: 'HS256',
    expiresIn: 60_000,
    iss: 'epitrace',
    aud: 'epitrace-staff',
    clockTimestamp: Date.now() - 3_600_000,
  })(claims);
  const wrongAudience = createSigner({
    key: secret,
    algorithm: 'HS256',
    expiresIn: 600_000,
    iss: 'epitrace',
    aud: 'someone-else',
  })(claims);
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: 'epitrace', aud: 'epitrace-staff', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
  const unknownStaff = new StaffTokens(secret, 600).issue({ sub: randomUUID(), role: 'admin' });
  return {
    'malformed header (Basic scheme)': `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
    'malformed header (Bearer without token)': 'Bearer ',
    'malformed header (two tokens)': `Bearer ${admin.token} ${admin.token}`,
    'ept_ token never issued': `Bearer ept_${Buffer.alloc(32, 7).toString('base64url')}`,
    'ept_ token of the wrong length': 'Bearer ept_abc',
    'JWT signed with another secret': `Bearer ${forged}`,
    'expired JWT': `Bearer ${expired}`,
    'JWT with alg none': `Bearer ${unsigned}`,
    'JWT with the wrong audience': `Bearer ${wrongAudience}`,
    'valid JWT of an unknown staff id': `Bearer ${unknownStaff}`,
  };
}

function headersOf(w: World, caller: Caller): Record<string, string> {
  switch (caller) {
    case 'anonymous':
      return {};
    case 'user:own':
    case 'user:other':
      return w.own.user.auth;
    case 'hp:manager':
      return w.hpManager.auth;
    case 'hp:other':
      return w.hpOther.auth;
    case 'authority':
      return w.authority.auth;
    case 'admin':
      return w.admin.auth;
    case 'lab':
      return w.lab.auth;
    default:
      return { authorization: w.badHeaders[caller] };
  }
}

/**
 * headersOf, with the app users a row chooses for "user:own" and "user:other" (e.g. a traced contact and a bystander).
 */
function headersAs(w: World, caller: Caller, users: { own: AppUser; other: AppUser }): Record<string, string> {
  if (caller === 'user:own') return users.own.auth;
  if (caller === 'user:other') return users.other.auth;
  return headersOf(w, caller);
}

const isGood = (caller: Caller): caller is GoodCaller => (GOOD_CALLERS as readonly string[]).includes(caller);
/** Whose data a request is about: the caller's own for "user:own", the victim's for everyone else. */
const subjectFor = (w: World, caller: Caller): Person => (caller === 'user:own' ? w.own : w.victim);

interface Prepared {
  readonly request: InjectOptions;
  /** The person whose data must not appear in the answer to a caller not entitled to it. */
  readonly subject: Subject;
  /** The caller is the subject (rows whose "user:own" is not w.own): their own data may come back. */
  readonly callerOwnsSubject?: boolean;
  /** Sends the request some other way than inject (a real SSE or WebSocket connection). */
  readonly send?: () => Promise<MatrixResponse>;
  /** The people an audited read is about, one audit row each (default: the victim); null: a read about no one. */
  readonly auditSubjects?: (response: MatrixResponse) => Array<string | null>;
  /**
   * An aggregate answer, about no one: whoever calls (every caller, any status), it contains nothing of
   * everyoneSecrets but `except` (what the route is meant to show, e.g. the places of an exposure site).
   * Replaces the subject check.
   */
  readonly namesNoOne?: { readonly except?: readonly string[] };
  readonly verify?: (response: MatrixResponse) => Promise<void> | void;
}

/** A route's status for each caller; a laboratory's may be left out (see expectedOf). */
type Expected = Record<Exclude<GoodCaller, 'lab'>, number> & { readonly lab?: number };

interface RouteSpec {
  readonly route: string;
  /** A laboratory's status, unless given: an anonymous caller's on public routes, otherwise 403 (see expectedOf). */
  readonly expected: Expected;
  /** Action recorded in audit_log when staff read the subject's data. */
  readonly auditAction?: string;
  prepare(w: World, caller: Caller): Promise<Prepared>;
}

/** A refresh token of a new sign-in of loginStaff (each cell spends or revokes its own). */
async function freshRefreshToken(w: World): Promise<string> {
  const response = await w.t.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: w.loginStaff.username, password: w.loginStaff.password },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ refresh_token: string }>().refresh_token;
}

const PUBLIC = (status: number): Record<GoodCaller, number> =>
  Object.fromEntries(GOOD_CALLERS.map((c) => [c, status])) as Record<GoodCaller, number>;
const STAFF_ONLY = (role: 'admin' | 'health_professional', status: number): Expected => ({
  anonymous: 401,
  'user:own': 403,
  'user:other': 403,
  'hp:manager': role === 'health_professional' ? status : 403,
  'hp:other': role === 'health_professional' ? status : 403,
  authority: 403,
  admin: role === 'admin' ? status : 403,
});
/** Reads of one person's data. */
const PERSONAL_READ: Expected = {
  anonymous: 401,
  'user:own': 200,
  'user:other': 403,
  'hp:manager': 200,
  'hp:other': 403,
  authority: 403,
  admin: 403,
};

/** Routes of some staff roles only (200 for them, 403 for the others and app users). */
const STAFF_ROLES = (
  status: number,
  roles: ReadonlyArray<'health_professional' | 'authority' | 'admin'>,
): Expected => ({
  anonymous: 401,
  'user:own': 403,
  'user:other': 403,
  'hp:manager': roles.includes('health_professional') ? status : 403,
  'hp:other': roles.includes('health_professional') ? status : 403,
  authority: roles.includes('authority') ? status : 403,
  admin: roles.includes('admin') ? status : 403,
});

/** A row id (a person's, a case's, a scan's...): aggregate answers carry only the ids of scans, clusters and alerts. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Routes of app users about their own things only: no staff account has any. */
const APP_USERS_ONLY = (own: number, other: number): Expected => ({
  anonymous: 401,
  'user:own': own,
  'user:other': other,
  'hp:manager': 403,
  'hp:other': 403,
  authority: 403,
  admin: 403,
});

const sharedPeople = new WeakMap<World, Map<string, Promise<Person>>>();
/** A person whose case hpManager manages, made once per world and label (for rows whose cells may share one). */
function sharedPerson(w: World, label: string): Promise<Person> {
  const people = sharedPeople.get(w) ?? new Map<string, Promise<Person>>();
  sharedPeople.set(w, people);
  if (!people.has(label)) people.set(label, freshPerson(w, label));
  return people.get(label)!;
}

/** The id of a seeded person's open case (a self-report opens one even when no professional confirmed it). */
async function caseIdOf(w: World, person: Person): Promise<string> {
  const row = await w.t.database.db
    .selectFrom('cases')
    .select('id')
    .where('user_id', '=', person.user.id)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A fresh person (for requests that change or delete data), whose case hpManager manages. */
async function freshPerson(w: World, label: string): Promise<Person> {
  return seedPerson(w, label, { managedCase: true });
}

const ROUTES: RouteSpec[] = [
  {
    route: 'POST /users',
    expected: PUBLIC(201),
    async prepare(w, caller) {
      return {
        request: {
          method: 'POST',
          url: '/users',
          headers: headersOf(w, caller),
          payload: { name: unique('Newcomer'), contact_info: 'new@example.org' },
        },
        subject: w.victim,
        verify: (response) => {
          expect(response.json()).toMatchObject({ contact_info: 'new@example.org' });
          expect(response.json().token).toMatch(/^ept_/);
        },
      };
    },
  },
  {
    route: 'GET /users/{id}',
    expected: PERSONAL_READ,
    auditAction: 'users.read',
    async prepare(w, caller) {
      const subject = subjectFor(w, caller);
      return {
        request: { method: 'GET', url: `/users/${subject.user.id}`, headers: headersOf(w, caller) },
        subject,
        verify: (response) =>
          expect(response.json()).toMatchObject({
            id: subject.user.id,
            name: subject.name,
            contact_info: subject.contact,
          }),
      };
    },
  },
  {
    route: 'DELETE /users/{id}',
    expected: {
      anonymous: 401,
      'user:own': 204,
      'user:other': 403,
      'hp:manager': 403,
      'hp:other': 403,
      authority: 403,
      admin: 204,
    },
    async prepare(w, caller) {
      const subject = await freshPerson(w, 'Erasable');
      // "Own data": the fresh person erases themselves.
      const headers = caller === 'user:own' ? subject.user.auth : headersOf(w, caller);
      return {
        request: { method: 'DELETE', url: `/users/${subject.user.id}`, headers },
        subject,
        verify: async (response) => {
          expect(response.body).toBe('');
          expect(
            await w.t.database.db.selectFrom('users').select('id').where('id', '=', subject.user.id).execute(),
          ).toEqual([]);
          expect(
            await w.t.database.db
              .selectFrom('interactions')
              .select('id')
              .where('user_id', '=', subject.user.id)
              .execute(),
          ).toEqual([]);
        },
      };
    },
  },
  {
    route: 'POST /auth/login',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: {
          method: 'POST',
          url: '/auth/login',
          headers: headersOf(w, caller),
          payload: { username: w.loginStaff.username, password: w.loginStaff.password },
        },
        subject: w.victim,
        verify: (response) =>
          expect(response.json()).toMatchObject({
            token_type: 'Bearer',
            staff_id: w.loginStaff.id,
            role: w.loginStaff.role,
          }),
      };
    },
  },
  {
    route: 'POST /auth/refresh',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      const refreshToken = await freshRefreshToken(w);
      return {
        request: {
          method: 'POST',
          url: '/auth/refresh',
          headers: headersOf(w, caller),
          payload: { refresh_token: refreshToken },
        },
        subject: w.victim,
        verify: (response) => {
          expect(response.json()).toMatchObject({
            token_type: 'Bearer',
            staff_id: w.loginStaff.id,
            role: w.loginStaff.role,
          });
          expect(response.json().refresh_token).not.toBe(refreshToken);
        },
      };
    },
  },
  {
    route: 'POST /auth/logout',
    expected: PUBLIC(204),
    async prepare(w, caller) {
      const refreshToken = await freshRefreshToken(w);
      return {
        request: {
          method: 'POST',
          url: '/auth/logout',
          headers: headersOf(w, caller),
          payload: { refresh_token: refreshToken },
        },
        subject: w.victim,
        verify: async (response) => {
          expect(response.body).toBe('');
          const again = await w.t.app.inject({
            method: 'POST',
            url: '/auth/refresh',
            payload: { refresh_token: refreshToken },
          });
          expect(again.statusCode).toBe(401);
        },
      };
    },
  },
  {
    route: 'POST /staff',
    expected: STAFF_ONLY('admin', 201),
    async prepare(w, caller) {
      const username = unique('matrix').toLowerCase();
      return {
        request: {
          method: 'POST',
          url: '/staff',
          headers: headersOf(w, caller),
          payload: { username, password: `long enough ${randomUUID()}`, role: 'authority' },
        },
        subject: w.victim,
        verify: (response) => {
          expect(response.json()).toMatchObject({ username, role: 'authority', disabled: false });
          expect(response.body).not.toContain('password');
        },
      };
    },
  },
  {
    route: 'GET /staff',
    expected: STAFF_ONLY('admin', 200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/staff', headers: headersOf(w, caller) },
        subject: w.victim,
        verify: (response) => {
          expect(response.json().staff.map((s: { id: string }) => s.id)).toEqual(
            expect.arrayContaining([w.hpManager.id, w.admin.id, w.authority.id]),
          );
          expect(response.body).not.toContain('scrypt');
        },
      };
    },
  },
  {
    route: 'POST /interactions',
    // Another person's data: re-using the victim's interaction id is a conflict that stores nothing and reveals
    // nothing.
    expected: {
      anonymous: 401,
      'user:own': 200,
      'user:other': 409,
      'hp:manager': 403,
      'hp:other': 403,
      authority: 403,
      admin: 403,
    },
    async prepare(w, caller) {
      const fresh = locationObservation();
      const items = caller === 'user:other' ? [fresh, checkinObservation({ id: w.victim.interactionIds[1] })] : [fresh];
      return {
        request: {
          method: 'POST',
          url: '/interactions',
          headers: headersOf(w, caller),
          payload: { interactions: items },
        },
        subject: w.victim,
        verify: (response) =>
          expect(response.json()).toMatchObject({
            created: 1,
            duplicates: 0,
            interactions: [{ id: fresh.id, user_id: w.own.user.id }],
          }),
      };
    },
  },
  {
    route: 'GET /interactions?user_id=',
    expected: PERSONAL_READ,
    auditAction: 'interactions.list',
    async prepare(w, caller) {
      const subject = subjectFor(w, caller);
      return {
        request: { method: 'GET', url: `/interactions?user_id=${subject.user.id}`, headers: headersOf(w, caller) },
        subject,
        verify: async (response) => {
          const listed = response.json<{ interactions: Array<{ id: string; user_id: string }> }>().interactions;
          // Everything the subject has stored (earlier cells may have uploaded more for the owner), and nothing else.
          const stored = await w.t.database.db
            .selectFrom('interactions')
            .select('id')
            .where('user_id', '=', subject.user.id)
            .execute();
          expect(listed.map((i) => i.id).sort()).toEqual(stored.map((r) => r.id).sort());
          expect(listed.map((i) => i.id)).toEqual(expect.arrayContaining(subject.interactionIds));
          expect(listed.every((i) => i.user_id === subject.user.id)).toBe(true);
        },
      };
    },
  },
  {
    route: 'POST /symptoms',
    expected: {
      anonymous: 401,
      'user:own': 201,
      'user:other': 403,
      'hp:manager': 403,
      'hp:other': 403,
      authority: 403,
      admin: 403,
    },
    async prepare(w, caller) {
      const subject = subjectFor(w, caller);
      const symptom = unique('cough');
      const payload =
        caller === 'user:own' || caller === 'user:other'
          ? { user_id: subject.user.id, symptom, date: today() }
          : { symptom, date: today() };
      return {
        request: { method: 'POST', url: '/symptoms', headers: headersOf(w, caller), payload },
        subject,
        verify: (response) => expect(response.json()).toMatchObject({ user_id: w.own.user.id, symptom, date: today() }),
      };
    },
  },
  {
    route: 'GET /exposure_risks?interaction_id=',
    expected: PERSONAL_READ,
    auditAction: 'exposure_risks.list',
    async prepare(w, caller) {
      const subject = subjectFor(w, caller);
      return {
        request: {
          method: 'GET',
          url: `/exposure_risks?interaction_id=${subject.riskedInteractionId}`,
          headers: headersOf(w, caller),
        },
        subject,
        verify: (response) => {
          expect(response.json()).toEqual({
            exposure_risks: [
              expect.objectContaining({
                id: subject.riskId,
                interaction_id: subject.riskedInteractionId,
                case_id: w.sourceCaseId,
                risk_level: 0.42,
                minutes: 30,
                weighted_minutes: 8.25,
                model_version: 'v1',
              }),
            ],
            next_cursor: null,
          });
        },
      };
    },
  },
  {
    route: 'POST /cases',
    expected: STAFF_ONLY('health_professional', 201),
    async prepare(w, caller) {
      // A fresh person each time, so confirming a case never changes who manages the shared subjects.
      const user = await registerUser(w.t.app, { name: unique('Patient'), contact_info: 'patient@example.org' });
      const staffId = caller === 'hp:manager' ? w.hpManager.id : w.hpOther.id;
      return {
        request: {
          method: 'POST',
          url: '/cases',
          headers: headersOf(w, caller),
          payload: { user_id: user.id, report_type: 'clinical_diagnosis', onset_date: today() },
        },
        subject: w.victim,
        verify: async (response) => {
          expect(response.json()).toMatchObject({
            user_id: user.id,
            report_type: 'clinical_diagnosis',
            managed_by: staffId,
          });
          const audit = await w.t.database.db
            .selectFrom('audit_log')
            .selectAll()
            .where('subject_user_id', '=', user.id)
            .execute();
          expect(audit).toEqual([
            expect.objectContaining({ actor_id: staffId, actor_role: 'health_professional', action: 'cases.confirm' }),
          ]);
        },
      };
    },
  },
  {
    route: 'GET /cases',
    // App users list their own cases (the request names no one: "another person's" must not come back).
    expected: { ...STAFF_ONLY('health_professional', 200), 'user:own': 200, 'user:other': 200 },
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/cases', headers: headersOf(w, caller) },
        subject: caller === 'user:own' ? w.own : w.victim,
        verify: (response) => {
          const cases = response.json<{ cases: Array<{ id: string; user_id: string; managed_by: string }> }>().cases;
          if (caller === 'user:own' || caller === 'user:other') {
            expect(cases.length).toBeGreaterThan(0);
            expect(cases.every((c) => c.user_id === w.own.user.id)).toBe(true);
            return;
          }
          const me = caller === 'hp:manager' ? w.hpManager.id : w.hpOther.id;
          expect(cases.every((c) => c.managed_by === me)).toBe(true);
          if (caller === 'hp:manager') expect(cases.map((c) => c.id)).toContain(w.victim.caseId);
          else expect(cases.map((c) => c.id)).not.toContain(w.victim.caseId);
        },
      };
    },
  },
  {
    route: 'GET /cases/{id}',
    // "Own data": the caller's own (self-reported) case; everyone else asks for the victim's, which hpManager manages.
    expected: PERSONAL_READ,
    auditAction: 'cases.read',
    async prepare(w, caller) {
      const subject = subjectFor(w, caller);
      const caseId = await caseIdOf(w, subject);
      return {
        request: { method: 'GET', url: `/cases/${caseId}`, headers: headersOf(w, caller) },
        subject,
        verify: (response) => expect(response.json()).toMatchObject({ id: caseId, user_id: subject.user.id }),
      };
    },
  },
  {
    route: 'PATCH /cases/{id}',
    // Only the managing professional corrects a case; its own person ("own data") may not.
    expected: { ...STAFF_ONLY('health_professional', 200), 'hp:other': 403 },
    auditAction: 'cases.correct',
    async prepare(w, caller) {
      // One person for every cell (only the manager's changes the case, the same way each time): few open cases.
      const subject = await sharedPerson(w, 'Corrected');
      const caseId = await caseIdOf(w, subject);
      const headers = caller === 'user:own' ? subject.user.auth : headersOf(w, caller);
      return {
        request: {
          method: 'PATCH',
          url: `/cases/${caseId}`,
          headers,
          payload: { test_date: dayOffset(-1), reason: 'matrix correction' },
        },
        subject,
        callerOwnsSubject: caller === 'user:own',
        auditSubjects: () => [subject.user.id],
        verify: (response) => expect(response.json()).toMatchObject({ id: caseId, test_date: dayOffset(-1) }),
      };
    },
  },
  {
    route: 'POST /cases/{id}/revoke',
    // "Own data": a person withdrawing their own unconfirmed self-report; everyone else tries a fresh person's
    // confirmed case, which hpManager manages (its own person may not revoke it: test/http/case-life-cycle.test.ts).
    expected: { ...STAFF_ONLY('health_professional', 200), 'user:own': 200, 'hp:other': 403 },
    auditAction: 'cases.revoke',
    async prepare(w, caller) {
      // The cells that revoke get a fresh person; those refused share one (few open cases).
      const subject =
        caller === 'user:own'
          ? await seedPerson(w, 'Withdrawing', { managedCase: false })
          : caller === 'hp:manager'
            ? await freshPerson(w, 'Revoked')
            : await sharedPerson(w, 'Unrevoked');
      const caseId = await caseIdOf(w, subject);
      const headers = caller === 'user:own' ? subject.user.auth : headersOf(w, caller);
      return {
        request: {
          method: 'POST',
          url: `/cases/${caseId}/revoke`,
          headers,
          payload: { reason: 'entered_in_error' },
        },
        subject,
        callerOwnsSubject: caller === 'user:own',
        auditSubjects: () => [subject.user.id],
        verify: (response) =>
          expect(response.json()).toMatchObject({ id: caseId, status: 'revoked', revoked_reason: 'entered_in_error' }),
      };
    },
  },
  {
    route: 'POST /verification_codes',
    expected: { ...STAFF_ONLY('health_professional', 201), lab: 201 },
    async prepare(w, caller) {
      const issuer = caller === 'lab' ? w.lab : caller === 'hp:other' ? w.hpOther : w.hpManager;
      return {
        request: {
          method: 'POST',
          url: '/verification_codes',
          headers: headersOf(w, caller),
          payload: { report_type: 'confirmed_test', test_date: today() },
        },
        subject: w.victim,
        // A code names no one: it is for whoever redeems it.
        namesNoOne: {},
        verify: async (response) => {
          const code = response.json<{ id: string; short_code: string; long_code: string }>();
          expect(code).toMatchObject({ report_type: 'confirmed_test', test_date: today(), onset_date: null });
          const row = await w.t.database.db
            .selectFrom('verification_codes')
            .selectAll()
            .where('id', '=', code.id)
            .executeTakeFirstOrThrow();
          expect(row).toMatchObject({ issued_by: issuer.id, issuer_role: issuer.role, used_at: null });
          const audit = await w.t.database.db
            .selectFrom('audit_log')
            .selectAll()
            .where('request_id', '=', String(response.headers['x-request-id']))
            .execute();
          expect(audit).toEqual([
            expect.objectContaining({ actor_id: issuer.id, action: 'verification_codes.issue', subject_user_id: null }),
          ]);
        },
      };
    },
  },
  {
    route: 'POST /cases/redeem',
    // Own: a person redeems the code they were given (a new case). Other: the code was given to, and redeemed by,
    // someone else (409, nothing written). Staff never redeem.
    expected: { ...APP_USERS_ONLY(201, 409), lab: 403 },
    async prepare(w, caller) {
      const issuedCode = await w.t.app.inject({
        method: 'POST',
        url: '/verification_codes',
        headers: w.hpManager.auth,
        payload: { report_type: 'confirmed_test', test_date: today() },
      });
      expect(issuedCode.statusCode, issuedCode.body).toBe(201);
      const code = issuedCode.json<{ short_code: string }>().short_code;
      const resident = await registerUser(w.t.app, { name: unique('Resident'), contact_info: 'resident@example.org' });
      if (caller === 'user:other') {
        const first = await w.t.app.inject({
          method: 'POST',
          url: '/cases/redeem',
          headers: resident.auth,
          payload: { code },
        });
        expect(first.statusCode, first.body).toBe(201);
      }
      return {
        request: {
          method: 'POST',
          url: '/cases/redeem',
          headers: caller === 'user:own' ? resident.auth : headersOf(w, caller),
          payload: { code },
        },
        subject: w.victim,
        verify: (response) =>
          expect(response.json()).toMatchObject({
            user_id: resident.id,
            report_type: 'confirmed_test',
            status: 'confirmed',
            managed_by: w.hpManager.id,
          }),
      };
    },
  },
  {
    route: 'GET /cases/{id}/contacts',
    // Only the professional managing the case; neither its own person ("own data") nor one of its contacts
    // ("another person's": the other contact's) may see who it exposed.
    expected: {
      anonymous: 401,
      'user:own': 403,
      'user:other': 403,
      'hp:manager': 200,
      'hp:other': 403,
      authority: 403,
      admin: 403,
    },
    auditAction: 'cases.contacts',
    async prepare(w, caller) {
      const { caseId, source, contact, bystander } = w.traced;
      return {
        request: {
          method: 'GET',
          url: `/cases/${caseId}/contacts`,
          headers: headersAs(w, caller, { own: source.user, other: contact.user }),
        },
        subject: caller === 'user:other' ? bystander : contact,
        // Every person listed is an audited read.
        auditSubjects: (response) =>
          response.json<{ contacts: Array<{ user_id: string }> }>().contacts.map((c) => c.user_id),
        verify: (response) => {
          const body = response.json<{
            case_id: string;
            traced_at: string | null;
            contacts: Array<{ user_id: string; risks: Array<{ exposure_risk_id: string; interaction_id: string }> }>;
          }>();
          expect(body.case_id).toBe(caseId);
          expect(body.traced_at).not.toBeNull();
          const people = [contact, bystander].sort((a, b) => a.user.id.localeCompare(b.user.id));
          expect([...body.contacts].sort((a, b) => a.user_id.localeCompare(b.user_id))).toEqual(
            people.map((person) =>
              expect.objectContaining({
                user_id: person.user.id,
                highest_tier: 'high',
                notified: true,
                days: [{ date: w.traced.exposureDate, tier: 'high', notified_tier: 'high' }],
                risks: [
                  expect.objectContaining({
                    exposure_risk_id: person.riskIds[0],
                    interaction_id: person.interactionIds[0],
                    contact_kind: 'gps',
                    report_type: 'confirmed_test',
                  }),
                ],
              }),
            ),
          );
        },
      };
    },
  },
  {
    route: 'GET /proximity_tokens',
    // Nobody is named in the request: every app user gets their own tokens, and "another person's data" (the
    // victim's tokens, issued for the same hours) must not come back.
    expected: APP_USERS_ONLY(200, 200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/proximity_tokens', headers: headersOf(w, caller) },
        subject: subjectFor(w, caller),
        verify: async (response) => {
          const tokens = response
            .json<{ interval_minutes: number; tokens: Array<{ token: string }> }>()
            .tokens.map((x) => x.token);
          expect(tokens).toHaveLength(96);
          // Every token returned is stored as the caller's: none is anyone else's.
          const owners = await w.t.database.db
            .selectFrom('proximity_tokens')
            .select(['token', 'user_id'])
            .where('token', 'in', tokens)
            .execute();
          expect(owners).toHaveLength(96);
          expect(new Set(owners.map((o) => o.user_id))).toEqual(new Set([w.own.user.id]));
          for (const other of [w.victim.proximityTokens, w.traced.contact.proximityTokens])
            expect(tokens.filter((tk) => other.includes(tk))).toEqual([]);
        },
      };
    },
  },
  {
    route: 'GET /notifications',
    // "Own data": the traced contact's notification; "another person's": a second contact, listing their own.
    expected: APP_USERS_ONLY(200, 200),
    async prepare(w, caller) {
      const { contact, bystander } = w.traced;
      return {
        request: {
          method: 'GET',
          url: '/notifications',
          headers: headersAs(w, caller, { own: contact.user, other: bystander.user }),
        },
        subject: contact,
        callerOwnsSubject: caller === 'user:own',
        verify: (response) => {
          const [me, them] = caller === 'user:own' ? [contact, bystander] : [bystander, contact];
          const page = response.json<{
            notifications: Array<{ id: string; body: string }>;
            next_cursor: string | null;
          }>();
          expect(page.notifications.map((n) => n.id)).toEqual(me.notificationIds);
          expect(page.notifications.map((n) => n.body)).toEqual(me.notificationBodies);
          expect(page.next_cursor).toBeNull();
          for (const secret of tracedSecrets(them)) expect(response.body).not.toContain(secret);
        },
      };
    },
  },
  {
    route: 'POST /notifications/{id}/ack',
    // Another person's notification: 403 (an unknown id is 404, see below).
    expected: APP_USERS_ONLY(200, 403),
    async prepare(w, caller) {
      const { contact, bystander } = w.traced;
      const id = contact.notificationIds[0]!;
      // Unacknowledged before every cell: the owner's acknowledgement is a first one, and a refused one would show.
      await w.t.database.db.updateTable('notifications').set({ acked_at: null }).where('id', '=', id).execute();
      const before = Date.now();
      return {
        request: {
          method: 'POST',
          url: `/notifications/${id}/ack`,
          headers: headersAs(w, caller, { own: contact.user, other: bystander.user }),
        },
        subject: contact,
        callerOwnsSubject: caller === 'user:own',
        verify: async (response) => {
          const acked = response.json<{ id: string; body: string; acked_at: string | null }>();
          expect(acked).toMatchObject({ id, body: contact.notificationBodies[0] });
          expect(Date.parse(acked.acked_at!)).toBeGreaterThanOrEqual(before);
          const stored = await w.t.database.db
            .selectFrom('notifications')
            .select('acked_at')
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          expect(Number(stored.acked_at)).toBe(Date.parse(acked.acked_at!));
          for (const secret of tracedSecrets(bystander)) expect(response.body).not.toContain(secret);
        },
      };
    },
  },
  {
    route: 'GET /notifications/stream',
    // Each app user's own stream; the other person's notifications never appear on it.
    expected: APP_USERS_ONLY(200, 200),
    async prepare(w, caller) {
      const { contact, bystander } = w.traced;
      const headers = headersAs(w, caller, { own: contact.user, other: bystander.user });
      const [me, them] = caller === 'user:own' ? [contact, bystander] : [bystander, contact];
      return {
        request: { method: 'GET', url: '/notifications/stream', headers },
        subject: contact,
        callerOwnsSubject: caller === 'user:own',
        send: () =>
          sseExchange(
            w.baseUrl,
            '/notifications/stream',
            headers,
            caller === 'user:own' || caller === 'user:other' ? me.notificationIds.length : 0,
          ),
        verify: (response) => {
          expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          const transcript = response.json<SseTranscript>();
          expect(transcript.retry).toBe(3000);
          expect(transcript.comments[0]).toBe('connected');
          const notifications = transcript.events.map((e) => ({
            event: e.event,
            id: e.id,
            data: JSON.parse(e.data) as { id: string; seq: number; body: string },
          }));
          expect(notifications.map((n) => n.data.id)).toEqual(me.notificationIds);
          expect(notifications.map((n) => n.data.body)).toEqual(me.notificationBodies);
          for (const n of notifications) expect(n).toMatchObject({ event: 'notification', id: String(n.data.seq) });
          for (const secret of tracedSecrets(them)) expect(response.body).not.toContain(secret);
        },
      };
    },
  },
  {
    route: 'GET /notifications/ws',
    // 101: the upgrade succeeds; then as the SSE stream.
    expected: APP_USERS_ONLY(101, 101),
    async prepare(w, caller) {
      const { contact, bystander } = w.traced;
      const headers = headersAs(w, caller, { own: contact.user, other: bystander.user });
      const [me, them] = caller === 'user:own' ? [contact, bystander] : [bystander, contact];
      return {
        request: { method: 'GET', url: '/notifications/ws', headers },
        subject: contact,
        callerOwnsSubject: caller === 'user:own',
        send: () => wsExchange(w.baseUrl, '/notifications/ws', headers),
        verify: (response) => {
          const messages =
            response.json<
              Array<{
                type: string;
                id?: number;
                event?: string;
                data?: { id: string; seq: number; body: string };
                last_event_id?: number | null;
              }>
            >();
          const events = messages.filter((m) => m.type === 'event');
          expect(events.map((m) => m.data!.id)).toEqual(me.notificationIds);
          expect(events.map((m) => m.data!.body)).toEqual(me.notificationBodies);
          for (const m of events) expect(m).toMatchObject({ event: 'notification', id: m.data!.seq });
          expect(messages.at(-1)).toEqual({ type: 'ready', last_event_id: events.at(-1)!.id });
          for (const secret of tracedSecrets(them)) expect(response.body).not.toContain(secret);
        },
      };
    },
  },
  {
    route: 'GET /exposure_risks/stream',
    // Each professional's own stream: the manager's carries the traced case's risk events, the other's none of them.
    // "Own data" is the traced contact the events are about; "another person's" the owner.
    expected: STAFF_ROLES(200, ['health_professional']),
    async prepare(w, caller) {
      const { caseId, contact, bystander } = w.traced;
      const headers = headersAs(w, caller, { own: contact.user, other: w.own.user });
      const staffId = caller === 'hp:other' ? w.hpOther.id : w.hpManager.id;
      const stored = await w.t.database.db
        .selectFrom('staff_events')
        .select(['seq', 'payload'])
        .where('staff_id', '=', staffId)
        .orderBy('seq')
        .execute();
      return {
        request: { method: 'GET', url: '/exposure_risks/stream', headers },
        subject: contact,
        send: () =>
          sseExchange(
            w.baseUrl,
            '/exposure_risks/stream',
            headers,
            caller === 'hp:manager' || caller === 'hp:other' ? stored.length : 0,
          ),
        verify: (response) => {
          expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          const transcript = response.json<SseTranscript>();
          expect(transcript.comments[0]).toBe('connected');
          const events = transcript.events.map((e) => ({
            event: e.event,
            id: e.id,
            data: JSON.parse(e.data) as {
              seq: number;
              case_id: string;
              contact_user_id: string;
              exposure_risk_id: string;
            },
          }));
          // Exactly what is stored for the caller, in order.
          expect(events.map((e) => e.data)).toEqual(stored.map((row) => JSON.parse(row.payload)));
          // (The manager's stream also tells of the cases other rows corrected or revoked: `case_changed` events.)
          for (const e of events)
            expect(e).toMatchObject({ event: (e.data as { type?: string }).type, id: String(e.data.seq) });
          const riskEvents = events.filter((e) => e.event === 'exposure_risk');
          if (caller === 'hp:manager') {
            expect(new Set(riskEvents.map((e) => e.data.case_id))).toEqual(new Set([caseId]));
            expect(riskEvents.map((e) => e.data.exposure_risk_id).sort()).toEqual(
              [...contact.riskIds, ...bystander.riskIds].sort(),
            );
            expect(new Set(riskEvents.map((e) => e.data.contact_user_id))).toEqual(
              new Set([contact.user.id, bystander.user.id]),
            );
          } else {
            expect(events).toEqual([]);
            for (const secret of [caseId, ...tracedSecrets(contact), ...tracedSecrets(bystander)])
              expect(response.body).not.toContain(secret);
          }
        },
      };
    },
  },
  {
    route: 'GET /analytics/summary',
    expected: STAFF_ROLES(200, ['health_professional', 'authority']),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/analytics/summary', headers: headersOf(w, caller) },
        subject: w.victim,
        namesNoOne: {},
        verify: (response) => {
          const body = response.json<{
            from: string;
            to: string;
            days: Array<{ date: string; cases: number }>;
            totals: { cases: number };
          }>();
          expect(body).toMatchObject({ from: dayOffset(-27), to: today(), time_zone: 'UTC' });
          expect(body.days.map((d) => d.date)).toEqual(Array.from({ length: 28 }, (_, i) => dayOffset(i - 27)));
          // The imported background, day by day; today also the burst (and the app's cases).
          for (let d = -13; d <= -1; d++)
            expect(body.days.find((x) => x.date === dayOffset(d))?.cases, dayOffset(d)).toBe(w.outbreak.casesPerDay);
          expect(body.days.at(-1)!.cases).toBeGreaterThanOrEqual(w.outbreak.casesPerDay + 10);
          expect(body.totals.cases).toBeGreaterThanOrEqual(14 * w.outbreak.casesPerDay + 10);
          expect(response.body.match(UUID)).toBeNull();
        },
      };
    },
  },
  {
    route: 'GET /analytics/rt?si_mean=2.6&si_sd=1.5',
    expected: STAFF_ROLES(200, ['health_professional', 'authority']),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/analytics/rt?si_mean=2.6&si_sd=1.5', headers: headersOf(w, caller) },
        subject: w.victim,
        namesNoOne: {},
        verify: (response) => {
          const body = response.json<{
            from: string | null;
            to: string;
            method: string;
            window: number;
            incidence: number[];
            estimates: Array<{ mean: number }>;
          }>();
          expect(body).toMatchObject({ to: today(), method: 'parametric_si', window: 7 });
          expect(body.from).not.toBeNull();
          expect(body.incidence.slice(-14, -1)).toEqual(Array.from({ length: 13 }, () => w.outbreak.casesPerDay));
          expect(body.estimates.length).toBeGreaterThan(0);
          for (const estimate of body.estimates) expect(Number.isFinite(estimate.mean)).toBe(true);
          expect(response.body.match(UUID)).toBeNull();
        },
      };
    },
  },
  {
    route: 'GET /analytics/public',
    // Anyone, even anonymous; a bad token is still refused.
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/analytics/public', headers: headersOf(w, caller) },
        subject: w.victim,
        namesNoOne: {},
        verify: (response) => {
          expect(response.headers['cache-control']).toBe('public, max-age=300');
          const body = response.json<{
            min_cases: number;
            from: string;
            to: string;
            days: Array<{ date: string; cases: number | null; suppressed: boolean }>;
            cells: Array<{ week_start: string; cell: string; cases: number }>;
          }>();
          expect(body).toMatchObject({ from: dayOffset(-28), to: dayOffset(-1) });
          for (let d = -13; d <= -1; d++)
            expect(
              body.days.find((x) => x.date === dayOffset(d)),
              dayOffset(d),
            ).toEqual({ date: dayOffset(d), cases: w.outbreak.casesPerDay, suppressed: false });
          // The last completed week: every background case, in cells of at least k.
          const sinceMonday = (new Date(`${today()}T00:00:00Z`).getUTCDay() + 6) % 7;
          const lastWeek = body.cells.filter((c) => c.week_start === dayOffset(-sinceMonday - 7));
          expect(lastWeek.reduce((sum, c) => sum + c.cases, 0)).toBe(7 * w.outbreak.casesPerDay);
          for (const cell of body.cells) expect(cell.cases).toBeGreaterThanOrEqual(body.min_cases);
          expect(response.body.match(UUID)).toBeNull();
        },
      };
    },
  },
  {
    route: 'POST /cases/import',
    // A small line list of old cases (before every period the other rows read), nothing personal in it.
    expected: STAFF_ROLES(200, ['authority']),
    async prepare(w, caller) {
      const cases = [
        { external_id: unique('matrix-import'), report_date: dayOffset(-41), onset_date: dayOffset(-43) },
        { external_id: unique('matrix-import'), report_date: dayOffset(-40), lat: -33.8688, lng: 151.2093 },
      ];
      return {
        request: { method: 'POST', url: '/cases/import', headers: headersOf(w, caller), payload: { cases } },
        subject: w.victim,
        namesNoOne: {},
        verify: async (response) => {
          expect(response.json()).toEqual({
            imported: 2,
            created: 2,
            updated: 0,
            first_report_date: dayOffset(-41),
            last_report_date: dayOffset(-40),
          });
          const stored = await w.t.database.db
            .selectFrom('line_list_cases')
            .selectAll()
            .where(
              'external_id',
              'in',
              cases.map((c) => c.external_id),
            )
            .orderBy('report_date')
            .execute();
          expect(stored).toEqual([
            expect.objectContaining({
              external_id: cases[0]!.external_id,
              report_date: dayOffset(-41),
              onset_date: dayOffset(-43),
              cell: null,
              imported_by: w.authority.id,
            }),
            expect.objectContaining({
              external_id: cases[1]!.external_id,
              report_date: dayOffset(-40),
              onset_date: null,
              lat: -33.8688,
              imported_by: w.authority.id,
            }),
          ]);
          expect(response.body.match(UUID)).toBeNull();
        },
      };
    },
  },
  {
    route: 'GET /zones',
    expected: STAFF_ROLES(200, ['health_professional', 'authority']),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/zones', headers: headersOf(w, caller) },
        subject: w.victim,
        namesNoOne: {},
        verify: async (response) => {
          const body = response.json<{
            scan: { id: string; total_cases: number } | null;
            clusters: Array<Record<string, unknown>>;
          }>();
          expect(body.scan).not.toBeNull();
          expect(body.scan!.total_cases).toBeGreaterThanOrEqual(14 * w.outbreak.casesPerDay + 10);
          expect(body.clusters[0]).toMatchObject({
            rank: 1,
            centre_cell: w.outbreak.centre,
            significant: true,
            cluster_id: w.outbreak.clusterId,
            alert_id: w.outbreak.alertId,
          });
          // The only identifiers are scans', clusters' and alerts'.
          const db = w.t.database.db;
          const known = new Set([
            ...(await db.selectFrom('zone_scans').select('id').execute()).map((r) => r.id),
            ...(await db.selectFrom('zone_clusters').select('id').execute()).map((r) => r.id),
            ...(await db.selectFrom('alerts').select('id').execute()).map((r) => r.id),
          ]);
          expect((response.body.match(UUID) ?? []).filter((id) => !known.has(id))).toEqual([]);
        },
      };
    },
  },
  {
    route: 'GET /zones/exposure_sites',
    expected: STAFF_ROLES(200, ['health_professional']),
    auditAction: 'zones.exposure_sites',
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/zones/exposure_sites', headers: headersOf(w, caller) },
        subject: w.victim,
        // Where an infectious case was is what the route shows (the check-in venues of the victim, a confirmed case,
        // and of the owner, a self-reported one since their symptom report): never who, nor which case.
        namesNoOne: { except: [w.victim.venueId, w.own.venueId] },
        // A read about no person: one audit row, of the caller, naming no one.
        auditSubjects: () => [null],
        verify: (response) => {
          const page = response.json<{ exposure_sites: Array<{ kind: string; place: string; cases: number }> }>();
          for (const person of [w.victim, w.own])
            expect(page.exposure_sites).toContainEqual(
              expect.objectContaining({ kind: 'venue', place: person.venueId, cases: 1 }),
            );
          expect(page.exposure_sites.every((site) => site.cases >= 1)).toBe(true);
          expect(response.body.match(UUID)).toBeNull();
        },
      };
    },
  },
  {
    route: 'GET /alerts',
    expected: STAFF_ROLES(200, ['authority']),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/alerts', headers: headersOf(w, caller) },
        subject: w.victim,
        namesNoOne: {},
        verify: async (response) => {
          const page = response.json<{
            alerts: Array<{
              id: string;
              seq: number;
              kind: string;
              webhooks: object;
              cluster: { id: string; centre_cell: string };
            }>;
            next_cursor: string | null;
          }>();
          const stored = await w.t.database.db
            .selectFrom('alerts')
            .select(['id', 'seq'])
            .orderBy('seq', 'desc')
            .execute();
          expect(page.alerts.map((a) => a.id)).toEqual(stored.map((r) => r.id));
          expect(page.next_cursor).toBeNull();
          expect(page.alerts).toContainEqual(
            expect.objectContaining({
              id: w.outbreak.alertId,
              kind: 'cluster',
              webhooks: { delivered: 0, pending: 0, failed: 0 },
              cluster: expect.objectContaining({ id: w.outbreak.clusterId, centre_cell: w.outbreak.centre }),
            }),
          );
          const db = w.t.database.db;
          const known = new Set([
            ...stored.map((r) => r.id),
            ...(await db.selectFrom('zone_clusters').select('id').execute()).map((r) => r.id),
            ...(await db.selectFrom('zone_scans').select('id').execute()).map((r) => r.id),
            w.outbreak.scanId,
          ]);
          expect((response.body.match(UUID) ?? []).filter((id) => !known.has(id))).toEqual([]);
        },
      };
    },
  },
  {
    route: 'GET /alerts/stream',
    expected: STAFF_ROLES(200, ['authority']),
    async prepare(w, caller) {
      const headers = headersOf(w, caller);
      const stored = await w.t.database.db
        .selectFrom('alerts')
        .select(['id', 'seq', 'payload'])
        .orderBy('seq')
        .execute();
      return {
        request: { method: 'GET', url: '/alerts/stream', headers },
        subject: w.victim,
        namesNoOne: {},
        send: () => sseExchange(w.baseUrl, '/alerts/stream', headers, caller === 'authority' ? stored.length : 0),
        verify: (response) => {
          expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          const transcript = response.json<SseTranscript>();
          expect(transcript.comments[0]).toBe('connected');
          // Every alert, from the first (Last-Event-ID: 0), in order; the outbreak's among them.
          expect(
            transcript.events.map((e) => ({ event: e.event, id: e.id, data: JSON.parse(e.data) as unknown })),
          ).toEqual(
            stored.map((row) => ({ event: 'alert', id: String(row.seq), data: JSON.parse(row.payload) as unknown })),
          );
          expect(stored.map((row) => row.id)).toContain(w.outbreak.alertId);
        },
      };
    },
  },
  {
    route: 'POST /venues',
    // Venue owners register from the app; professionals and admins on an owner's behalf; authorities see aggregates
    // only.
    expected: {
      anonymous: 401,
      'user:own': 201,
      'user:other': 201,
      'hp:manager': 201,
      'hp:other': 201,
      authority: 403,
      admin: 201,
    },
    async prepare(w, caller) {
      const name = unique('Venue');
      return {
        request: {
          method: 'POST',
          url: '/venues',
          headers: headersOf(w, caller),
          payload: { name, address: '1 Market Square' },
        },
        subject: w.victim,
        namesNoOne: {},
        verify: async (response) => {
          const venue = response.json<{ id: string; name: string }>();
          expect(venue).toMatchObject({
            id: expect.stringMatching(/^[0-9A-Z]{10}$/),
            name,
            address: '1 Market Square',
          });
          const row = await w.t.database.db
            .selectFrom('venues')
            .selectAll()
            .where('code', '=', venue.id)
            .executeTakeFirstOrThrow();
          const staffId =
            { 'hp:manager': w.hpManager.id, 'hp:other': w.hpOther.id, admin: w.admin.id }[caller as string] ?? null;
          expect(row).toMatchObject({ name, registered_by_staff: staffId });
        },
      };
    },
  },
  {
    route: 'GET /venues/{id}',
    expected: {
      ...STAFF_ROLES(200, ['health_professional', 'authority', 'admin']),
      'user:own': 200,
      'user:other': 200,
    },
    async prepare(w, caller) {
      const registered = await w.t.app.inject({
        method: 'POST',
        url: '/venues',
        headers: w.hpManager.auth,
        payload: { name: unique('Venue') },
      });
      expect(registered.statusCode, registered.body).toBe(201);
      const venue = registered.json<{ id: string }>();
      return {
        request: { method: 'GET', url: `/venues/${venue.id}`, headers: headersOf(w, caller) },
        subject: w.victim,
        namesNoOne: {},
        verify: (response) => expect(response.json()).toEqual(venue),
      };
    },
  },
  {
    route: 'GET /healthz',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/healthz', headers: headersOf(w, caller) },
        subject: w.victim,
        verify: (r) => expect(r.json()).toEqual({ status: 'ok' }),
      };
    },
  },
  {
    route: 'GET /readyz',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/readyz', headers: headersOf(w, caller) },
        subject: w.victim,
        verify: (r) => expect(r.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } }),
      };
    },
  },
  {
    route: 'GET /metrics',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/metrics', headers: headersOf(w, caller) },
        subject: w.victim,
        verify: (r) => {
          expect(String(r.headers['content-type'])).toMatch(/^text\/plain/);
          expect(r.body).toContain('epitrace_http_request_duration_seconds');
        },
      };
    },
  },
  {
    route: 'GET /openapi.json',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/openapi.json', headers: headersOf(w, caller) },
        subject: w.victim,
        verify: (r) => {
          expect(r.json().openapi).toBe('3.1.0');
          expect(Object.keys(r.json().paths)).toEqual(
            expect.arrayContaining(['/users', '/interactions', '/symptoms', '/exposure_risks']),
          );
        },
      };
    },
  },
  {
    route: 'GET /docs',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/docs', headers: headersOf(w, caller) },
        subject: w.victim,
        verify: (r) => expect(String(r.headers['content-type'])).toMatch(/^text\/html/),
      };
    },
  },
];

/**
 * Routes that appeared while this matrix was written; each needs rows above (then comes off this list).
 * Any other new route fails the coverage test.
 */
const NOT_YET_IN_MATRIX = new Set<string>([]);

/**
 * Row counts of the tables a request writes itself. Derived tables (exposure_risks, insights, notifications) are
 * left out: background tracing may fill them at any moment after an earlier cell's upload or confirmation. Issued
 * proximity tokens, acknowledgements and imported line-list cases, though, only ever come from a request.
 */
async function requestWrittenCounts(t: TestApp): Promise<Record<string, number>> {
  const { exposure_risks: _risks, epidemiological_insights: _insights, ...counts } = await tableCounts(t);
  const count = async (query: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) =>
    Number((await query.executeTakeFirstOrThrow()).n);
  const db = t.database.db;
  return {
    ...counts,
    proximity_tokens: await count(db.selectFrom('proximity_tokens').select((eb) => eb.fn.countAll<number>().as('n'))),
    acknowledged_notifications: await count(
      db
        .selectFrom('notifications')
        .where('acked_at', 'is not', null)
        .select((eb) => eb.fn.countAll<number>().as('n')),
    ),
    line_list_cases: await count(db.selectFrom('line_list_cases').select((eb) => eb.fn.countAll<number>().as('n'))),
    venues: await count(db.selectFrom('venues').select((eb) => eb.fn.countAll<number>().as('n'))),
  };
}

interface CellCase {
  readonly route: string;
  readonly caller: Caller;
  readonly label: string;
  readonly status: number;
}

/** A laboratory may do what anyone may, and issue verification codes: nothing else unless its row says so. */
function expectedOf(spec: RouteSpec, caller: GoodCaller): number {
  if (caller !== 'lab') return spec.expected[caller];
  return spec.expected.lab ?? (spec.expected.anonymous === 401 ? 403 : spec.expected.anonymous);
}

const CELLS: CellCase[] = ROUTES.flatMap((spec) => [
  ...GOOD_CALLERS.map((caller) => ({
    route: spec.route,
    caller,
    label: CALLER_LABELS[caller],
    status: expectedOf(spec, caller),
  })),
  ...BAD_CALLERS.map((caller) => ({ route: spec.route, caller, label: caller, status: 401 })),
]);

describe.each(testDialects())('authorization matrix on %s', (dialect) => {
  let w: World;

  beforeAll(async () => {
    // Generous limits: the matrix makes many registrations and logins from one address. The cluster scan runs when
    // the setup says so (not 5 s after each case a cell confirms or imports).
    const t = await buildTestApp(dialect, {
      RATE_LIMIT_MAX: '100000',
      AUTH_RATE_LIMIT_MAX: '100000',
      SCAN_DEBOUNCE_MS: '3600000',
    });
    const [hpManager, hpOther, authority, admin, loginStaff, lab] = await Promise.all([
      createStaff(t, 'health_professional'),
      createStaff(t, 'health_professional'),
      createStaff(t, 'authority'),
      createStaff(t, 'admin'),
      createStaff(t, 'authority'),
      createStaff(t, 'lab'),
    ]);
    const base = { t, hpManager };
    // The source of the seeded exposure risks: a case written directly, so no trace job ever re-traces it
    // (a re-trace is authoritative for its case and would remove risks it did not compute itself).
    const source = await registerUser(t.app, { name: unique('Source Name'), contact_info: 'source@example.org' });
    const sourceCaseId = randomUUID();
    await t.database.db
      .insertInto('cases')
      .values({
        id: sourceCaseId,
        user_id: source.id,
        report_type: 'confirmed_test',
        test_date: null,
        onset_date: today(),
        managed_by: hpManager.id,
        created_at: Date.now(),
      })
      .execute();
    const own = await seedPerson(base, 'Owner', { managedCase: false, sourceCaseId });
    const victim = await seedPerson(base, 'Victim', { managedCase: true, sourceCaseId });
    const traced = await seedTracedCase(t, hpManager);
    const outbreak = await seedOutbreak(t, authority);
    const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    w = {
      t,
      own,
      victim,
      hpManager,
      hpOther,
      authority,
      admin,
      lab,
      loginStaff,
      source,
      sourceCaseId,
      outbreak,
      traced,
      baseUrl,
      badHeaders: badHeadersFor(t, admin),
    };
  });
  afterAll(async () => {
    if (w) await closeListening(w.t);
  });

  it('covers every route the server exposes', () => {
    const documented = Object.keys(w.t.app.swagger().paths ?? {}).flatMap((path) =>
      Object.keys(w.t.app.swagger().paths![path]!).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = new Set(ROUTES.map((r) => r.route.split('?')[0]));
    for (const route of ROUTES.map((r) => r.route.split('?')[0]!)) {
      if (route !== 'GET /openapi.json' && route !== 'GET /docs')
        expect(documented, `${route} is not in the OpenAPI document`).toContain(route);
    }
    for (const route of documented) {
      if (NOT_YET_IN_MATRIX.has(route)) continue;
      expect(covered, `${route} has no row in the matrix`).toContain(route);
    }
  });

  it.each(CELLS)('$route as $label → $status', async ({ route, caller, status }) => {
    const spec = ROUTES.find((r) => r.route === route)!;
    const prepared = await spec.prepare(w, caller);
    const before = status >= 400 ? await requestWrittenCounts(w.t) : undefined;
    const audited = spec.auditAction !== undefined && status === 200;
    const auditBefore = audited
      ? new Set((await w.t.database.db.selectFrom('audit_log').select('id').execute()).map((r) => r.id))
      : new Set<string>();
    const response: MatrixResponse = prepared.send ? await prepared.send() : await w.t.app.inject(prepared.request);

    if (status >= 400) {
      // (A real-time answer has the problem's status, content type and body, all expectProblem reads.)
      expectProblem(response as LightMyRequestResponse, status);
      // A refused request changes nothing, not even the audit log.
      expect(await requestWrittenCounts(w.t)).toEqual(before);
    } else {
      expect(response.statusCode, response.body).toBe(status);
      await prepared.verify?.(response);
    }

    // No answer to a caller without a right to the subject's data contains any of it
    // (apart from what the caller sent in the request itself).
    if (
      prepared.namesNoOne === undefined &&
      isGood(caller) &&
      caller !== 'hp:manager' &&
      prepared.subject !== w.own &&
      prepared.callerOwnsSubject !== true
    ) {
      const requestText = `${prepared.request.url} ${JSON.stringify(prepared.request.payload ?? '')}`;
      for (const secret of secretsOf(prepared.subject).filter((s) => !requestText.includes(s))) {
        expect(response.body, `${route} answered ${caller} with the subject's ${secret}`).not.toContain(secret);
      }
    }
    // An aggregate answer names no one, whoever asks and whatever the answer.
    if (prepared.namesNoOne !== undefined) {
      const except = new Set(prepared.namesNoOne.except ?? []);
      for (const secret of everyoneSecrets(w).filter((s) => !except.has(s))) {
        expect(response.body, `${route} answered ${caller} with a seeded person's ${secret}`).not.toContain(secret);
      }
    }

    // Staff reads of a person's data are audited; a person's reads of their own data are not.
    if (audited) {
      const auditAfter = await w.t.database.db.selectFrom('audit_log').selectAll().execute();
      const added = auditAfter.filter((row) => !auditBefore.has(row.id));
      if (caller === 'user:own') {
        expect(added).toEqual([]);
      } else {
        const subjects = prepared.auditSubjects?.(response) ?? [w.victim.user.id];
        expect(subjects.length).toBeGreaterThan(0);
        // The staff member who read (only professionals are given audited reads: the manager, or for reads about no
        // person, any professional).
        const actor = caller === 'hp:other' ? w.hpOther : w.hpManager;
        expect(['hp:manager', 'hp:other']).toContain(caller);
        expect(added.sort((a, b) => String(a.subject_user_id).localeCompare(String(b.subject_user_id)))).toEqual(
          [...subjects].sort().map((subjectUserId) =>
            expect.objectContaining({
              actor_kind: 'staff',
              actor_id: actor.id,
              actor_role: 'health_professional',
              action: spec.auditAction,
              subject_user_id: subjectUserId,
              request_id: response.headers['x-request-id'],
            }),
          ),
        );
      }
    }
  });

  it('an admin erasure is audited, then unlinked from the erased person', async () => {
    const subject = await freshPerson(w, 'Audited');
    const response = await w.t.app.inject({
      method: 'DELETE',
      url: `/users/${subject.user.id}`,
      headers: w.admin.auth,
    });
    expect(response.statusCode).toBe(204);
    const rows = await w.t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('request_id', '=', String(response.headers['x-request-id']))
      .execute();
    expect(rows).toEqual([
      expect.objectContaining({
        actor_id: w.admin.id,
        actor_role: 'admin',
        action: 'users.erase',
        subject_user_id: null,
        subject_erased: 1,
      }),
    ]);
  });

  it('checks who is calling before it validates the input', async () => {
    const invalid: InjectOptions[] = [
      { method: 'GET', url: '/users/not-a-uuid' },
      { method: 'DELETE', url: '/users/not-a-uuid' },
      { method: 'POST', url: '/staff', payload: { username: 'X', extra: true } },
      { method: 'GET', url: '/staff?bogus=1' },
      { method: 'POST', url: '/interactions', payload: { interactions: [] } },
      { method: 'GET', url: '/interactions' },
      { method: 'GET', url: '/interactions?user_id=nope&limit=0' },
      { method: 'POST', url: '/symptoms', payload: { symptom: 42 } },
      { method: 'GET', url: '/exposure_risks?interaction_id=nope' },
      { method: 'POST', url: '/cases', payload: {} },
      { method: 'GET', url: '/cases?limit=-1' },
      { method: 'GET', url: '/cases/not-a-uuid/contacts' },
      { method: 'GET', url: '/cases/not-a-uuid' },
      { method: 'PATCH', url: '/cases/not-a-uuid', payload: { bogus: 1 } },
      { method: 'POST', url: '/cases/not-a-uuid/revoke', payload: {} },
      { method: 'POST', url: '/verification_codes', payload: { report_type: 'self_reported' } },
      { method: 'POST', url: '/cases/redeem', payload: {} },
      { method: 'GET', url: '/proximity_tokens?from=yesterday' },
      { method: 'GET', url: '/notifications?limit=0' },
      { method: 'POST', url: '/notifications/not-a-uuid/ack' },
      { method: 'GET', url: '/notifications/stream', headers: { 'last-event-id': 'abc' } },
      { method: 'GET', url: '/notifications/ws?last_event_id=abc' },
      { method: 'GET', url: '/exposure_risks/stream', headers: { 'last-event-id': 'abc' } },
      { method: 'GET', url: '/analytics/summary?user_id=x' },
      { method: 'GET', url: '/analytics/rt' },
      { method: 'POST', url: '/cases/import', payload: { cases: [] } },
      { method: 'GET', url: '/zones?radius=3' },
      { method: 'GET', url: '/zones/exposure_sites?limit=0' },
      { method: 'GET', url: '/alerts?limit=0' },
      { method: 'GET', url: '/alerts/stream', headers: { 'last-event-id': 'abc' } },
      { method: 'POST', url: '/venues', payload: {} },
      { method: 'GET', url: '/venues/not-a-code' },
    ];
    const before = await tableCounts(w.t);
    for (const request of invalid) {
      // Anonymous: 401 whatever the input, so validation messages never reach an unauthenticated caller.
      expectProblem(await w.t.app.inject(request), 401);
      expectProblem(
        await w.t.app.inject({
          ...request,
          headers: { ...request.headers, authorization: w.badHeaders['JWT signed with another secret'] },
        }),
        401,
      );
    }
    // A role that may not use a route is refused before its input is looked at.
    expectProblem(
      await w.t.app.inject({ method: 'POST', url: '/staff', headers: w.own.user.auth, payload: { username: 'X' } }),
      403,
    );
    expectProblem(await w.t.app.inject({ method: 'GET', url: '/cases?limit=-1', headers: w.authority.auth }), 403);
    expectProblem(
      await w.t.app.inject({
        method: 'POST',
        url: '/interactions',
        headers: w.hpManager.auth,
        payload: { interactions: [] },
      }),
      403,
    );
    expectProblem(await w.t.app.inject({ method: 'POST', url: '/cases', headers: w.own.user.auth, payload: {} }), 403);
    expectProblem(
      await w.t.app.inject({ method: 'POST', url: '/verification_codes', headers: w.authority.auth, payload: {} }),
      403,
    );
    expectProblem(
      await w.t.app.inject({ method: 'POST', url: '/cases/redeem', headers: w.lab.auth, payload: {} }),
      403,
    );
    expectProblem(
      await w.t.app.inject({ method: 'GET', url: '/cases/not-a-uuid/contacts', headers: w.traced.source.user.auth }),
      403,
    );
    expectProblem(
      await w.t.app.inject({ method: 'GET', url: '/proximity_tokens?from=yesterday', headers: w.authority.auth }),
      403,
    );
    expectProblem(await w.t.app.inject({ method: 'GET', url: '/notifications?limit=0', headers: w.admin.auth }), 403);
    expectProblem(
      await w.t.app.inject({ method: 'POST', url: '/notifications/not-a-uuid/ack', headers: w.hpManager.auth }),
      403,
    );
    expectProblem(
      await w.t.app.inject({ method: 'GET', url: '/notifications/ws?last_event_id=abc', headers: w.hpOther.auth }),
      403,
    );
    expectProblem(
      await w.t.app.inject({
        method: 'GET',
        url: '/exposure_risks/stream',
        headers: { ...w.authority.auth, 'last-event-id': 'abc' },
      }),
      403,
    );
    expectProblem(
      await w.t.app.inject({ method: 'GET', url: '/analytics/summary?user_id=x', headers: w.admin.auth }),
      403,
    );
    expectProblem(
      await w.t.app.inject({ method: 'POST', url: '/cases/import', headers: w.hpManager.auth, payload: { cases: [] } }),
      403,
    );
    expectProblem(await w.t.app.inject({ method: 'GET', url: '/zones?radius=3', headers: w.own.user.auth }), 403);
    expectProblem(
      await w.t.app.inject({ method: 'GET', url: '/zones/exposure_sites?limit=0', headers: w.authority.auth }),
      403,
    );
    expectProblem(await w.t.app.inject({ method: 'GET', url: '/alerts?limit=0', headers: w.hpManager.auth }), 403);
    expectProblem(
      await w.t.app.inject({
        method: 'GET',
        url: '/alerts/stream',
        headers: { ...w.admin.auth, 'last-event-id': 'abc' },
      }),
      403,
    );
    expectProblem(
      await w.t.app.inject({ method: 'POST', url: '/venues', headers: w.authority.auth, payload: {} }),
      403,
    );
    expect(await tableCounts(w.t)).toEqual(before);
  });

  it('ids are case-insensitive: an upper-case id reaches the same person and the same policy applies', async () => {
    const upper = w.victim.user.id.toUpperCase();
    const asManager = await w.t.app.inject({ method: 'GET', url: `/users/${upper}`, headers: w.hpManager.auth });
    expect(asManager.statusCode, asManager.body).toBe(200);
    expect(asManager.json()).toMatchObject({ id: w.victim.user.id, name: w.victim.name });
    const ownUpper = await w.t.app.inject({
      method: 'GET',
      url: `/interactions?user_id=${w.own.user.id.toUpperCase()}`,
      headers: w.own.user.auth,
    });
    expect(ownUpper.statusCode, ownUpper.body).toBe(200);
    const stored = await w.t.database.db
      .selectFrom('interactions')
      .select('id')
      .where('user_id', '=', w.own.user.id)
      .execute();
    expect(
      ownUpper
        .json()
        .interactions.map((i: { id: string }) => i.id)
        .sort(),
    ).toEqual(stored.map((r) => r.id).sort());
    expect(stored.length).toBeGreaterThanOrEqual(w.own.interactionIds.length);
    for (const [url, headers] of [
      [`/users/${upper}`, w.own.user.auth],
      [`/users/${upper}`, w.hpOther.auth],
      [`/interactions?user_id=${upper}`, w.authority.auth],
      [`/exposure_risks?interaction_id=${w.victim.riskedInteractionId.toUpperCase()}`, w.own.user.auth],
    ] as const) {
      const denied = await w.t.app.inject({ method: 'GET', url, headers });
      expectProblem(denied, 403);
      expect(denied.body).not.toContain(w.victim.name);
    }
    const notificationId = w.traced.contact.notificationIds[0]!.toUpperCase();
    const ownAck = await w.t.app.inject({
      method: 'POST',
      url: `/notifications/${notificationId}/ack`,
      headers: w.traced.contact.user.auth,
    });
    expect(ownAck.statusCode, ownAck.body).toBe(200);
    expect(ownAck.json()).toMatchObject({ id: w.traced.contact.notificationIds[0] });
    const otherAck = await w.t.app.inject({
      method: 'POST',
      url: `/notifications/${notificationId}/ack`,
      headers: w.traced.bystander.user.auth,
    });
    expectProblem(otherAck, 403);
    for (const secret of tracedSecrets(w.traced.contact)) expect(otherAck.body).not.toContain(secret);
  });

  it('an unknown case or notification is 404 to the callers who may use the route, and nothing is written', async () => {
    const unknown = randomUUID();
    const before = await requestWrittenCounts(w.t);
    for (const professional of [w.hpManager, w.hpOther]) {
      expectProblem(
        await w.t.app.inject({ method: 'GET', url: `/cases/${unknown}/contacts`, headers: professional.auth }),
        404,
      );
    }
    for (const person of [w.traced.contact, w.traced.bystander]) {
      expectProblem(
        await w.t.app.inject({ method: 'POST', url: `/notifications/${unknown}/ack`, headers: person.user.auth }),
        404,
      );
    }
    // The roles that may not use a route are refused before anything is looked up.
    for (const headers of [w.traced.source.user.auth, w.authority.auth, w.admin.auth]) {
      expectProblem(await w.t.app.inject({ method: 'GET', url: `/cases/${unknown}/contacts`, headers }), 403);
    }
    for (const staff of [w.hpManager, w.authority, w.admin]) {
      expectProblem(
        await w.t.app.inject({ method: 'POST', url: `/notifications/${unknown}/ack`, headers: staff.auth }),
        403,
      );
    }
    expectProblem(await w.t.app.inject({ method: 'GET', url: `/cases/${unknown}/contacts` }), 401);
    expectProblem(await w.t.app.inject({ method: 'POST', url: `/notifications/${unknown}/ack` }), 401);
    expect(await requestWrittenCounts(w.t)).toEqual(before);
  });
});

describe.each(testDialects())('rate limits and bad tokens on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('requests with a bad token count against the address like anonymous ones', async () => {
    // Otherwise token guessing would be the one unlimited thing a client can do.
    const bad = { authorization: `Bearer ept_${Buffer.alloc(32, 9).toString('base64url')}` };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await t.app.inject({ method: 'GET', url: '/staff', headers: bad })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expectProblem(await t.app.inject({ method: 'GET', url: '/staff' }), 429);
  });
});
