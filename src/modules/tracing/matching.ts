import { getHexagonEdgeLengthAvg, gridDisk, UNITS } from 'h3-js';
import { EARTH_RADIUS_METERS } from '../../platform/geo/haversine.js';
import { cellsReached } from './cell-reach.js';
import {
  DEFAULT_RISK_MODEL,
  riskLevel,
  scoreEpisode,
  type ContactEpisode,
  type RiskModelConfig,
  type ScoredEpisode,
  type SourceCase,
} from './risk-model.js';

/**
 * Pure matching rules: which observations of two people form a contact episode, and how the scored
 * episodes of one exposed interaction and one source case combine into one exposure_risks row.
 */

export type ContactKind = 'proximity' | 'venue' | 'gps';

/** One interaction as matching sees it. `place` is the H3 cell, or `venue:<id>` for a check-in. */
export interface PresenceRecord {
  readonly interactionId: string;
  readonly userId: string;
  readonly kind: 'location' | 'checkin' | 'proximity';
  readonly place: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly lat: number | null;
  readonly lng: number | null;
  readonly attenuationDb: number | null;
  readonly peerUserId: string | null;
}

export const VENUE_PREFIX = 'venue:';
/** Venue codes are case-insensitive (a code typed in lower case is the venue of the QR code): one place per venue. */
export const venuePlace = (venueId: string) => `${VENUE_PREFIX}${venueId.toUpperCase()}`;

export function timeBucket(epochMs: number, bucketMinutes: number): number {
  return Math.floor(epochMs / (bucketMinutes * 60_000));
}

/** Buckets an interval [start, end] touches (an instant touches one). */
export function bucketsOf(startMs: number, endMs: number, bucketMinutes: number): number[] {
  const first = timeBucket(startMs, bucketMinutes);
  const last = timeBucket(Math.max(startMs, endMs - 1), bucketMinutes);
  const buckets: number[] = [];
  for (let b = first; b <= last; b++) buckets.push(b);
  return buckets;
}

/**
 * Rings of neighbouring cells to search so that every point within `radiusMeters` of a point in the centre
 * cell is covered: one ring covers at least the cell's inradius (edge × √3/2) beyond the centre cell.
 */
export function ringsForRadius(resolution: number, radiusMeters: number): number {
  const edge = getHexagonEdgeLengthAvg(resolution, UNITS.m);
  // Cells vary in size across the globe by up to ~2×; halve the average inradius to stay on the safe side.
  return Math.max(1, Math.ceil(radiusMeters / ((edge * Math.sqrt(3)) / 2 / 2)));
}

/** A latitude/longitude box, degrees: a point outside is farther than the radius from every point it was made from. */
export interface GeoBox {
  readonly minLat: number;
  readonly maxLat: number;
  readonly minLng: number;
  readonly maxLng: number;
}

/**
 * One index probe: other people's presence in `place` overlapping [fromMs, toMs) and, for GPS stays, reported
 * inside `box`. Its rows sit under the buckets firstBucket..lastBucket of the place, so a probe is one range scan
 * of the presence index's primary key.
 */
export interface PresenceProbe {
  readonly place: string;
  readonly firstBucket: number;
  readonly lastBucket: number;
  readonly fromMs: number;
  readonly toMs: number;
  /** null: no position filter (venues, or a box that would cross a pole or the antimeridian). */
  readonly box: GeoBox | null;
}

const DEGREES = 180 / Math.PI;

/**
 * The box around points that holds every point within `radiusMeters` of one of them by great-circle distance
 * (haversine on the mean Earth radius, as the risk model measures): a latitude difference of d/R radians is the
 * shortest way to cover d, and a longitude difference shrinks by cos(latitude), taken at the box's most polar
 * latitude. 1% is added against rounding. null when the box would reach a pole or cross the antimeridian.
 */
export function boxAround(points: ReadonlyArray<{ lat: number; lng: number }>, radiusMeters: number): GeoBox | null {
  if (points.length === 0) return null;
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLng = Infinity;
  let maxLng = -Infinity;
  for (const p of points) {
    minLat = Math.min(minLat, p.lat);
    maxLat = Math.max(maxLat, p.lat);
    minLng = Math.min(minLng, p.lng);
    maxLng = Math.max(maxLng, p.lng);
  }
  const dLat = (radiusMeters / EARTH_RADIUS_METERS) * DEGREES * 1.01;
  const polar = Math.max(Math.abs(minLat), Math.abs(maxLat)) + dLat;
  if (polar >= 89) return null;
  const dLng = dLat / Math.cos(polar / DEGREES);
  if (minLng - dLng < -180 || maxLng + dLng > 180) return null;
  return { minLat: minLat - dLat, maxLat: maxLat + dLat, minLng: minLng - dLng, maxLng: maxLng + dLng };
}

