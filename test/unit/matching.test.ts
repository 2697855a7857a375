import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  boxAround,
  bucketsOf,
  combineIntoRisks,
  encounterEpisode,
  episodeBetween,
  presenceProbes,
  ringsForRadius,
  scoreContact,
  timeBucket,
  type PresenceRecord,
} from '../../src/modules/tracing/matching.js';
import { DEFAULT_RISK_MODEL, type SourceCase } from '../../src/modules/tracing/risk-model.js';
import { nearEdge } from '../helpers/cell-geometry.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0); // 2026-11-20 12:00 UTC
const min = 60_000;
const selfReport: SourceCase = { onsetDay: '2026-11-20', reportDay: '2026-11-21', reportType: 'self_reported' };
const confirmed: SourceCase = { ...selfReport, reportType: 'confirmed_test' };

function located(
  id: string,
  userId: string,
  lat: number,
  lng: number,
  startMin: number,
  endMin: number,
): PresenceRecord {
  return {
    interactionId: id,
    userId,
    kind: 'location',
    place: latLngToCell(lat, lng, 10),
    startMs: T0 + startMin * min,
    endMs: T0 + endMin * min,
    lat,
    lng,
    attenuationDb: null,
    peerUserId: null,
  };
}
function venue(id: string, userId: string, venueId: string, startMin: number, endMin: number): PresenceRecord {
  return {
    interactionId: id,
    userId,
    kind: 'checkin',
    place: `venue:${venueId}`,
    startMs: T0 + startMin * min,
    endMs: T0 + endMin * min,
    lat: null,
    lng: null,
    attenuationDb: null,
    peerUserId: null,
  };
}

describe('matching keys', () => {
  it('one ring of neighbours covers a 10 m radius at resolution 10; more for fine cells', () => {
    expect(ringsForRadius(10, 10)).toBe(1);
    expect(ringsForRadius(15, 10)).toBeGreaterThan(1);
  });

  it('buckets: an interval touches every hour it covers, an instant one', () => {
    expect(bucketsOf(T0, T0 + 60 * min, 60)).toHaveLength(1); // [12:00, 13:00) is one hour bucket
    expect(bucketsOf(T0 - 5 * min, T0 + 5 * min, 60)).toHaveLength(2);
    expect(bucketsOf(T0, T0, 60)).toEqual([timeBucket(T0, 60)]);
  });

  it("probes the cells a stay's radius reaches over the stay, and a venue only itself", () => {
    const edge = nearEdge(latLngToCell(48.8566, 2.3522, 10), 3);
    const stay = located('a', 'u', edge.lat, edge.lng, 0, 90);
    expect(stay.place).toBe(edge.cell);
    const { probes, byPlace } = presenceProbes([stay, venue('v', 'u', 'cafe', 100, 130)], 60, 1, 10);
    expect(probes).toHaveLength(2 + 1);
    expect(new Set(probes.filter((p) => !p.place.startsWith('venue:')).map((p) => p.place))).toEqual(
      new Set([edge.cell, edge.across]),
    );
    for (const p of probes.filter((p) => !p.place.startsWith('venue:'))) {
      expect(p).toEqual({
        place: p.place,
        firstBucket: timeBucket(T0, 60),
        lastBucket: timeBucket(T0 + 90 * min - 1, 60),
        fromMs: T0,
        toMs: T0 + 90 * min,
        box: boxAround([stay as { lat: number; lng: number }], 10),
      });
    }
    expect(probes.find((p) => p.place === 'venue:cafe')).toEqual({
      place: 'venue:cafe',
      firstBucket: timeBucket(T0 + 100 * min, 60),
      lastBucket: timeBucket(T0 + 130 * min - 1, 60),
      fromMs: T0 + 100 * min,
      toMs: T0 + 130 * min,
      box: null,
    });
    expect(byPlace.get(edge.across)).toEqual([stay]);
  });

  it('merges stays in a place that overlap or touch into one probe, keeps a gap as two, ignores Bluetooth', () => {
    const a = located('a', 'u', 48.8566, 2.3522, 0, 5);
    const b = located('b', 'u', 48.8566, 2.3522, 5, 10); // touches a
    const c = located('c', 'u', 48.8566, 2.3522, 8, 12); // overlaps b
    const d = located('d', 'u', 48.8566, 2.3522, 200, 205); // hours later
    const bluetooth: PresenceRecord = { ...a, interactionId: 'p', kind: 'proximity', place: null, attenuationDb: 60 };
    const { probes, byPlace } = presenceProbes([d, c, bluetooth, b, a], 60, 0, 10);
    const box = boxAround([{ lat: 48.8566, lng: 2.3522 }], 10);
    expect(probes).toEqual([
      {
        place: a.place,
        firstBucket: timeBucket(T0, 60),
        lastBucket: timeBucket(T0, 60),
        fromMs: T0,
        toMs: T0 + 12 * min,
        box,
      },
      {
        place: a.place,
        firstBucket: timeBucket(T0 + 200 * min, 60),
        lastBucket: timeBucket(T0 + 200 * min, 60),
        fromMs: T0 + 200 * min,
        toMs: T0 + 205 * min,
        box,
      },
    ]);
    expect(byPlace.get(a.place!)).toHaveLength(4);
  });
});

