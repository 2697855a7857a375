import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { cellToLatLng, gridDisk, latLngToCell } from 'h3-js';
import { expect } from 'vitest';
import { registerUser, type AppUser, type StaffUser } from './actors.js';
import { connectSse } from './sse-client.js';
import type { TestApp } from './test-app.js';
import { connectWs, WsRejected } from './ws-client.js';

/**
 * Fixtures of the authorization matrix's rows on data that only a real trace makes: a source whose case a
 * professional manages, and the contacts the trace found, each with the exposure notification it sent them.
 */

const MIN = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const today = () => new Date().toISOString().slice(0, 10);
/** Yesterday at hh:mm UTC: day −1 of an onset of today, fully infectious (as in test/e2e/tracing.test.ts). */
const yesterdayAt = (hours: number) => Date.parse(`${today()}T00:00:00Z`) - DAY + hours * 3_600_000;
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A person of the traced case, with every value of theirs that must not reach someone without a right to it. */
export interface TracedPerson {
  readonly user: AppUser;
  readonly name: string;
  readonly contact: string;
  readonly interactionIds: string[];
  /** Exposure risks the trace computed on this person's interactions (none for the source). */
  readonly riskIds: string[];
  readonly notificationIds: string[];
  readonly notificationBodies: string[];
  /**
   * The part of each notification's text that is this person's alone: its first paragraph, the times and area of the
   * exposure (the rest is advice every person notified that day gets). One line without quotes, so it reads the same
   * inside a JSON answer as outside: a leak check looks for these, not for the multi-line bodies.
   */
  readonly notificationEpisodes: string[];
  /** Proximity tokens issued to the person (GET /proximity_tokens). */
  readonly proximityTokens: string[];
}

export interface TracedCase {
  /** The source's case, confirmed (and so managed) by the professional passed to seedTracedCase. */
  readonly caseId: string;
  /** The day (YYYY-MM-DD, UTC) both contacts were exposed: yesterday when the case was seeded. */
  readonly exposureDate: string;
  readonly source: TracedPerson;
  /** Co-located with the source yesterday morning: exposed, and notified. */
  readonly contact: TracedPerson;
  /** Co-located with the source yesterday afternoon: another exposed and notified person. */
  readonly bystander: TracedPerson;
}

export function tracedSecrets(person: TracedPerson): string[] {
  return [
    person.user.id,
    person.name,
    person.contact,
    ...person.interactionIds,
    ...person.riskIds,
    ...person.notificationIds,
    ...person.notificationEpisodes,
    ...person.proximityTokens,
  ];
}

/** The proximity tokens a person's phone fetches (and the server stores for them). */
export async function fetchProximityTokens(t: TestApp, user: AppUser): Promise<string[]> {
  const response = await t.app.inject({ method: 'GET', url: '/proximity_tokens', headers: user.auth });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ tokens: Array<{ token: string }> }>().tokens.map((x) => x.token);
}

/**
 * A real trace: the source and two contacts upload where they were yesterday (a place of their own, far from every
 * other seeded person), `manager` confirms the source's case, and the trace job it starts finds both contacts
 * (30 and 45 minutes within 5 m: high risk on a confirmed test) and notifies each of them once.
 */
