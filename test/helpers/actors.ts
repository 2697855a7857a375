import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../../src/platform/crypto/passwords.js';
import type { StaffRole } from '../../src/platform/db/tables.js';
import type { TestApp } from './test-app.js';

export interface AppUser {
  readonly id: string;
  readonly token: string;
  readonly auth: { authorization: string };
}

export interface StaffUser {
  readonly id: string;
  readonly role: StaffRole;
  readonly username: string;
  readonly password: string;
  readonly token: string;
  readonly auth: { authorization: string };
}

export async function registerUser(
  app: FastifyInstance,
  body: Record<string, unknown> = { name: 'Test Person', contact_info: 'test@example.org' },
): Promise<AppUser> {
  const response = await app.inject({ method: 'POST', url: '/users', payload: body });
  if (response.statusCode !== 201) throw new Error(`registration failed: ${response.statusCode} ${response.body}`);
  const { id, token } = response.json<{ id: string; token: string }>();
  return { id, token, auth: { authorization: `Bearer ${token}` } };
}

/** Creates a staff account directly in the database, then logs in over HTTP like a person would. */
export async function createStaff(
  t: TestApp,
  role: StaffRole,
  username = `${role.replaceAll('_', '-')}-${randomUUID().slice(0, 8)}`,
): Promise<StaffUser> {
  const password = `correct horse ${randomUUID()}`;
  const id = randomUUID();
  await t.database.db
    .insertInto('staff')
    .values({ id, username, password_hash: await hashPassword(password), role, created_at: Date.now() })
    .execute();
  const response = await t.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  const token = response.json<{ token: string }>().token;
  return { id, role, username, password, token, auth: { authorization: `Bearer ${token}` } };
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

export function locationObservation(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    kind: 'location',
    lat: 48.8566,
    lng: 2.3522,
    accuracy_m: 8,
    started_at: minutesAgo(60),
    ended_at: minutesAgo(30),
    ...overrides,
  };
}

export function checkinObservation(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    kind: 'checkin',
    venue_id: 'cafe-de-flore',
    started_at: minutesAgo(90),
    ended_at: minutesAgo(45),
    ...overrides,
  };
}

export function proximityObservation(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    kind: 'proximity',
    peer_token: 'AbCdEfGhIjKlMnOpQrStUv',
    attenuation_db: 60,
    started_at: minutesAgo(20),
    ended_at: minutesAgo(5),
    ...overrides,
  };
}

export function expectProblem(
  response: LightMyRequestResponse,
  status: number,
): { detail: string; status: number; title: string } {
  if (response.statusCode !== status)
    throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`);
  if (!String(response.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(
      `expected application/problem+json, got ${String(response.headers['content-type'])}: ${response.body}`,
    );
  }
  const body = response.json<{ detail: string; status: number; title: string }>();
  if (body.status !== status || typeof body.detail !== 'string' || body.detail.length === 0)
    throw new Error(`malformed problem: ${response.body}`);
  return body;
}

/** Row counts of every table, to show that a rejected request wrote nothing. */
export async function tableCounts(t: TestApp): Promise<Record<string, number>> {
  // Background work triggered by earlier requests (traces, the analytics engine) settles first.
  await t.app.traceWorker.idle();
  await t.app.analytics.idle();
  const tables = [
    'users',
    'device_tokens',
    'staff',
    'interactions',
    'symptoms',
    'cases',
    'exposure_risks',
    'epidemiological_insights',
    'audit_log',
  ] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await t.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