describe('the GPS box of a probe', () => {
  const R = 6_371_008.8;
  const deg = 180 / Math.PI;

  it('is the points ± r/R radians of latitude (+1%) and ± that / cos(most polar latitude) of longitude', () => {
    const box = boxAround(
      [
        { lat: 48.8566, lng: 2.3522 },
        { lat: 48.857, lng: 2.353 },
      ],
      10,
    )!;
    const dLat = (10 / R) * deg * 1.01;
    expect(box.minLat).toBeCloseTo(48.8566 - dLat, 12);
    expect(box.maxLat).toBeCloseTo(48.857 + dLat, 12);
    expect(box.minLng).toBeCloseTo(2.3522 - dLat / Math.cos((48.857 + dLat) / deg), 12);
    expect(box.maxLng).toBeCloseTo(2.353 + dLat / Math.cos((48.857 + dLat) / deg), 12);
    expect(dLat * 111_195).toBeCloseTo(10.1, 2); // ~10.1 m of latitude
  });

  it('holds every point within the radius (haversine), in every direction, at several latitudes', () => {
    for (const lat of [0, 48.8566, -33.9, 70, 88]) {
      const centre = { lat, lng: 10 };
      const box = boxAround([centre], 10)!;
      for (let bearing = 0; bearing < 360; bearing += 7.5) {
        // The point 10 m away on this bearing (spherical destination formula).
        const b = bearing / deg;
        const d = 10 / R;
        const phi1 = lat / deg;
        const phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(b));
        const lambda2 =
          10 / deg +
          Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(phi1), Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
        const p = { lat: phi2 * deg, lng: lambda2 * deg };
        expect(
          p.lat >= box.minLat && p.lat <= box.maxLat && p.lng >= box.minLng && p.lng <= box.maxLng,
          `lat ${lat} bearing ${bearing}`,
        ).toBe(true);
      }
    }
  });

  it('is left out near a pole or across the antimeridian, and for no points', () => {
    expect(boxAround([{ lat: 89.5, lng: 0 }], 10)).toBeNull();
    expect(boxAround([{ lat: 0, lng: 179.99999 }], 10)).toBeNull();
    expect(boxAround([], 10)).toBeNull();
  });

  it('a probe of venues or of stays without coordinates has no box', () => {
    const noFix: PresenceRecord = { ...located('n', 'u', 48.8566, 2.3522, 0, 10), lat: null, lng: null };
    expect(presenceProbes([noFix], 60, 0, 10).probes.map((p) => p.box)).toEqual([null]);
  });
});

