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
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Every route × every kind of caller → the status the access policy prescribes (DESIGN.md, "Privacy and security"):
 * users see their own data only; health professionals read the people whose cases they manage (audited);
 * authorities never see a person; admins manage staff and erase on request; a bad token is refused everywhere.
 */

const GOOD_CALLERS = ['anonymous', 'user:own', 'user:other', 'hp:manager', 'hp:other', 'authority', 'admin'] as const;
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
}

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
  /** Staff account whose credentials POST /auth/login is called with. */
  readonly loginStaff: StaffUser;
  readonly sourceCaseId: string;
  readonly badHeaders: Record<BadCaller, string>;
}

const today = () => new Date().toISOString().slice(0, 10);
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

function secretsOf(person: Person): string[] {
  return [
    person.name,
    person.contact,
    person.venueId,
    person.peerToken,
    person.symptom,
    ...person.interactionIds,
    ...(person.riskId ? [person.riskId] : []),
    ...(person.caseId ? [person.caseId] : []),
  ];
}

async function seedPerson(w: { t: TestApp; hpManager: StaffUser }, label: string, options: { managedCase: boolean; sourceCaseId?: string }): Promise<Person> {
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
    const confirmed = await w.t.app.inject({ method: 'POST', url: '/cases', headers: w.hpManager.auth, payload: { user_id: user.id, report_type: 'confirmed_test', onset_date: today() } });
    expect(confirmed.statusCode, confirmed.body).toBe(201);
    caseId = confirmed.json<{ id: string }>().id;
  }
  const upload = await w.t.app.inject({
    method: 'POST',
    url: '/interactions',
    headers: user.auth,
    payload: { interactions: [location, checkinObservation({ venue_id: venueId }), proximityObservation({ peer_token: peerToken })] },
  });
  expect(upload.statusCode, upload.body).toBe(200);
  const interactionIds = upload.json<{ interactions: Array<{ id: string }> }>().interactions.map((i) => i.id);
  const symptom = unique('symptom');
  const symptomResponse = await w.t.app.inject({ method: 'POST', url: '/symptoms', headers: user.auth, payload: { symptom, date: today() } });
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
  return { user, name, contact, interactionIds, riskedInteractionId: location.id, riskId, venueId, peerToken, symptom, caseId };
}

function badHeadersFor(t: TestApp, admin: StaffUser): Record<BadCaller, string> {
  const secret = t.config.tokenSecret!;
  const claims = { sub: admin.id, role: 'admin' };
  const forged = createSigner({ key: 'another-secret-another-secret-another-secret', algorithm: 'HS256', expiresIn: 600_000, iss: 'epitrace', aud: 'epitrace-staff' })(claims);
  const expired = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 60_000, iss: 'epitrace', aud: 'epitrace-staff', clockTimestamp: Date.now() - 3_600_000 })(claims);
  const wrongAudience = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 600_000, iss: 'epitrace', aud: 'someone-else' })(claims);
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
    default:
      return { authorization: w.badHeaders[caller] };
  }
}

const isGood = (caller: Caller): caller is GoodCaller => (GOOD_CALLERS as readonly string[]).includes(caller);
/** Whose data a request is about: the caller's own for "user:own", the victim's for everyone else. */
const subjectFor = (w: World, caller: Caller): Person => (caller === 'user:own' ? w.own : w.victim);

interface Prepared {
  readonly request: InjectOptions;
  /** The person whose data must not appear in the answer to a caller not entitled to it. */
  readonly subject: Person;
  readonly verify?: (response: LightMyRequestResponse) => Promise<void> | void;
}

interface RouteSpec {
  readonly route: string;
  readonly expected: Record<GoodCaller, number>;
  /** Action recorded in audit_log when staff read the subject's data. */
  readonly auditAction?: string;
  prepare(w: World, caller: Caller): Promise<Prepared>;
}