export async function seedTracedCase(t: TestApp, manager: StaffUser): Promise<TracedCase> {
  const place = { lat: -50 + Math.random() * 100, lng: -160 + Math.random() * 320 };
  const near = { lat: place.lat + 0.00004, lng: place.lng }; // 4.4 m away
  const stay = (where: { lat: number; lng: number }, start: number, minutes: number) => ({
    id: randomUUID(),
    kind: 'location',
    lat: where.lat,
    lng: where.lng,
    accuracy_m: 5,
    started_at: iso(start),
    ended_at: iso(start + minutes * MIN),
  });
  const register = async (label: string) => {
    const name = unique(`Traced ${label} Name`);
    const contact = `${unique(`traced-${label.toLowerCase()}`)}@example.org`;
    return { name, contact, user: await registerUser(t.app, { name, contact_info: contact }) };
  };
  const upload = async (user: AppUser, interactions: Array<{ id: string }>) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/interactions',
      headers: user.auth,
      payload: { interactions },
    });
    expect(response.statusCode, response.body).toBe(200);
    return interactions.map((i) => i.id);
  };

  const [source, contact, bystander] = [
    await register('Source'),
    await register('Contact'),
    await register('Bystander'),
  ];
  const sourceInteractions = await upload(source.user, [
    stay(place, yesterdayAt(10), 30),
    stay(place, yesterdayAt(14), 45),
  ]);
  const contactInteractions = await upload(contact.user, [stay(near, yesterdayAt(10), 30)]);
  const bystanderInteractions = await upload(bystander.user, [stay(near, yesterdayAt(14), 45)]);
  await t.app.traceWorker.idle();

  const confirmed = await t.app.inject({
    method: 'POST',
    url: '/cases',
    headers: manager.auth,
    payload: { user_id: source.user.id, report_type: 'confirmed_test', onset_date: today() },
  });
  expect(confirmed.statusCode, confirmed.body).toBe(201);
  const caseId = confirmed.json<{ id: string; managed_by: string }>().id;
  expect(confirmed.json().managed_by).toBe(manager.id);
  await t.app.traceWorker.idle();

  const db = t.database.db;
  const traced = async (
    who: { name: string; contact: string; user: AppUser },
    interactionIds: string[],
  ): Promise<TracedPerson> => {
    const risks = await db
      .selectFrom('exposure_risks')
      .select('id')
      .where('exposed_user_id', '=', who.user.id)
      .execute();
    const notifications = await db
      .selectFrom('notifications')
      .select(['id', 'body'])
      .where('user_id', '=', who.user.id)
      .orderBy('seq')
      .execute();
    return {
      ...who,
      interactionIds,
      riskIds: risks.map((r) => r.id),
      notificationIds: notifications.map((n) => n.id),
      notificationBodies: notifications.map((n) => n.body),
      notificationEpisodes: notifications.map((n) => n.body.split('\n')[0]!),
      proximityTokens: await fetchProximityTokens(t, who.user),
    };
  };
  const result: TracedCase = {
    caseId,
    exposureDate: new Date(yesterdayAt(0)).toISOString().slice(0, 10),
    source: await traced(source, sourceInteractions),
    contact: await traced(contact, contactInteractions),
    bystander: await traced(bystander, bystanderInteractions),
  };
  // The trace did what the rows rely on: one risk and one (distinct) notification per contact, none for the source.
  for (const person of [result.contact, result.bystander]) {
    expect(person.riskIds, person.name).toHaveLength(1);
    expect(person.notificationIds, person.name).toHaveLength(1);
  }
  for (const episode of [...result.contact.notificationEpisodes, ...result.bystander.notificationEpisodes]) {
    expect(episode).toMatch(
      /^On .+, between \d\d:\d\d and \d\d:\d\d \(UTC\), you spent \d+ minutes near a person who may have been infectious, in the area around [^"\\]+\.$/,
    );
  }
  expect(result.contact.notificationEpisodes[0]).not.toBe(result.bystander.notificationEpisodes[0]);
  expect(result.source.riskIds).toEqual([]);
  expect(result.source.notificationIds).toEqual([]);
  const caseRisks = await db.selectFrom('exposure_risks').select('id').where('case_id', '=', caseId).execute();
  expect(caseRisks.map((r) => r.id).sort()).toEqual([...result.contact.riskIds, ...result.bystander.riskIds].sort());
  return result;
}

/** What the matrix needs of an answer, whether from inject or from a real SSE / WebSocket connection. */
export type MatrixResponse = Pick<LightMyRequestResponse, 'statusCode' | 'headers' | 'body' | 'json'>;