/**
 * The probes that find everyone whose presence could overlap these records, and the records each place can pair
 * with. A record is probed in every place it could share (its venue, or its cell and those of the `rings` around it
 * that its radius reaches); intervals of one place that overlap or touch are merged, so a long stay split into many
 * observations, or several stays in neighbouring cells, costs one range scan per place instead of one lookup per
 * bucket. A GPS probe only asks for stays reported within `radiusMeters` of one of its stays' points (a box around
 * them).
 */
export function presenceProbes(
  records: readonly PresenceRecord[],
  bucketMinutes: number,
  rings: number,
  radiusMeters: number,
): { probes: PresenceProbe[]; byPlace: Map<string, PresenceRecord[]> } {
  const byPlace = new Map<string, PresenceRecord[]>();
  for (const record of records) {
    if (record.place === null || record.kind === 'proximity') continue;
    const places =
      record.kind !== 'location'
        ? [record.place]
        : record.lat !== null && record.lng !== null
          ? cellsReached(record.place, record.lat, record.lng, rings, radiusMeters)
          : gridDisk(record.place, rings);
    for (const place of places) {
      const list = byPlace.get(place);
      if (list) list.push(record);
      else byPlace.set(place, [record]);
    }
  }
  const probes: PresenceProbe[] = [];
  for (const [place, list] of byPlace) {
    const sorted = [...list].sort((a, b) => a.startMs - b.startMs);
    let group: PresenceRecord[] = [];
    let to = Number.NEGATIVE_INFINITY;
    const flush = () => {
      const from = group[0]!.startMs;
      const located = group.every((r) => r.kind === 'location' && r.lat !== null && r.lng !== null);
      const box = located
        ? boxAround(group as Array<PresenceRecord & { lat: number; lng: number }>, radiusMeters)
        : null;
      probes.push({
        place,
        firstBucket: timeBucket(from, bucketMinutes),
        lastBucket: timeBucket(Math.max(from, to - 1), bucketMinutes),
        fromMs: from,
        toMs: to,
        box,
      });
    };
    for (const record of sorted) {
      if (group.length > 0 && record.startMs > to) {
        flush();
        group = [];
      }
      group.push(record);
      to = group.length === 1 ? record.endMs : Math.max(to, record.endMs);
    }
    flush();
  }
  return { probes, byPlace };
}

/** A person-day's risks as a notification sums them: total weighted minutes, how many, and the heaviest. */
export interface DayTally<R> {
  total: number;
  count: number;
  main: R;
}

/** Adds a risk to its day's tally (pure but for the map): the heavier risk is the main one; a tie keeps the first. */
export function tallyRisk<R extends { readonly weighted_minutes: number }>(
  days: Map<string, DayTally<R>>,
  key: string,
  risk: R,
): void {
  const day = days.get(key);
  if (day === undefined) days.set(key, { total: risk.weighted_minutes, count: 1, main: risk });
  else {
    day.total += risk.weighted_minutes;
    day.count += 1;
    if (risk.weighted_minutes > day.main.weighted_minutes) day.main = risk;
  }
}

export const overlaps = (a: PresenceRecord, b: PresenceRecord) => a.startMs < b.endMs && b.startMs < a.endMs;

/** The contact episode between an exposed person's observation and the source's, or null when there is none. */
export function episodeBetween(
  exposed: PresenceRecord,
  source: PresenceRecord,
  sourceCase: SourceCase,
): { episode: ContactEpisode; kind: ContactKind; place: string | null } | null {
  if (exposed.userId === source.userId || !overlaps(exposed, source)) return null;
  if (
    exposed.kind === 'location' &&
    source.kind === 'location' &&
    exposed.lat !== null &&
    exposed.lng !== null &&
    source.lat !== null &&
    source.lng !== null
  ) {
    return {
      kind: 'gps',
      place: exposed.place,
      episode: {
        kind: 'gps',
        source: sourceCase,
        exposedPresence: { startMs: exposed.startMs, endMs: exposed.endMs, lat: exposed.lat, lng: exposed.lng },
        sourcePresence: { startMs: source.startMs, endMs: source.endMs, lat: source.lat, lng: source.lng },
      },
    };
  }
  if (
    exposed.kind === 'checkin' &&
    source.kind === 'checkin' &&
    exposed.place !== null &&
    exposed.place === source.place
  ) {
    return {
      kind: 'venue',
      place: exposed.place,
      episode: {
        kind: 'venue',
        source: sourceCase,
        exposedStay: { startMs: exposed.startMs, endMs: exposed.endMs },
        sourceStay: { startMs: source.startMs, endMs: source.endMs },
      },
    };
  }
  return null;
}

