import type { Xoshiro128 } from '../modules/zones/prng.js';
import type { CheckinObservation, LocationObservation, ProximityObservation } from '../contracts/interactions.js';
import type { City } from './city.js';
import type { Contact } from './contacts.js';
import { offsetMetres, spotPosition } from './geometry.js';
import type { Stay } from './schedule.js';
import { MS_PER_MINUTE } from '../platform/time/calendar.js';
import { stampOf, type Timeline } from './timeline.js';

export type PhoneObservation = LocationObservation | CheckinObservation | ProximityObservation;

const iso = (ms: number) => new Date(ms).toISOString();

/** A token a phone broadcast, with its validity (epoch ms). */
export interface HeldToken {
  readonly token: string;
  readonly validFrom: number;
  readonly validTo: number;
}

/**
 * What a phone records of a stay (pure given the generator): a location stay at its spot with a little GPS noise
 * (within 3 m), and a check-in when the place is a venue with a code.
 */
export function observationsOfStay(
  city: City,
  timeline: Timeline,
  stay: Stay,
  venueCode: string | undefined,
  rng: Xoshiro128,
  newId: () => string,
): PhoneObservation[] {
  const place = city.places[stay.place]!;
  const spot = spotPosition(place, stay.spot);
  const noise = () => Math.max(-3, Math.min(3, rng.nextGaussian()));
  const at = offsetMetres(spot, noise(), noise());
  const started_at = iso(stampOf(timeline, stay.start));
  const ended_at = iso(stampOf(timeline, stay.end));
  const observations: PhoneObservation[] = [
    {
      id: newId(),
      kind: 'location',
      lat: round(at.lat),
      lng: round(at.lng),
      accuracy_m: 5 + rng.nextInt(6),
      started_at,
      ended_at,
    },
  ];
  if (venueCode !== undefined)
    observations.push({ id: newId(), kind: 'checkin', venue_id: venueCode, started_at, ended_at });
  return observations;
}

/**
 * What `observer`'s phone records of a close contact over Bluetooth: the peer's tokens it heard, one observation per
 * token, only while the peer held a token (the server issues tokens from the current interval on, so encounters
 * before the peer fetched its tokens cannot be recorded). Attenuation 45-65 dB.
 */
export function proximityObservations(
  timeline: Timeline,
  contact: Contact,
  peerTokens: readonly HeldToken[],
  rng: Xoshiro128,
  newId: () => string,
): ProximityObservation[] {
  const start = stampOf(timeline, contact.start);
  const end = stampOf(timeline, contact.end);
  const attenuation = 45 + rng.nextInt(21);
  const observations: ProximityObservation[] = [];
  for (const token of peerTokens) {
    const from = Math.max(start, token.validFrom);
    const to = Math.min(end, token.validTo);
    if (to - from < MS_PER_MINUTE) continue;
    observations.push({
      id: newId(),
      kind: 'proximity',
      peer_token: token.token,
      attenuation_db: attenuation,
      started_at: iso(from),
      ended_at: iso(to),
    });
  }
  return observations;
}

const round = (x: number) => Math.round(x * 1e7) / 1e7;
