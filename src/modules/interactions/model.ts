import { latLngToCell } from 'h3-js';
import type { Observation } from '../../contracts/interactions.js';
import type { NewRow } from '../../platform/db/tables.js';
import { bucketsOf, venuePlace } from '../tracing/matching.js';
import { MS_PER_DAY } from '../../platform/time/calendar.js';

/** The longest observation (a stay or an encounter) the app may upload. */
export const MAX_OBSERVATION_MS = 24 * 3_600_000;

export interface IngestRules {
  readonly h3Resolution: number;
  readonly timeBucketMinutes: number;
  readonly retentionDays: number;
  readonly maxClockSkewMs: number;
  /** Longest single observation accepted. */
  readonly maxDurationMs: number;
}

/** The first thing wrong with an observation's times, or null. Pure: `now` is passed in. */
export function timeProblem(observation: Observation, rules: IngestRules, now: number): string | null {
  const start = Date.parse(observation.started_at);
  const end = Date.parse(observation.ended_at);
  if (Number.isNaN(start) || Number.isNaN(end)) return 'started_at and ended_at must be ISO 8601 date-times';
  if (end < start) return 'ended_at must not be before started_at';
  if (end - start > rules.maxDurationMs)
    return `an observation may last at most ${rules.maxDurationMs / 3_600_000} hours`;
  if (end > now + rules.maxClockSkewMs)
    return `times may not be more than ${rules.maxClockSkewMs / 1000} seconds in the future`;
  if (start < now - rules.retentionDays * MS_PER_DAY)
    return `observations older than ${rules.retentionDays} days are not accepted`;
  return null;
}

export function timeBucketOf(epochMs: number, bucketMinutes: number): number {
  return Math.floor(epochMs / (bucketMinutes * 60_000));
}

/** The stored row of a validated observation: indexed by H3 cell and time bucket. */
export function toRow(
  observation: Observation,
  userId: string,
  rules: IngestRules,
  receivedAt: number,
): NewRow<'interactions'> {
  const start = Date.parse(observation.started_at);
  const base = {
    id: observation.id.toLowerCase(),
    user_id: userId,
    kind: observation.kind,
    timestamp: start,
    ended_at: Date.parse(observation.ended_at),
    time_bucket: timeBucketOf(start, rules.timeBucketMinutes),
    received_at: receivedAt,
    location: null,
    lat: null,
    lng: null,
    accuracy_m: null,
    venue_id: null,
    peer_token: null,
    attenuation_db: null,
    peer_user_id: null,
  };
  switch (observation.kind) {
    case 'location':
      return {
        ...base,
        location: latLngToCell(observation.lat, observation.lng, rules.h3Resolution),
        lat: observation.lat,
        lng: observation.lng,
        accuracy_m: observation.accuracy_m ?? null,
      };
    case 'checkin':
      return { ...base, venue_id: observation.venue_id };
    case 'proximity':
      return { ...base, peer_token: observation.peer_token, attenuation_db: observation.attenuation_db };
  }
}

/** The matching-index rows of a stored observation: one per place and time bucket it covers. */
export function presenceRowsOf(row: NewRow<'interactions'>, bucketMinutes: number): NewRow<'presence_index'>[] {
  const place =
    row.kind === 'location' ? row.location : row.kind === 'checkin' && row.venue_id ? venuePlace(row.venue_id) : null;
  if (place === null || place === undefined) return [];
  return bucketsOf(row.timestamp, row.ended_at, bucketMinutes).map((bucket) => ({
    place,
    bucket,
    interaction_id: row.id,
    user_id: row.user_id,
    started_at: row.timestamp,
    ended_at: row.ended_at,
    lat: row.lat ?? null,
    lng: row.lng ?? null,
  }));
}