const PUBLIC = (status: number): Record<GoodCaller, number> => Object.fromEntries(GOOD_CALLERS.map((c) => [c, status])) as Record<GoodCaller, number>;
const STAFF_ONLY = (role: 'admin' | 'health_professional', status: number): Record<GoodCaller, number> => ({
  anonymous: 401,
  'user:own': 403,
  'user:other': 403,
  'hp:manager': role === 'health_professional' ? status : 403,
  'hp:other': role === 'health_professional' ? status : 403,
  authority: 403,
  admin: role === 'admin' ? status : 403,
});
/** Reads of one person's data. */
const PERSONAL_READ: Record<GoodCaller, number> = {
  anonymous: 401,
  'user:own': 200,
  'user:other': 403,
  'hp:manager': 200,
  'hp:other': 403,
  authority: 403,
  admin: 403,
};

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
        request: { method: 'POST', url: '/users', headers: headersOf(w, caller), payload: { name: unique('Newcomer'), contact_info: 'new@example.org' } },
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
        verify: (response) => expect(response.json()).toMatchObject({ id: subject.user.id, name: subject.name, contact_info: subject.contact }),
      };
    },
  },
  {
    route: 'DELETE /users/{id}',
    expected: { anonymous: 401, 'user:own': 204, 'user:other': 403, 'hp:manager': 403, 'hp:other': 403, authority: 403, admin: 204 },
    async prepare(w, caller) {
      const subject = await freshPerson(w, 'Erasable');
      // "Own data": the fresh person erases themselves.
      const headers = caller === 'user:own' ? subject.user.auth : headersOf(w, caller);
      return {
        request: { method: 'DELETE', url: `/users/${subject.user.id}`, headers },
        subject,
        verify: async (response) => {
          expect(response.body).toBe('');
          expect(await w.t.database.db.selectFrom('users').select('id').where('id', '=', subject.user.id).execute()).toEqual([]);
          expect(await w.t.database.db.selectFrom('interactions').select('id').where('user_id', '=', subject.user.id).execute()).toEqual([]);
        },
      };
    },
  },
  {
    route: 'POST /auth/login',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return {
        request: { method: 'POST', url: '/auth/login', headers: headersOf(w, caller), payload: { username: w.loginStaff.username, password: w.loginStaff.password } },
        subject: w.victim,
        verify: (response) => expect(response.json()).toMatchObject({ token_type: 'Bearer', staff_id: w.loginStaff.id, role: w.loginStaff.role }),
      };
    },
  },
  {
    route: 'POST /staff',
    expected: STAFF_ONLY('admin', 201),
    async prepare(w, caller) {
      const username = unique('matrix').toLowerCase();
      return {
        request: { method: 'POST', url: '/staff', headers: headersOf(w, caller), payload: { username, password: `long enough ${randomUUID()}`, role: 'authority' } },
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
          expect(response.json().staff.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([w.hpManager.id, w.admin.id, w.authority.id]));
          expect(response.body).not.toContain('scrypt');
        },
      };
    },
  },
  {
    route: 'POST /interactions',
    // Another person's data: re-using the victim's interaction id is a conflict that stores nothing and reveals nothing.
    expected: { anonymous: 401, 'user:own': 200, 'user:other': 409, 'hp:manager': 403, 'hp:other': 403, authority: 403, admin: 403 },
    async prepare(w, caller) {
      const fresh = locationObservation();
      const items = caller === 'user:other' ? [fresh, checkinObservation({ id: w.victim.interactionIds[1] })] : [fresh];
      return {
        request: { method: 'POST', url: '/interactions', headers: headersOf(w, caller), payload: { interactions: items } },
        subject: w.victim,
        verify: (response) => expect(response.json()).toMatchObject({ created: 1, duplicates: 0, interactions: [{ id: fresh.id, user_id: w.own.user.id }] }),
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
          const stored = await w.t.database.db.selectFrom('interactions').select('id').where('user_id', '=', subject.user.id).execute();
          expect(listed.map((i) => i.id).sort()).toEqual(stored.map((r) => r.id).sort());
          expect(listed.map((i) => i.id)).toEqual(expect.arrayContaining(subject.interactionIds));
          expect(listed.every((i) => i.user_id === subject.user.id)).toBe(true);
        },
      };
    },
  },
  {
    route: 'POST /symptoms',
    expected: { anonymous: 401, 'user:own': 201, 'user:other': 403, 'hp:manager': 403, 'hp:other': 403, authority: 403, admin: 403 },
    async prepare(w, caller) {
      const subject = subjectFor(w, caller);
      const symptom = unique('cough');
      const payload = caller === 'user:own' || caller === 'user:other' ? { user_id: subject.user.id, symptom, date: today() } : { symptom, date: today() };
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
        request: { method: 'GET', url: `/exposure_risks?interaction_id=${subject.riskedInteractionId}`, headers: headersOf(w, caller) },
        subject,
        verify: (response) => {
          expect(response.json()).toEqual({
            exposure_risks: [
              expect.objectContaining({ id: subject.riskId, interaction_id: subject.riskedInteractionId, case_id: w.sourceCaseId, risk_level: 0.42, minutes: 30, weighted_minutes: 8.25, model_version: 'v1' }),
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
        request: { method: 'POST', url: '/cases', headers: headersOf(w, caller), payload: { user_id: user.id, report_type: 'clinical_diagnosis', onset_date: today() } },
        subject: w.victim,
        verify: async (response) => {
          expect(response.json()).toMatchObject({ user_id: user.id, report_type: 'clinical_diagnosis', managed_by: staffId });
          const audit = await w.t.database.db.selectFrom('audit_log').selectAll().where('subject_user_id', '=', user.id).execute();
          expect(audit).toEqual([expect.objectContaining({ actor_id: staffId, actor_role: 'health_professional', action: 'cases.confirm' })]);
        },
      };
    },
  },
  {
    route: 'GET /cases',
    expected: STAFF_ONLY('health_professional', 200),
    async prepare(w, caller) {
      return {
        request: { method: 'GET', url: '/cases', headers: headersOf(w, caller) },
        subject: w.victim,
        verify: (response) => {
          const cases = response.json<{ cases: Array<{ id: string; managed_by: string }> }>().cases;
          const me = caller === 'hp:manager' ? w.hpManager.id : w.hpOther.id;
          expect(cases.every((c) => c.managed_by === me)).toBe(true);
          if (caller === 'hp:manager') expect(cases.map((c) => c.id)).toContain(w.victim.caseId);
          else expect(cases.map((c) => c.id)).not.toContain(w.victim.caseId);
        },
      };
    },
  },
  {
    route: 'GET /healthz',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return { request: { method: 'GET', url: '/healthz', headers: headersOf(w, caller) }, subject: w.victim, verify: (r) => expect(r.json()).toEqual({ status: 'ok' }) };
    },
  },
  {
    route: 'GET /readyz',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return { request: { method: 'GET', url: '/readyz', headers: headersOf(w, caller) }, subject: w.victim, verify: (r) => expect(r.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } }) };
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
          expect(Object.keys(r.json().paths)).toEqual(expect.arrayContaining(['/users', '/interactions', '/symptoms', '/exposure_risks']));
        },
      };
    },
  },
  {
    route: 'GET /docs',
    expected: PUBLIC(200),
    async prepare(w, caller) {
      return { request: { method: 'GET', url: '/docs', headers: headersOf(w, caller) }, subject: w.victim, verify: (r) => expect(String(r.headers['content-type'])).toMatch(/^text\/html/) };
    },
  },
];

