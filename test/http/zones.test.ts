import { randomUUID } from 'node:crypto';
import { cellToChildren, cellToLatLng, cellToParent, gridDisk, gridDistance, latLngToCell } from 'h3-js';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsRepository } from '../../src/modules/alerts/repository.js';
import { AlertsService } from '../../src/modules/alerts/service.js';
import { AuditRepository } from '../../src/modules/audit/repository.js';
import { AuditService } from '../../src/modules/audit/service.js';
import { addDays } from '../../src/platform/time/calendar.js';
import { foundClusters, scanInput, studyPeriod, type ScanSettings } from '../../src/modules/zones/model.js';
import { ZonesRepository } from '../../src/modules/zones/repository.js';
import { spaceTimePermutationScan } from '../../src/modules/zones/scan-statistic.js';
import { ZonesService, type CompletedScan } from '../../src/modules/zones/service.js';
import { MemoryBus } from '../../src/platform/bus/memory-bus.js';
import { createStaff, expectProblem, registerUser, type AppUser, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const CENTRE = latLngToCell(48.8566, 2.3522, 8);
/** Far enough from CENTRE that no cylinder of radius <= 3 holds both. */
const FAR = latLngToCell(48.95, 2.6, 8);
const today = () => new Date().toISOString().slice(0, 10);
const SCAN_ENV = { SCAN_DEBOUNCE_MS: '3600000' }; // scans run when the test says so
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Line-list cases (as an import would store them), each at a fine cell inside `cell`. */
async function insertLineList(
  t: TestApp,
  cases: ReadonlyArray<{ cell: string; report_date: string }>,
): Promise<string[]> {
  const rows = cases.map((c) => ({
    id: randomUUID(),
    external_id: `LL-${randomUUID()}`,
    onset_date: null,
    report_date: c.report_date,
    cell: cellToChildren(c.cell, 10)[0]!,
    lat: null,
    lng: null,
    infector_external_id: null,
    imported_at: Date.now(),
    imported_by: null,
  }));
  for (let i = 0; i < rows.length; i += 200)
    await t.database.db
      .insertInto('line_list_cases')
      .values(rows.slice(i, i + 200))
      .execute();
  return rows.map((r) => r.id);
}

/** One case a day in each of the 19 cells around CENTRE over the last 14 days: no space-time interaction. */
function background(): Array<{ cell: string; report_date: string }> {
  const out: Array<{ cell: string; report_date: string }> = [];
  for (const cell of gridDisk(CENTRE, 2))
    for (let d = 0; d < 14; d++) out.push({ cell, report_date: addDays(today(), -d) });
  return out;
}

const burst = (cell: string, n: number, date = today()) =>
  Array.from({ length: n }, () => ({ cell, report_date: date }));

describe.each(testDialects())('infection zones on %s', (dialect) => {
  let t: TestApp;
  let authority: StaffUser;
  let professional: StaffUser;
  let admin: StaffUser;
  let user: AppUser;

  beforeAll(async () => {
    t = await buildTestApp(dialect, SCAN_ENV);
    authority = await createStaff(t, 'authority');
    professional = await createStaff(t, 'health_professional');
    admin = await createStaff(t, 'admin');
    user = await registerUser(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  const getZones = (headers: Record<string, string>, query = '') =>
    t.app.inject({ method: 'GET', url: `/zones${query}`, headers });

  it('GET /zones answers with no scan before the first one', async () => {
    const response = await getZones(authority.auth);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ scan: null, clusters: [] });
  });

  it('GET /zones: who may read clusters, and bad input', async () => {
    expectProblem(await getZones(user.auth), 403);
    expectProblem(await getZones(admin.auth), 403);
    expectProblem(await getZones({}), 401);
    expectProblem(await getZones({ authorization: 'Bearer not-a-token' }), 401);
    expect((await getZones(professional.auth)).statusCode).toBe(200);
    expect(expectProblem(await getZones(authority.auth, '?significant_only=maybe'), 400).detail).toContain(
      'significant_only',
    );
    expectProblem(await getZones(authority.auth, '?radius=3'), 400);
  });

  it('a scan finds the planted cluster: cells, counts and dates only, for authorities and health professionals', async () => {
    const ids = [...(await insertLineList(t, background())), ...(await insertLineList(t, burst(CENTRE, 10)))];
    const outcome = await t.app.zoneScanner.runNow();
    expect(outcome.skipped).toBe(false);
    if (outcome.skipped) return;
    expect(outcome.alerts).toHaveLength(1);

    const response = await getZones(authority.auth);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.scan).toMatchObject({
      id: outcome.scanId,
      study_start: addDays(today(), -13),
      study_end: today(),
      days: 14,
      resolution: 8,
      max_rings: 3,
      max_duration_days: 7,
      replications: 999,
      min_cases: 2,
      alert_recurrence_days: 100,
      total_cases: 276,
      located_cases: 276,
      cells_with_cases: 19,
      p_value: 0.001,
    });
    const [top] = body.clusters;
    const [lat, lng] = cellToLatLng(CENTRE);
    expect(top).toMatchObject({
      rank: 1,
      resolution: 8,
      centre_cell: CENTRE,
      radius_rings: 0,
      cells: [CENTRE],
      start_date: today(),
      end_date: today(),
      duration_days: 1,
      observed: 11,
      p_value: 0.001,
      recurrence_interval_days: 1000,
      significant: true,
      cluster_id: outcome.alerts[0]!.cluster.id,
      alert_id: outcome.alerts[0]!.id,
    });
    expect(top.centre.lat).toBeCloseTo(lat, 5);
    expect(top.centre.lng).toBeCloseTo(lng, 5);
    expect(top.expected).toBeCloseTo((24 * 29) / 276, 9);
    expect(Date.parse(top.first_detected_at)).toBeGreaterThan(Date.now() - 60_000);
    for (const cluster of body.clusters.slice(1))
      expect(cluster).toMatchObject({ significant: false, cluster_id: null, alert_id: null, first_detected_at: null });
    // Nothing about a case: the only identifiers are the scan's, the tracked cluster's and the alert's.
    const uuids = new Set(response.body.match(UUID));
    expect([...uuids].sort()).toEqual([outcome.scanId, outcome.alerts[0]!.id, outcome.alerts[0]!.cluster.id].sort());
    for (const id of ids) expect(response.body).not.toContain(id);

    const significant = (await getZones(professional.auth, '?significant_only=true')).json();
    expect(significant.clusters.map((c: { centre_cell: string }) => c.centre_cell)).toEqual([CENTRE]);
  });

  it('the same cluster found again raises no second alert; a new cluster elsewhere does', async () => {
    const alerts = async () =>
      (await t.database.db.selectFrom('alerts').selectAll().orderBy('seq').execute()).map((a) => ({
        seq: a.seq,
        cluster: a.cluster_id,
      }));
    const before = await alerts();
    expect(before).toHaveLength(1);
    const clusterId = before[0]!.cluster;

    // One more case in the same place: the scan runs again and finds the same cluster.
    await insertLineList(t, burst(CENTRE, 1));
    const again = await t.app.zoneScanner.runNow();
    expect(again.skipped).toBe(false);
    if (again.skipped) return;
    expect(again.alerts).toEqual([]);
    const alertId = (await t.database.db.selectFrom('alerts').select('id').executeTakeFirstOrThrow()).id;
    expect(again.clusters[0]).toMatchObject({
      centre_cell: CENTRE,
      observed: 12,
      significant: true,
      cluster_id: clusterId,
      alert_id: alertId,
    });
    expect(await alerts()).toEqual(before);

    // Nothing new: the scan is skipped; forced, it still raises nothing.
    expect(await t.app.zoneScanner.runNow()).toMatchObject({ skipped: true });
    const forced = await t.app.zoneScanner.runNow({ force: true });
    expect(forced).toMatchObject({ skipped: false, alerts: [] });
    expect(await alerts()).toEqual(before);
    const tracked = await t.database.db.selectFrom('zone_clusters').selectAll().execute();
    expect(tracked).toHaveLength(1);
    expect(tracked[0]).toMatchObject({ id: clusterId, centre: CENTRE, end_date: today(), observed: 12 });

    // A burst far away: a second cluster, a second alert.
    expect(gridDistance(CENTRE, FAR)).toBeGreaterThan(6);
    await insertLineList(t, burst(FAR, 8));
    const second = await t.app.zoneScanner.runNow();
    if (second.skipped) throw new Error('expected a scan');
    expect(second.alerts.map((a) => [a.seq, a.cluster.centre_cell])).toEqual([[2, FAR]]);
    expect((await alerts()).map((a) => a.seq)).toEqual([1, 2]);
    const zones = (await getZones(authority.auth, '?significant_only=true')).json();
    expect(
      zones.clusters.map((c: { centre_cell: string; cluster_id: string }) => [
        c.centre_cell,
        c.cluster_id === clusterId,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [CENTRE, true],
        [FAR, false],
      ]),
    );
  });

  it('two recordings of the same scan at once (two processes) create one tracked cluster and one alert', async () => {
    const db = t.database.db;
    const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
    const service = () =>
      new ZonesService(
        new ZonesRepository(db, dialect),
        new AlertsService(new AlertsRepository(db), new MemoryBus(), [], log, null),
        new AuditService(new AuditRepository(db)),
        { h3Resolution: 10, maxDurationMs: 86_400_000 },
      );
    const settings: ScanSettings = {
      resolution: 8,
      days: 14,
      maxRings: 3,
      maxDurationDays: 7,
      replications: 999,
      seed: '7',
      minCases: 2,
      alertRecurrenceDays: 100,
    };
    const period = studyPeriod(today(), 14);
    // A third place, never seen before: 9 cases today.
    const third = latLngToCell(48.6, 2.0, 8);
    const input = scanInput(
      [...background(), ...burst(third, 9).map((c) => ({ ...c, cell: cellToChildren(c.cell, 10)[0]! }))],
      period,
      8,
    );
    const result = spaceTimePermutationScan(input.counts, {
      days: 14,
      maxRings: 3,
      maxDurationDays: 7,
      replications: 999,
      seed: 7,
    });
    const found = foundClusters(result, period, settings).filter((c) => c.centre === third);
    expect(found[0]?.significant).toBe(true);
    const scan: CompletedScan = {
      ranAt: Date.now(),
      durationMs: 1,
      period,
      settings,
      totalCases: input.totalCases,
      locatedCases: input.locatedCases,
      cellsWithCases: result.cellsWithCases,
      maxLlr: result.maxLlr,
      pValue: result.pValue,
      clusters: found,
    };
    const [a, b] = await Promise.all([service().recordScan(scan), service().recordScan(scan)]);
    expect(a.alerts.length + b.alerts.length).toBe(1);
    expect(a.clusters[0]!.cluster_id).toBe(b.clusters[0]!.cluster_id);
    const rows = await db
      .selectFrom('alerts')
      .innerJoin('zone_clusters', 'zone_clusters.id', 'alerts.cluster_id')
      .select(['alerts.seq', 'zone_clusters.centre'])
      .where('zone_clusters.centre', '=', third)
      .execute();
    expect(rows).toHaveLength(1);
    expect(cellToParent(cellToChildren(third, 10)[0]!, 8)).toBe(third);
  });
});

describe.each(testDialects())('exposure sites on %s', (dialect) => {
  let t: TestApp;
  let professional: StaffUser;
  let authority: StaffUser;
  let admin: StaffUser;
  const people: Record<string, AppUser> = {};
  const HOME = { lat: 48.8566, lng: 2.3522 };
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  beforeAll(async () => {
    t = await buildTestApp(dialect, SCAN_ENV);
    professional = await createStaff(t, 'health_professional');
    authority = await createStaff(t, 'authority');
    admin = await createStaff(t, 'admin');
    for (const who of ['caseA', 'caseB', 'bystander']) people[who] = await registerUser(t.app);
    const upload = async (who: string, interactions: object[]) => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/interactions',
        headers: people[who]!.auth,
        payload: { interactions },
      });
      expect(response.statusCode, response.body).toBe(200);
    };
    const stay = (startMin: number, endMin: number, where = HOME) => ({
      id: randomUUID(),
      kind: 'location',
      lat: where.lat,
      lng: where.lng,
      accuracy_m: 5,
      started_at: minutesAgo(startMin),
      ended_at: minutesAgo(endMin),
    });
    const checkin = (venue: string, startMin: number, endMin: number) => ({
      id: randomUUID(),
      kind: 'checkin',
      venue_id: venue,
      started_at: minutesAgo(startMin),
      ended_at: minutesAgo(endMin),
    });
    await upload('caseA', [stay(240, 180), checkin('bakery-42', 120, 90)]);
    await upload('caseB', [stay(200, 150), stay(60, 30, { lat: 48.87, lng: 2.33 })]);
    await upload('bystander', [stay(240, 180), checkin('gym-7', 120, 90)]);
    for (const who of ['caseA', 'caseB']) {
      const report = await t.app.inject({
        method: 'POST',
        url: '/symptoms',
        headers: people[who]!.auth,
        payload: { symptom: 'fever', date: today() },
      });
      expect(report.statusCode, report.body).toBe(201);
    }
    await t.app.traceWorker.idle();
  });
  afterAll(async () => {
    await t.close();
  });

  const getSites = (headers: Record<string, string>, query = '') =>
    t.app.inject({ method: 'GET', url: `/zones/exposure_sites${query}`, headers });

  it('lists the cells and venues where infectious cases were, with merged time windows, naming no one (audited)', async () => {
    const response = await getSites(professional.auth);
    expect(response.statusCode, response.body).toBe(200);
    const { exposure_sites: sites, next_cursor } = response.json();
    expect(next_cursor).toBeNull();
    const home = latLngToCell(HOME.lat, HOME.lng, 10);
    const other = latLngToCell(48.87, 2.33, 10);
    const iso = (m: number) => new Date(Date.parse(minutesAgo(m))).toISOString();
    expect(sites.map((s: { kind: string; place: string }) => `${s.kind}:${s.place}`)).toEqual([
      `cell:${other}`,
      'venue:bakery-42',
      `cell:${home}`,
    ]);
    const byPlace = Object.fromEntries(sites.map((s: { place: string }) => [s.place, s]));
    expect(byPlace[home]).toMatchObject({ kind: 'cell', resolution: 10, cases: 2, windows: [{ cases: 2 }] });
    // caseA 240..180 and caseB 200..150 minutes ago: one window from 240 to 150 minutes ago.
    expect(Date.parse(byPlace[home].windows[0].end) - Date.parse(byPlace[home].windows[0].start)).toBeCloseTo(
      90 * 60_000,
      -4,
    );
    expect(Date.parse(byPlace[home].first_at)).toBeCloseTo(Date.parse(iso(240)), -4);
    expect(byPlace['bakery-42']).toMatchObject({ kind: 'venue', resolution: null, centre: null, cases: 1 });
    expect(byPlace[other].centre.lat).toBeCloseTo(cellToLatLng(other)[0], 5);
    expect(response.body).not.toContain('gym-7'); // the bystander is not a case
    for (const person of Object.values(people)) expect(response.body).not.toContain(person.id);
    const caseIds = (await t.database.db.selectFrom('cases').select('id').execute()).map((c) => c.id);
    expect(caseIds).toHaveLength(2);
    for (const id of caseIds) expect(response.body).not.toContain(id);
    expect(response.body.match(UUID)).toBeNull();
    const audit = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'zones.exposure_sites')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_id: professional.id,
      actor_role: 'health_professional',
      subject_user_id: null,
    });
  });

  it('filters by kind, coarsens cells, and pages', async () => {
    const venues = (await getSites(professional.auth, '?kind=venue')).json().exposure_sites;
    expect(venues.map((s: { place: string }) => s.place)).toEqual(['bakery-42']);
    const coarse = (await getSites(professional.auth, '?kind=cell&resolution=7')).json().exposure_sites;
    const homeParent = cellToParent(latLngToCell(HOME.lat, HOME.lng, 10), 7);
    expect(coarse.every((s: { resolution: number }) => s.resolution === 7)).toBe(true);
    expect(coarse.find((s: { place: string }) => s.place === homeParent)).toMatchObject({ resolution: 7, cases: 2 });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { exposure_sites: Array<{ place: string }>; next_cursor: string | null } = (
        await getSites(professional.auth, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.exposure_sites.length).toBeLessThanOrEqual(1);
      seen.push(...page.exposure_sites.map((s: { place: string }) => s.place));
      cursor = page.next_cursor;
    } while (cursor !== null && seen.length < 10);
    expect(seen).toEqual(
      (await getSites(professional.auth)).json().exposure_sites.map((s: { place: string }) => s.place),
    );
    const past = (
      await getSites(
        professional.auth,
        `?since=${encodeURIComponent(minutesAgo(24 * 60))}&until=${encodeURIComponent(minutesAgo(170))}`,
      )
    ).json().exposure_sites;
    expect(past.map((s: { kind: string }) => s.kind)).toEqual(['cell']);
    expect(past[0].cases).toBe(2);
  });

  it('is for health professionals only; bad input is a 400', async () => {
    expectProblem(await getSites(authority.auth), 403);
    expectProblem(await getSites(admin.auth), 403);
    expectProblem(await getSites(people.caseA!.auth), 403);
    expectProblem(await getSites({}), 401);
    expect(
      expectProblem(
        await getSites(
          professional.auth,
          `?since=${encodeURIComponent(minutesAgo(10))}&until=${encodeURIComponent(minutesAgo(20))}`,
        ),
        400,
      ).detail,
    ).toContain('before until');
    expectProblem(await getSites(professional.auth, `?since=${encodeURIComponent(minutesAgo(90 * 24 * 60))}`), 400);
    expect(expectProblem(await getSites(professional.auth, '?resolution=11'), 400).detail).toContain('at most 10');
    expectProblem(await getSites(professional.auth, '?resolution=16'), 400);
    expectProblem(await getSites(professional.auth, '?kind=street'), 400);
    expectProblem(await getSites(professional.auth, '?since=yesterday'), 400);
    expectProblem(await getSites(professional.auth, '?cursor=bm90LWEtY3Vyc29y'), 400);
    expectProblem(await getSites(professional.auth, '?limit=0'), 400);
    expectProblem(await getSites(professional.auth, '?user_id=x'), 400);
  });
});
