import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';
import {
  checkinObservation,
  createStaff,
  expectProblem,
  locationObservation,
  registerUser,
  tableCounts,
  type AppUser,
  type StaffUser,
} from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp } from '../helpers/test-app.js';

const today = () => new Date().toISOString().slice(0, 10);

interface RiskJson {
  id: string;
  interaction_id: string;
  case_id: string | null;
  risk_level: number;
  exposure_date: string;
  minutes: number;
  weighted_minutes: number;
  proximity_bucket: string;
  infectiousness: string;
  report_type: string;
  model_version: string;
  updated_at: string;
}

/** A source person with a confirmed case, written directly (no staff login needed). */
async function sourceCase(t: TestApp, managedBy: string | null = null): Promise<{ user: AppUser; caseId: string }> {
  const source = await registerUser(t.app);
  const caseId = randomUUID();
  await t.database.db
    .insertInto('cases')
    .values({
      id: caseId,
      user_id: source.id,
      report_type: 'confirmed_test',
      test_date: null,
      onset_date: today(),
      managed_by: managedBy,
      created_at: Date.now(),
    })
    .execute();
  return { user: source, caseId };
}

async function seedRisk(
  t: TestApp,
  interactionId: string,
  caseId: string | null,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await t.database.db
    .insertInto('exposure_risks')
    .values({
      id,
      interaction_id: interactionId,
      case_id: caseId,
      risk_level: 0.5,
      exposure_date: today(),
      minutes: 15,
      weighted_minutes: 15,
      proximity_bucket: 'ble_le_55db',
      infectiousness: 'high',
      report_type: 'confirmed_test',
      model_version: 'v1',
      created_at: now,
      updated_at: now,
      ...overrides,
    })
    .execute();
  return id;
}

async function uploadOne(t: TestApp, user: AppUser, observation: Record<string, unknown>): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/interactions',
    headers: user.auth,
    payload: { interactions: [observation] },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ interactions: Array<{ id: string }> }>().interactions[0]!.id;
}

