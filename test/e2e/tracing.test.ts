import { randomUUID } from 'node:crypto';
import { cellToBoundary, cellToLatLng, latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProximityTokensRepository } from '../../src/modules/proximity-tokens/repository.js';
import { ProximityTokensService } from '../../src/modules/proximity-tokens/service.js';
import { haversineMeters } from '../../src/platform/geo/haversine.js';
import { createStaff, registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { connectSse, type SseConnection } from '../helpers/sse-client.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const MIN = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const today = () => new Date().toISOString().slice(0, 10);
/** Yesterday at hh:mm UTC: day −1 from an onset of today, inside the infectious window with weight 1.0. */
const yesterdayAt = (hours: number, minutes = 0) =>
  Date.parse(`${today()}T00:00:00Z`) - DAY + hours * 3_600_000 + minutes * MIN;

const HOME = { lat: 48.8566, lng: 2.3522 };
/** Two points 8 m apart on either side of an H3 cell edge, so they fall in neighbouring cells. */
function acrossCellEdge(): { inside: { lat: number; lng: number }; outside: { lat: number; lng: number } } {
  const cell = latLngToCell(48.87, 2.33, 10);
  const [centreLat, centreLng] = cellToLatLng(cell);
  const [[aLat, aLng], [bLat, bLng]] = cellToBoundary(cell) as [[number, number], [number, number]];
  const mid = { lat: (aLat + bLat) / 2, lng: (aLng + bLng) / 2 };
  const metresLat = 111_320;
  const metresLng = 111_320 * Math.cos((mid.lat * Math.PI) / 180);
  const dy = (mid.lat - centreLat) * metresLat;
  const dx = (mid.lng - centreLng) * metresLng;
  const norm = Math.hypot(dx, dy);
  const at = (metres: number) => ({
    lat: mid.lat + ((dy / norm) * metres) / metresLat,
    lng: mid.lng + ((dx / norm) * metres) / metresLng,
  });
  return { inside: at(-4), outside: at(4) };
}

describe.each(testDialects())('tracing end to end over HTTP on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  const streams: SseConnection[] = [];
  const users: Record<string, AppUser> = {};
  const stream = async (who: string, lastEventId?: string) => {
    const connection = await connectSse(`${base}/notifications/stream`, {
      headers: users[who]!.auth,
      ...(lastEventId === undefined ? {} : { lastEventId }),
    });
    expect(connection.status).toBe(200);
    streams.push(connection);
    return connection;
  };
  const upload = async (who: string, interactions: object[]) => {
    const response = await fetch(`${base}/interactions`, {
      method: 'POST',
      headers: { ...users[who]!.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ interactions }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  };
  const stay = (where: { lat: number; lng: number }, start: number, minutes: number) => ({
    id: randomUUID(),
    kind: 'location',
    lat: where.lat,
    lng: where.lng,
    accuracy_m: 5,
    started_at: iso(start),
    ended_at: iso(start + minutes * MIN),
  });
  const checkin = (venue: string, start: number, minutes: number) => ({
    id: randomUUID(),
    kind: 'checkin',
    venue_id: venue,
    started_at: iso(start),
    ended_at: iso(start + minutes * MIN),
  });
  const encounter = (peerToken: string, start: number, minutes: number, attenuation: number) => ({
    id: randomUUID(),
    kind: 'proximity',
    peer_token: peerToken,
    attenuation_db: attenuation,
    started_at: iso(start),
    ended_at: iso(start + minutes * MIN),
  });

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    for (const who of [
      'source',
      'colocated',
      'otherTime',
      'neighbourCell',
      'venue',
      'sawSource',
      'seenBySource',
      'beforeWindow',
      'farAway',
      'late',
    ]) {
      users[who] = await registerUser(t.app);
    }
  });
  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await t.close();
  });

  it('notifies exactly the right people with the right tiers, live; re-tracing and late uploads behave', async () => {
    // Tokens the phones fetched yesterday (GET /proximity_tokens serves the coming day).
    const tokens = new ProximityTokensService(new ProximityTokensRepository(t.database.db), t.config.tokenSecret!);
    const [sourceToken] = await tokens.issueFor(users.source!.id, yesterdayAt(16), 1);
    const [peerToken] = await tokens.issueFor(users.seenBySource!.id, yesterdayAt(17), 1);
    const edge = acrossCellEdge();
    expect(latLngToCell(edge.inside.lat, edge.inside.lng, 10)).not.toBe(
      latLngToCell(edge.outside.lat, edge.outside.lng, 10),
    );
    expect(haversineMeters(edge.inside, edge.outside)).toBeCloseTo(8, 0);

    await upload('source', [
      stay(HOME, yesterdayAt(10), 30),
      stay(edge.inside, yesterdayAt(12), 60),
      checkin('bakery-42', yesterdayAt(15), 45),
      encounter(peerToken!.token, yesterdayAt(17), 10, 60),
      stay(HOME, yesterdayAt(10) - 5 * DAY, 30),
    ]);
    await upload('colocated', [stay({ lat: HOME.lat + 0.00004, lng: HOME.lng }, yesterdayAt(10), 30)]); // 4.4 m away, same 30 minutes
    await upload('otherTime', [stay(HOME, yesterdayAt(14), 30)]);
    await upload('neighbourCell', [stay(edge.outside, yesterdayAt(12), 60)]);
    await upload('venue', [
      checkin('BAKERY-42', yesterdayAt(15, 10), 45) /* the same code in capitals: the same venue */,
    ]);
    await upload('sawSource', [encounter(sourceToken!.token, yesterdayAt(16), 20, 50)]);
    await upload('beforeWindow', [stay(HOME, yesterdayAt(10) - 5 * DAY, 30)]); // day −6: not infectious
    await upload('farAway', [stay({ lat: HOME.lat + 0.01, lng: HOME.lng }, yesterdayAt(10), 30)]);
    await t.app.traceWorker.idle();

    const live: Record<string, SseConnection> = {};
    for (const who of Object.keys(users).filter((w) => w !== 'source' && w !== 'late')) live[who] = await stream(who);

    const report = await fetch(`${base}/symptoms`, {
      method: 'POST',
      headers: { ...users.source!.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ symptom: 'fever', date: today() }),
    });
    expect(report.status).toBe(201);

    // Self-report weights 0.5; day −1 is fully infectious. Weighted minutes → tier.
    const expected: Record<string, { tier: string; kind: string; weighted: number; risk: number }> = {
      colocated: { tier: 'medium', kind: 'gps', weighted: 7.5, risk: 0.29 }, // 30 min × GPS 0.5 × 0.5
      neighbourCell: { tier: 'high', kind: 'gps', weighted: 15, risk: 0.5 }, // 60 min × 0.5 × 0.5, across a cell edge
      venue: { tier: 'high', kind: 'venue', weighted: 15, risk: 0.5 }, // 35 min overlap capped at 30 × 1.0 × 0.5
      sawSource: { tier: 'high', kind: 'proximity', weighted: 17.5, risk: 0.55 }, // 20 min × 1.75 (50 dB) × 0.5
      seenBySource: { tier: 'medium', kind: 'proximity', weighted: 5, risk: 0.21 }, // 10 min × 1.0 (60 dB) × 0.5, recorded by the source only
    };
    for (const [who, want] of Object.entries(expected)) {
      const event = await live[who]!.waitFor((e) => e.event === 'notification', 10_000);
      const notification = JSON.parse(event.data);
      expect(notification, who).toMatchObject({
        tier: want.tier,
        seq: 1,
        exposure_date: new Date(yesterdayAt(0)).toISOString().slice(0, 10),
        details: { contact_kind: want.kind },
      });
      expect(event.id).toBe('1');
      expect(notification.body).not.toContain(users.source!.id);
    }
    // The risks are written just after the notifications (which go out first): once the trace is done, each notified
    // person has exactly one, on their own interaction.
    await t.app.traceWorker.idle();
    for (const [who, want] of Object.entries(expected)) {
      const risks = await t.database.db
        .selectFrom('exposure_risks')
        .selectAll()
        .where('exposed_user_id', '=', users[who]!.id)
        .execute();
      expect(risks, who).toHaveLength(1);
      expect(risks[0]).toMatchObject({
        weighted_minutes: want.weighted,
        risk_level: want.risk,
        report_type: 'self_reported',
        model_version: 'v1',
      });
      // The person sees the risk on their own interaction through the seed endpoint.
      const seen = await fetch(`${base}/exposure_risks?interaction_id=${risks[0]!.interaction_id}`, {
        headers: users[who]!.auth,
      });
      expect((await seen.json()).exposure_risks[0]).toMatchObject({
        risk_level: want.risk,
        weighted_minutes: want.weighted,
      });
    }
    await t.app.traceWorker.idle();
    for (const who of ['otherTime', 'beforeWindow', 'farAway']) {
      expect(
        live[who]!.events.filter((e) => e.event === 'notification'),
        who,
      ).toEqual([]);
      const risks = await t.database.db
        .selectFrom('exposure_risks')
        .selectAll()
        .where('exposed_user_id', '=', users[who]!.id)
        .execute();
      expect(risks, who).toEqual([]);
    }
    const riskCount = async () => (await t.database.db.selectFrom('exposure_risks').selectAll().execute()).length;
    const notificationCount = async () =>
      (await t.database.db.selectFrom('notifications').selectAll().execute()).length;
    expect(await riskCount()).toBe(5);
    expect(await notificationCount()).toBe(5);

    // The co-located person's phone goes offline; a confirmed test then upgrades the same case and risks.
    await live.colocated!.close();
    const professional = await createStaff(t, 'health_professional');
    const professionalStream = await connectSse(`${base}/exposure_risks/stream`, { headers: professional.auth });
    expect(professionalStream.status).toBe(200);
    streams.push(professionalStream);
    const confirm = await fetch(`${base}/cases`, {
      method: 'POST',
      headers: { ...professional.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: users.source!.id, report_type: 'confirmed_test' }),
    });
    expect(confirm.status).toBe(200);
    const sourceCase = await confirm.json();
    await t.app.traceWorker.idle();
    expect(await riskCount()).toBe(5); // re-tracing updates in place, never duplicates
    expect(await notificationCount()).toBe(6); // only the co-located person's tier rose (medium → high)
    const upgraded = await t.database.db
      .selectFrom('exposure_risks')
      .selectAll()
      .where('exposed_user_id', '=', users.colocated!.id)
      .executeTakeFirstOrThrow();
    expect(upgraded).toMatchObject({ weighted_minutes: 15, risk_level: 0.5, report_type: 'confirmed_test' });
    for (const who of ['neighbourCell', 'venue', 'sawSource', 'seenBySource'])
      expect(
        live[who]!.events.filter((e) => e.event === 'notification'),
        who,
      ).toHaveLength(1);

    // The case manager's live stream got every risk of the case as it was upgraded, in order.
    const riskEvents = (await professionalStream.waitForCount(5, 10_000)).filter((e) => e.event === 'exposure_risk');
    expect(riskEvents.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    const riskPayloads = riskEvents.map((e) => JSON.parse(e.data));
    expect(new Set(riskPayloads.map((p) => p.case_id))).toEqual(new Set([sourceCase.id]));
    expect(Object.fromEntries(riskPayloads.map((p) => [p.contact_user_id, p.tier]))).toEqual({
      [users.colocated!.id]: 'high',
      [users.neighbourCell!.id]: 'high',
      [users.venue!.id]: 'high',
      [users.sawSource!.id]: 'high',
      [users.seenBySource!.id]: 'medium',
    });

    // Reconnecting with Last-Event-ID: 1 delivers exactly the one it missed.
    const resumed = await stream('colocated', '1');
    const missed = await resumed.waitFor((e) => e.event === 'notification', 10_000);
    expect(missed.id).toBe('2');
    expect(JSON.parse(missed.data)).toMatchObject({ tier: 'high', seq: 2 });
    await t.app.traceWorker.idle();
    expect(resumed.events.filter((e) => e.event === 'notification')).toHaveLength(1);

    // Tracing the same case again changes nothing.
    const again = await fetch(`${base}/cases`, {
      method: 'POST',
      headers: { ...professional.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: users.source!.id, report_type: 'confirmed_test' }),
    });
    expect(again.status).toBe(200);
    await t.app.traceWorker.idle();
    expect(await riskCount()).toBe(5);
    expect(await notificationCount()).toBe(6);

    // A late upload is matched against the existing case on arrival.
    const lateStream = await stream('late');
    await upload('late', [stay({ lat: HOME.lat, lng: HOME.lng + 0.00005 }, yesterdayAt(10, 5), 25)]); // 3.7 m away, 25 min
    const lateEvent = await lateStream.waitFor((e) => e.event === 'notification', 10_000);
    expect(JSON.parse(lateEvent.data)).toMatchObject({ tier: 'medium', details: { contact_kind: 'gps' } }); // 25 × 0.5 × 1.0 = 12.5
    await t.app.traceWorker.idle();
    expect(await riskCount()).toBe(6);
    const lateRisk = await professionalStream.waitFor(
      (e) => e.event === 'exposure_risk' && JSON.parse(e.data).contact_user_id === users.late!.id,
      10_000,
    );
    expect(lateRisk.id).toBe('6'); // the identical re-trace before it sent nothing

    // The case manager sees the contacts and their tiers.
    const contacts = await fetch(`${base}/cases/${sourceCase.id}/contacts`, { headers: professional.auth });
    expect(contacts.status).toBe(200);
    const list = (await contacts.json()).contacts as Array<{
      user_id: string;
      highest_tier: string;
      notified: boolean;
    }>;
    const tiers = Object.fromEntries(list.map((c) => [c.user_id, c.highest_tier]));
    expect(tiers).toEqual({
      [users.colocated!.id]: 'high',
      [users.neighbourCell!.id]: 'high',
      [users.venue!.id]: 'high',
      [users.sawSource!.id]: 'high',
      [users.seenBySource!.id]: 'medium',
      [users.late!.id]: 'medium',
    });
    expect(list.every((c) => c.notified)).toBe(true);
  });
});