function responseOf(statusCode: number, headers: Record<string, string>, body: string): MatrixResponse {
  return { statusCode, headers, body, json: <T = unknown>() => JSON.parse(body) as T } as MatrixResponse;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What an SSE connection received (the body of a 200 stream answer). */
export interface SseTranscript {
  readonly retry: number | undefined;
  readonly comments: string[];
  readonly events: Array<{ id: string | undefined; event: string; data: string }>;
}

/**
 * Opens GET `url` as an event stream from the start (Last-Event-ID: 0, so acknowledgements made by other cells do not
 * matter), waits for `expectedEvents` events (plus a moment, for anything that should not come), closes. A refusal is
 * answered as is; a stream's body is its SseTranscript as JSON.
 */
export async function sseExchange(
  baseUrl: string,
  url: string,
  headers: Record<string, string>,
  expectedEvents: number,
): Promise<MatrixResponse> {
  const connection = await connectSse(`${baseUrl}${url}`, { headers, lastEventId: 0 });
  try {
    const head = Object.fromEntries(connection.headers.entries());
    if (connection.status !== 200) return responseOf(connection.status, head, connection.body);
    await connection.waitForComment((c) => c === 'connected');
    if (expectedEvents > 0) await connection.waitForCount(expectedEvents);
    await sleep(100);
    const transcript: SseTranscript = {
      retry: connection.retry,
      comments: [...connection.comments],
      events: [...connection.events],
    };
    return responseOf(200, head, JSON.stringify(transcript));
  } finally {
    await connection.close();
  }
}

/**
 * Opens `url` as a WebSocket replaying from the start (?last_event_id=0), waits for the server's "ready" (the replay is
 * complete), closes. An upgrade the server refuses is answered with its status and problem; an open socket is 101,
 * its body every message received, as JSON.
 */
export async function wsExchange(
  baseUrl: string,
  url: string,
  headers: Record<string, string>,
): Promise<MatrixResponse> {
  const wsUrl = `${baseUrl.replace(/^http/, 'ws')}${url}?last_event_id=0`;
  let connection: Awaited<ReturnType<typeof connectWs>>;
  try {
    connection = await connectWs(wsUrl, headers);
  } catch (error) {
    if (!(error instanceof WsRejected)) throw error;
    return responseOf(
      error.status,
      error.contentType === undefined ? {} : { 'content-type': error.contentType },
      error.body,
    );
  }
  try {
    await connection.waitFor((m) => m.type === 'ready');
    return responseOf(101, {}, JSON.stringify(connection.messages));
  } finally {
    await connection.close();
  }
}

/**
 * Closes a listening test app without waiting for connections an HTTP client opened but never used (fetch's pool may
 * keep a spare one after an aborted stream, which Node's server.close() waits for).
 */
export async function closeListening(t: TestApp): Promise<void> {
  const closing = t.close();
  await Promise.race([closing, sleep(200)]);
  t.app.server.closeAllConnections();
  await closing;
}

/** The outbreak the aggregate rows read: an imported line list and the cluster alert its scan raised. */
export interface Outbreak {
  /** The H3 cell (the scan's resolution) of today's burst: the one significant cluster. */
  readonly centre: string;
  /** Background cases a day in each of the days before today (one per cell around the centre). */
  readonly casesPerDay: number;
  readonly scanId: string;
  readonly alertId: string;
  readonly clusterId: string;
}

/**
 * Imports (POST /cases/import, as `authority`) a line list of 14 days of background cases, one a day in each of the 19
 * scan cells around a centre, and a burst of 10 cases there today; then runs the cluster scan, which finds the burst
 * and raises one alert (as in test/http/zones.test.ts). Dates and cells only: the line list names no one.
 */
export async function seedOutbreak(t: TestApp, authority: StaffUser): Promise<Outbreak> {
  const resolution = t.config.zones.scanResolution;
  const centre = latLngToCell(48.8566, 2.3522, resolution);
  const around = gridDisk(centre, 2);
  const at = (cell: string) => {
    const [lat, lng] = cellToLatLng(cell);
    return { lat, lng };
  };
  const cases: Array<Record<string, unknown>> = [];
  for (const cell of around) {
    for (let d = 0; d < 14; d++) {
      const date = new Date(Date.now() - d * DAY).toISOString().slice(0, 10);
      cases.push({ external_id: unique('bg'), report_date: date, onset_date: date, ...at(cell) });
    }
  }
  for (let i = 0; i < 10; i++)
    cases.push({ external_id: unique('burst'), report_date: today(), onset_date: today(), ...at(centre) });
  const imported = await t.app.inject({
    method: 'POST',
    url: '/cases/import',
    headers: authority.auth,
    payload: { cases },
  });
  expect(imported.statusCode, imported.body).toBe(200);
  expect(imported.json()).toMatchObject({ imported: cases.length, created: cases.length });
  const outcome = await t.app.zoneScanner.runNow();
  if (outcome.skipped) throw new Error(`the outbreak's scan was skipped: ${outcome.reason}`);
  expect(outcome.alerts.map((a) => a.cluster.centre_cell)).toEqual([centre]);
  const alert = outcome.alerts[0]!;
  return { centre, casesPerDay: around.length, scanId: outcome.scanId, alertId: alert.id, clusterId: alert.cluster.id };
}