/**
 * Routes that appeared while this matrix was written; each needs rows above (then comes off this list).
 * Any other new route fails the coverage test.
 */
const NOT_YET_IN_MATRIX = new Set([
  'GET /proximity_tokens',
  'GET /notifications',
  'POST /notifications/{id}/ack',
  'GET /notifications/stream',
  'GET /notifications/ws',
  'GET /cases/{id}/contacts',
]);

/**
 * Row counts of the tables a request writes itself. Derived tables (exposure_risks, insights) are left out:
 * background tracing may fill them at any moment after an earlier cell's upload or confirmation.
 */
async function requestWrittenCounts(t: TestApp): Promise<Record<string, number>> {
  const { exposure_risks: _risks, epidemiological_insights: _insights, ...counts } = await tableCounts(t);
  return counts;
}

interface CellCase {
  readonly route: string;
  readonly caller: Caller;
  readonly label: string;
  readonly status: number;
}

const CELLS: CellCase[] = ROUTES.flatMap((spec) => [
  ...GOOD_CALLERS.map((caller) => ({ route: spec.route, caller, label: CALLER_LABELS[caller], status: spec.expected[caller] })),
  ...BAD_CALLERS.map((caller) => ({ route: spec.route, caller, label: caller, status: 401 })),
]);

describe.each(testDialects())('authorization matrix on %s', (dialect) => {
  let w: World;

  beforeAll(async () => {
    // Generous limits: the matrix makes many registrations and logins from one address.
    const t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
    const [hpManager, hpOther, authority, admin, loginStaff] = await Promise.all([
      createStaff(t, 'health_professional'),
      createStaff(t, 'health_professional'),
      createStaff(t, 'authority'),
      createStaff(t, 'admin'),
      createStaff(t, 'authority'),
    ]);
    const base = { t, hpManager };
    // The source of the seeded exposure risks: a case written directly, so no trace job ever re-traces it
    // (a re-trace is authoritative for its case and would remove risks it did not compute itself).
    const source = await registerUser(t.app, { name: unique('Source Name'), contact_info: 'source@example.org' });
    const sourceCaseId = randomUUID();
    await t.database.db
      .insertInto('cases')
      .values({ id: sourceCaseId, user_id: source.id, report_type: 'confirmed_test', test_date: null, onset_date: today(), managed_by: hpManager.id, created_at: Date.now() })
      .execute();
    const own = await seedPerson(base, 'Owner', { managedCase: false, sourceCaseId });
    const victim = await seedPerson(base, 'Victim', { managedCase: true, sourceCaseId });
    w = { t, own, victim, hpManager, hpOther, authority, admin, loginStaff, sourceCaseId, badHeaders: badHeadersFor(t, admin) };
  });
  afterAll(async () => {
    await w?.t.close();
  });

  it('covers every route the server exposes', () => {
    const documented = Object.keys(w.t.app.swagger().paths ?? {}).flatMap((path) =>
      Object.keys(w.t.app.swagger().paths![path]!).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = new Set(ROUTES.map((r) => r.route.split('?')[0]));
    for (const route of ROUTES.map((r) => r.route.split('?')[0]!)) {
      if (route !== 'GET /openapi.json' && route !== 'GET /docs') expect(documented, `${route} is not in the OpenAPI document`).toContain(route);
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
    const auditBefore = audited ? new Set((await w.t.database.db.selectFrom('audit_log').select('id').execute()).map((r) => r.id)) : new Set<string>();
    const response = await w.t.app.inject(prepared.request);

    if (status >= 400) {
      expectProblem(response, status);
      // A refused request changes nothing, not even the audit log.
      expect(await requestWrittenCounts(w.t)).toEqual(before);
    } else {
      expect(response.statusCode, response.body).toBe(status);
      await prepared.verify?.(response);
    }

    // No answer to a caller without a right to the subject's data contains any of it
    // (apart from what the caller sent in the request itself).
    if (isGood(caller) && caller !== 'hp:manager' && prepared.subject !== w.own) {
      const requestText = `${prepared.request.url} ${JSON.stringify(prepared.request.payload ?? '')}`;
      for (const secret of secretsOf(prepared.subject).filter((s) => !requestText.includes(s))) {
        expect(response.body, `${route} answered ${caller} with the subject's ${secret}`).not.toContain(secret);
      }
    }

    // Staff reads of a person's data are audited; a person's reads of their own data are not.
    if (audited) {
      const auditAfter = await w.t.database.db.selectFrom('audit_log').selectAll().execute();
      const added = auditAfter.filter((row) => !auditBefore.has(row.id));
      if (caller === 'user:own') {
        expect(added).toEqual([]);
      } else {
        expect(added).toEqual([
          expect.objectContaining({
            actor_kind: 'staff',
            actor_id: w.hpManager.id,
            actor_role: 'health_professional',
            action: spec.auditAction,
            subject_user_id: w.victim.user.id,
            request_id: response.headers['x-request-id'],
          }),
        ]);
      }
    }
  });

  it('an admin erasure is audited, then unlinked from the erased person', async () => {
    const subject = await freshPerson(w, 'Audited');
    const response = await w.t.app.inject({ method: 'DELETE', url: `/users/${subject.user.id}`, headers: w.admin.auth });
    expect(response.statusCode).toBe(204);
    const rows = await w.t.database.db.selectFrom('audit_log').selectAll().where('request_id', '=', String(response.headers['x-request-id'])).execute();
    expect(rows).toEqual([expect.objectContaining({ actor_id: w.admin.id, actor_role: 'admin', action: 'users.erase', subject_user_id: null, subject_erased: 1 })]);
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
    ];
    const before = await tableCounts(w.t);
    for (const request of invalid) {
      // Anonymous: 401 whatever the input, so validation messages never reach an unauthenticated caller.
      expectProblem(await w.t.app.inject(request), 401);
      expectProblem(await w.t.app.inject({ ...request, headers: { authorization: w.badHeaders['JWT signed with another secret'] } }), 401);
    }
    // A role that may not use a route is refused before its input is looked at.
    expectProblem(await w.t.app.inject({ method: 'POST', url: '/staff', headers: w.own.user.auth, payload: { username: 'X' } }), 403);
    expectProblem(await w.t.app.inject({ method: 'GET', url: '/cases?limit=-1', headers: w.authority.auth }), 403);
    expectProblem(await w.t.app.inject({ method: 'POST', url: '/interactions', headers: w.hpManager.auth, payload: { interactions: [] } }), 403);
    expectProblem(await w.t.app.inject({ method: 'POST', url: '/cases', headers: w.own.user.auth, payload: {} }), 403);
    expect(await tableCounts(w.t)).toEqual(before);
  });

  it('ids are case-insensitive: an upper-case id reaches the same person and the same policy applies', async () => {
    const upper = w.victim.user.id.toUpperCase();
    const asManager = await w.t.app.inject({ method: 'GET', url: `/users/${upper}`, headers: w.hpManager.auth });
    expect(asManager.statusCode, asManager.body).toBe(200);
    expect(asManager.json()).toMatchObject({ id: w.victim.user.id, name: w.victim.name });
    const ownUpper = await w.t.app.inject({ method: 'GET', url: `/interactions?user_id=${w.own.user.id.toUpperCase()}`, headers: w.own.user.auth });
    expect(ownUpper.statusCode, ownUpper.body).toBe(200);
    const stored = await w.t.database.db.selectFrom('interactions').select('id').where('user_id', '=', w.own.user.id).execute();
    expect(ownUpper.json().interactions.map((i: { id: string }) => i.id).sort()).toEqual(stored.map((r) => r.id).sort());
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
    for (let i = 0; i < 5; i++) statuses.push((await t.app.inject({ method: 'GET', url: '/staff', headers: bad })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expectProblem(await t.app.inject({ method: 'GET', url: '/staff' }), 429);
  });
});
