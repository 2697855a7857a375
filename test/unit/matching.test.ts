import { latLngToCell, gridDisk } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { bucketsOf, combineIntoRisks, encounterEpisode, episodeBetween, matchingKeys, ringsForRadius, scoreContact, type PresenceRecord } from '../../src/modules/tracing/matching.js';
import { DEFAULT_RISK_MODEL, type SourceCase } from '../../src/modules/tracing/risk-model.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0); // 2026-11-20 12:00 UTC
const min = 60_000;
const selfReport: SourceCase = { onsetDay: '2026-11-20', reportDay: '2026-11-21', reportType: 'self_reported' };
const confirmed: SourceCase = { ...selfReport, reportType: 'confirmed_test' };

function located(id: string, userId: string, lat: number, lng: number, startMin: number, endMin: number): PresenceRecord {
  return { interactionId: id, userId, kind: 'location', place: latLngToCell(lat, lng, 10), startMs: T0 + startMin * min, endMs: T0 + endMin * min, lat, lng, attenuationDb: null, peerUserId: null };
}
function venue(id: string, userId: string, venueId: string, startMin: number, endMin: number): PresenceRecord {
  return { interactionId: id, userId, kind: 'checkin', place: `venue:${venueId}`, startMs: T0 + startMin * min, endMs: T0 + endMin * min, lat: null, lng: null, attenuationDb: null, peerUserId: null };
}

describe('matching keys', () => {
  it('one ring of neighbours covers a 10 m radius at resolution 10; more for fine cells', () => {
    expect(ringsForRadius(10, 10)).toBe(1);
    expect(ringsForRadius(15, 10)).toBeGreaterThan(1);
  });

  it('covers every bucket of a stay and the neighbouring cells', () => {
    expect(bucketsOf(T0, T0 + 60 * min, 60)).toHaveLength(1); // [12:00, 13:00) is one hour bucket
    expect(bucketsOf(T0 - 5 * min, T0 + 5 * min, 60)).toHaveLength(2);
    const keys = matchingKeys(located('a', 'u', 48.8566, 2.3522, 0, 90), 60, 1);
    expect(keys).toHaveLength(7 * 2);
    expect(new Set(keys.map((k) => k[0]))).toEqual(new Set(gridDisk(latLngToCell(48.8566, 2.3522, 10), 1)));
    expect(matchingKeys(venue('v', 'u', 'cafe', 0, 30), 60, 1)).toEqual([['venue:cafe', bucketsOf(T0, T0, 60)[0]]]);
  });
});

describe('episodes and combined risks', () => {
  it('30 minutes of GPS co-location on onset day: 7.5 weighted minutes and 0.29 after a self-report, 15 and 0.50 confirmed', () => {
    const exposed = located('e1', 'contact', 48.8566, 2.3522, 0, 30);
    const source = located('s1', 'source', 48.85665, 2.3522, -10, 40); // ~5.6 m away
    for (const [sourceCase, weighted, risk] of [[selfReport, 7.5, 0.29], [confirmed, 15, 0.5]] as const) {
      const found = episodeBetween(exposed, source, sourceCase);
      expect(found?.kind).toBe('gps');
      const [draft] = combineIntoRisks('case-1', [scoreContact(exposed, found!, DEFAULT_RISK_MODEL, 'UTC')]);
      expect(draft).toMatchObject({ interaction_id: 'e1', exposed_user_id: 'contact', case_id: 'case-1', minutes: 30, weighted_minutes: weighted, risk_level: risk, exposure_date: '2026-11-20', contact_kind: 'gps', proximity_bucket: 'gps_colocation', infectiousness: 'high' });
    }
  });

  it('sums the episodes of one exposed stay with several source stays; nothing for other places, times or the same person', () => {
    const exposed = located('e1', 'contact', 48.8566, 2.3522, 0, 60);
    const sources = [located('s1', 'source', 48.8566, 2.3522, 0, 20), located('s2', 'source', 48.8566, 2.3522, 20, 40), located('far', 'source', 48.8600, 2.3522, 0, 60), located('later', 'source', 48.8566, 2.3522, 60, 90)];
    const contacts = sources.map((s) => episodeBetween(exposed, s, confirmed)).filter((f) => f !== null).map((f) => scoreContact(exposed, f!, DEFAULT_RISK_MODEL, 'UTC'));
    const [draft] = combineIntoRisks('c', contacts);
    expect(draft).toMatchObject({ minutes: 40, weighted_minutes: 20, risk_level: 0.6 });
    expect(episodeBetween(exposed, { ...exposed, interactionId: 'x' }, confirmed)).toBeNull(); // the same person
  });

  it('matches check-ins only at the same venue and applies the 10-minute minimum and 30-minute cap', () => {
    const exposed = venue('e', 'contact', 'cafe', 0, 45);
    expect(episodeBetween(exposed, venue('s', 'source', 'bar', 0, 45), confirmed)).toBeNull();
    const found = episodeBetween(exposed, venue('s', 'source', 'cafe', 0, 45), confirmed)!;
    const [draft] = combineIntoRisks('c', [scoreContact(exposed, found, DEFAULT_RISK_MODEL, 'UTC')]);
    expect(draft).toMatchObject({ contact_kind: 'venue', place: 'venue:cafe', minutes: 30, weighted_minutes: 30, risk_level: 0.75 });
    const short = episodeBetween(exposed, venue('s', 'source', 'cafe', 40, 49), confirmed)!;
    expect(combineIntoRisks('c', [scoreContact(exposed, short, DEFAULT_RISK_MODEL, 'UTC')])).toEqual([]);
  });

  it('scores a Bluetooth encounter by attenuation: 20 minutes at 50 dB after a confirmed test is 35 weighted minutes', () => {
    const exposed: PresenceRecord = { interactionId: 'p', userId: 'contact', kind: 'proximity', place: null, startMs: T0, endMs: T0 + 20 * min, lat: null, lng: null, attenuationDb: 50, peerUserId: 'source' };
    const [draft] = combineIntoRisks('c', [scoreContact(exposed, encounterEpisode(exposed, confirmed)!, DEFAULT_RISK_MODEL, 'UTC')]);
    expect(draft).toMatchObject({ contact_kind: 'proximity', proximity_bucket: 'immediate', weighted_minutes: 35, risk_level: 0.8 });
  });

  it('drops contacts outside the infectious window (onset − 4 .. onset + 5)', () => {
    const early: PresenceRecord = located('e', 'contact', 48.8566, 2.3522, -5 * 1440, -5 * 1440 + 30);
    const found = episodeBetween(early, located('s', 'source', 48.8566, 2.3522, -5 * 1440, -5 * 1440 + 30), confirmed)!;
    expect(combineIntoRisks('c', [scoreContact(early, found, DEFAULT_RISK_MODEL, 'UTC')])).toEqual([]);
  });
});