describe('episodes and combined risks', () => {
  it('30 minutes of GPS co-location on onset day: 7.5 weighted minutes and 0.29 after a self-report, 15 and 0.50 confirmed', () => {
    const exposed = located('e1', 'contact', 48.8566, 2.3522, 0, 30);
    const source = located('s1', 'source', 48.85665, 2.3522, -10, 40); // ~5.6 m away
    for (const [sourceCase, weighted, risk] of [
      [selfReport, 7.5, 0.29],
      [confirmed, 15, 0.5],
    ] as const) {
      const found = episodeBetween(exposed, source, sourceCase);
      expect(found?.kind).toBe('gps');
      const [draft] = combineIntoRisks('case-1', [scoreContact(exposed, found!, DEFAULT_RISK_MODEL, 'UTC')]);
      expect(draft).toMatchObject({
        interaction_id: 'e1',
        exposed_user_id: 'contact',
        case_id: 'case-1',
        minutes: 30,
        weighted_minutes: weighted,
        risk_level: risk,
        exposure_date: '2026-11-20',
        contact_kind: 'gps',
        proximity_bucket: 'gps_colocation',
        infectiousness: 'high',
      });
    }
  });

  it('sums the episodes of one exposed stay with several source stays; nothing for other places, times or the same person', () => {
    const exposed = located('e1', 'contact', 48.8566, 2.3522, 0, 60);
    const sources = [
      located('s1', 'source', 48.8566, 2.3522, 0, 20),
      located('s2', 'source', 48.8566, 2.3522, 20, 40),
      located('far', 'source', 48.86, 2.3522, 0, 60),
      located('later', 'source', 48.8566, 2.3522, 60, 90),
    ];
    const contacts = sources
      .map((s) => episodeBetween(exposed, s, confirmed))
      .filter((f) => f !== null)
      .map((f) => scoreContact(exposed, f!, DEFAULT_RISK_MODEL, 'UTC'));
    const [draft] = combineIntoRisks('c', contacts);
    expect(draft).toMatchObject({ minutes: 40, weighted_minutes: 20, risk_level: 0.6 });
    expect(episodeBetween(exposed, { ...exposed, interactionId: 'x' }, confirmed)).toBeNull(); // the same person
  });

  it('matches check-ins only at the same venue and applies the 10-minute minimum and 30-minute cap', () => {
    const exposed = venue('e', 'contact', 'cafe', 0, 45);
    expect(episodeBetween(exposed, venue('s', 'source', 'bar', 0, 45), confirmed)).toBeNull();
    const found = episodeBetween(exposed, venue('s', 'source', 'cafe', 0, 45), confirmed)!;
    const [draft] = combineIntoRisks('c', [scoreContact(exposed, found, DEFAULT_RISK_MODEL, 'UTC')]);
    expect(draft).toMatchObject({
      contact_kind: 'venue',
      place: 'venue:cafe',
      minutes: 30,
      weighted_minutes: 30,
      risk_level: 0.75,
    });
    const short = episodeBetween(exposed, venue('s', 'source', 'cafe', 40, 49), confirmed)!;
    expect(combineIntoRisks('c', [scoreContact(exposed, short, DEFAULT_RISK_MODEL, 'UTC')])).toEqual([]);
  });

  it('scores a Bluetooth encounter by attenuation: 20 minutes at 50 dB after a confirmed test is 35 weighted minutes', () => {
    const exposed: PresenceRecord = {
      interactionId: 'p',
      userId: 'contact',
      kind: 'proximity',
      place: null,
      startMs: T0,
      endMs: T0 + 20 * min,
      lat: null,
      lng: null,
      attenuationDb: 50,
      peerUserId: 'source',
    };
    const [draft] = combineIntoRisks('c', [
      scoreContact(exposed, encounterEpisode(exposed, confirmed)!, DEFAULT_RISK_MODEL, 'UTC'),
    ]);
    expect(draft).toMatchObject({
      contact_kind: 'proximity',
      proximity_bucket: 'immediate',
      weighted_minutes: 35,
      risk_level: 0.8,
    });
  });

  it('drops contacts outside the infectious window (onset − 4 .. onset + 5)', () => {
    const early: PresenceRecord = located('e', 'contact', 48.8566, 2.3522, -5 * 1440, -5 * 1440 + 30);
    const found = episodeBetween(early, located('s', 'source', 48.8566, 2.3522, -5 * 1440, -5 * 1440 + 30), confirmed)!;
    expect(combineIntoRisks('c', [scoreContact(early, found, DEFAULT_RISK_MODEL, 'UTC')])).toEqual([]);
  });
});