/** A Bluetooth encounter the exposed person's phone recorded with the source's token. */
export function encounterEpisode(
  exposed: PresenceRecord,
  sourceCase: SourceCase,
): { episode: ContactEpisode; kind: ContactKind; place: null } | null {
  if (exposed.kind !== 'proximity' || exposed.attenuationDb === null) return null;
  return {
    kind: 'proximity',
    place: null,
    episode: {
      kind: 'proximity',
      source: sourceCase,
      interval: { startMs: exposed.startMs, endMs: exposed.endMs },
      attenuationDb: exposed.attenuationDb,
    },
  };
}

export interface ScoredContact {
  readonly exposed: PresenceRecord;
  readonly kind: ContactKind;
  readonly place: string | null;
  readonly scored: ScoredEpisode;
}

export function scoreContact(
  exposed: PresenceRecord,
  found: { episode: ContactEpisode; kind: ContactKind; place: string | null },
  config: RiskModelConfig,
  timeZone: string,
): ScoredContact {
  return { exposed, kind: found.kind, place: found.place, scored: scoreEpisode(found.episode, config, timeZone) };
}

/** What one exposure_risks row holds: all episodes of one exposed interaction with one source case. */
export interface ExposureRiskDraft {
  readonly interaction_id: string;
  readonly exposed_user_id: string;
  readonly case_id: string;
  readonly contact_kind: ContactKind;
  readonly place: string | null;
  readonly minutes: number;
  readonly weighted_minutes: number;
  readonly risk_level: number;
  /** The day with the most weighted minutes; the whole row counts towards that day's tier. */
  readonly exposure_date: string;
  readonly proximity_bucket: string;
  readonly infectiousness: string;
  readonly report_type: string;
  readonly model_version: string;
  readonly episode_start: number;
  readonly episode_end: number;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Combines scored contacts into one draft per exposed interaction: minutes and weighted minutes are summed
 * (the source's observations do not overlap each other), the factors shown are those of the heaviest episode.
 * Episodes that do not count (outside the radius, too short, outside the infectious window) are left out.
 */
export function combineIntoRisks(
  caseId: string,
  contacts: readonly ScoredContact[],
  config: RiskModelConfig = DEFAULT_RISK_MODEL,
): ExposureRiskDraft[] {
  const groups = new Map<string, ScoredContact[]>();
  for (const contact of contacts) {
    if (contact.scored.dropped !== null || contact.scored.weighted_minutes <= 0) continue;
    const list = groups.get(contact.exposed.interactionId);
    if (list) list.push(contact);
    else groups.set(contact.exposed.interactionId, [contact]);
  }
  const drafts: ExposureRiskDraft[] = [];
  for (const [interactionId, list] of groups) {
    let minutes = 0;
    let weighted = 0;
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    const perDay = new Map<string, number>();
    let main = list[0]!;
    for (const contact of list) {
      minutes += contact.scored.minutes;
      weighted += contact.scored.weighted_minutes;
      if (contact.scored.weighted_minutes > main.scored.weighted_minutes) main = contact;
      for (const day of contact.scored.days) {
        perDay.set(day.day, (perDay.get(day.day) ?? 0) + day.weighted_minutes);
        start = Math.min(start, day.start_ms);
        end = Math.max(end, day.end_ms);
      }
    }
    let exposureDate = main.scored.days[0]?.day ?? '';
    let best = -1;
    for (const [day, value] of [...perDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (value > best) {
        best = value;
        exposureDate = day;
      }
    }
    const total = round6(weighted);
    drafts.push({
      interaction_id: interactionId,
      exposed_user_id: main.exposed.userId,
      case_id: caseId,
      contact_kind: main.kind,
      place: main.place,
      minutes: round6(minutes),
      weighted_minutes: total,
      risk_level: riskLevel(total, config),
      exposure_date: exposureDate,
      proximity_bucket: main.scored.proximity_bucket,
      infectiousness: main.scored.infectiousness_level,
      report_type: main.scored.report_type,
      model_version: main.scored.model_version,
      episode_start: start,
      episode_end: end,
    });
  }
  return drafts;
}