describe.each(testDialects())('GET /exposure_risks on %s', (dialect) => {
  let t: TestApp;
  let user: AppUser;
  let interactionId: string;
  let quietInteractionId: string;
  let riskIds: string[];
  let caseIds: string[];
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
    user = await registerUser(t.app);
    interactionId = await uploadOne(t, user, locationObservation());
    quietInteractionId = await uploadOne(t, user, checkinObservation());
    const sources = [await sourceCase(t), await sourceCase(t), await sourceCase(t)];
    caseIds = sources.map((s) => s.caseId);
    const base = Date.now() - 3_600_000;
    riskIds = [
      await seedRisk(t, interactionId, caseIds[0]!, {
        risk_level: 0.84,
        minutes: 40,
        weighted_minutes: 40,
        updated_at: base,
      }),
      await seedRisk(t, interactionId, caseIds[1]!, {
        risk_level: 0.21,
        minutes: 30,
        weighted_minutes: 5.25,
        proximity_bucket: 'gps_10m',
        infectiousness: 'standard',
        report_type: 'clinical_diagnosis',
        updated_at: base + 1000,
      }),
      await seedRisk(t, interactionId, caseIds[2]!, {
        risk_level: 0.07,
        minutes: 10,
        weighted_minutes: 1.5,
        updated_at: base + 2000,
      }),
    ];
  });
  afterAll(async () => {
    await t?.close();
  });

  const list = (query: string, headers: Record<string, string> = user.auth) =>
    t.app.inject({ method: 'GET', url: `/exposure_risks?${query}`, headers });

  it('returns every risk of the interaction with the factors that produced it, newest first', async () => {
    const response = await list(`interaction_id=${interactionId}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ exposure_risks: RiskJson[]; next_cursor: string | null }>();
    expect(body.next_cursor).toBeNull();
    expect(body.exposure_risks.map((r) => r.id)).toEqual([...riskIds].reverse());
    expect(body.exposure_risks[1]).toEqual({
      id: riskIds[1],
      interaction_id: interactionId,
      case_id: caseIds[1],
      risk_level: 0.21,
      exposure_date: today(),
      minutes: 30,
      weighted_minutes: 5.25,
      proximity_bucket: 'gps_10m',
      infectiousness: 'standard',
      report_type: 'clinical_diagnosis',
      model_version: 'v1',
      updated_at: expect.any(String),
    });
    expect(typeof body.exposure_risks[0]!.risk_level).toBe('number');
    expect(body.exposure_risks.map((r) => r.risk_level)).toEqual([0.07, 0.21, 0.84]);
  });

  it('pages with limit and next_cursor, each risk once', async () => {
    for (const [limit, sizes] of [
      [1, [1, 1, 1]],
      [2, [2, 1]],
      [3, [3]],
    ] as const) {
      const seen: string[] = [];
      const pages: number[] = [];
      let cursor: string | null = null;
      do {
        const response = await list(
          `interaction_id=${interactionId}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json<{ exposure_risks: RiskJson[]; next_cursor: string | null }>();
        pages.push(page.exposure_risks.length);
        seen.push(...page.exposure_risks.map((r) => r.id));
        cursor = page.next_cursor;
      } while (cursor !== null && pages.length < 10);
      expect(pages, `limit=${limit}`).toEqual(sizes);
      expect(seen).toEqual([...riskIds].reverse());
    }
  });

  it('an interaction without risks gives an empty page; an upper-case id works', async () => {
    const quiet = await list(`interaction_id=${quietInteractionId}`);
    expect(quiet.statusCode).toBe(200);
    expect(quiet.json()).toEqual({ exposure_risks: [], next_cursor: null });
    const upper = await list(`interaction_id=${interactionId.toUpperCase()}`);
    expect(upper.statusCode).toBe(200);
    expect(upper.json().exposure_risks).toHaveLength(3);
  });

  it('lists only the asked interaction; a risk whose source person erased their data keeps its numbers, with case_id null', async () => {
    const other = await uploadOne(t, user, locationObservation());
    const source = await sourceCase(t);
    const orphan = await seedRisk(t, other, source.caseId, { risk_level: 0.33 });
    const erase = await t.app.inject({ method: 'DELETE', url: `/users/${source.user.id}`, headers: source.user.auth });
    expect(erase.statusCode, erase.body).toBe(204);
    const response = await list(`interaction_id=${other}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<{ exposure_risks: RiskJson[] }>().exposure_risks).toEqual([
      expect.objectContaining({ id: orphan, interaction_id: other, case_id: null, risk_level: 0.33 }),
    ]);
    expect(response.body).not.toContain(source.user.id);
    const first = await list(`interaction_id=${interactionId}`);
    expect(first.json<{ exposure_risks: RiskJson[] }>().exposure_risks.map((r) => r.id)).not.toContain(orphan);
  });

  it('an unknown interaction → 404; bad queries → 400; all problem+json and nothing written', async () => {
    const before = await tableCounts(t);
    expectProblem(await list(`interaction_id=${randomUUID()}`), 404);
    for (const query of [
      'interaction_id=not-a-uuid',
      `interaction_id=urn:uuid:${interactionId}`,
      `interaction_id=${interactionId}x`,
      '',
      'interaction_id=',
      `interaction_id=${interactionId}&limit=0`,
      `interaction_id=${interactionId}&limit=501`,
      `interaction_id=${interactionId}&limit=two`,
      `interaction_id=${interactionId}&cursor=abc`,
      `interaction_id=${interactionId}&cursor=${Buffer.from('[1,2]').toString('base64url')}`,
      `interaction_id=${interactionId}&cursor=%2F%2F`,
      `interaction_id=${interactionId}&user_id=${user.id}`,
    ]) {
      expect(expectProblem(await list(query), 400).detail, query).toBeTruthy();
    }
    expect(await tableCounts(t)).toEqual(before);
  });

  it("another person's interaction → 403 without its risks; the managing professional reads it, audited", async () => {
    const stranger = await registerUser(t.app);
    // Somewhere else than the caller's own interactions, so tracing the stranger's case finds no contact.
    const strangersInteraction = await uploadOne(t, stranger, locationObservation({ lat: -33.8688, lng: 151.2093 }));
    const professional: StaffUser = await createStaff(t, 'health_professional');
    const managed = await t.app.inject({
      method: 'POST',
      url: '/cases',
      headers: professional.auth,
      payload: { user_id: stranger.id, report_type: 'confirmed_test' },
    });
    expect(managed.statusCode).toBe(201);
    const riskId = await seedRisk(t, strangersInteraction, caseIds[0]!);

    const before = await tableCounts(t);
    const denied = await list(`interaction_id=${strangersInteraction}`);
    expectProblem(denied, 403);
    expect(denied.body).not.toContain(riskId);
    expect(await tableCounts(t)).toEqual(before);

    const read = await list(`interaction_id=${strangersInteraction}`, professional.auth);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().exposure_risks.map((r: RiskJson) => r.id)).toEqual([riskId]);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'exposure_risks.list')
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        actor_id: professional.id,
        actor_role: 'health_professional',
        subject_user_id: stranger.id,
      }),
    ]);
  });
});
