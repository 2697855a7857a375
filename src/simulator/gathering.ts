import type { Xoshiro128 } from '../modules/zones/prng.js';
import type { Agent, City } from './city.js';
import type { Contact } from './contacts.js';
import type { Course } from './disease.js';
import type { Stay } from './schedule.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../platform/time/calendar.js';

/**
 * A superspreading event: one evening at one place, everyone in the same room for its whole length, where one
 * infectious person infects far more people than the everyday contacts of the city do.
 *
 * The figure is the Skagit County choir rehearsal of 10 March 2020 (Hamner L, Dubbel P, Capron I, et al. High SARS-CoV-2
 * attack rate following exposure at a choir practice — Skagit County, Washington, March 2020. MMWR Morb Mortal Wkly
 * Rep 2020;69:606–610): one symptomatic singer among 61 attendees of a 2.5-hour rehearsal, 53 cases (33 confirmed,
 * 20 probable), a secondary attack rate of 86.7 % among the 60 others. As a constant hazard over the 150 minutes,
 * 1 − exp(−h · 150) = 0.867 gives h = ln(1 / 0.133) / 150 ≈ 0.0135 per minute: about 50 times the city's hazard of
 * close everyday contact (DEFAULT_DISEASE.betaClose), for everyone in the room whatever their seat.
 */
export interface Gathering {
  /** What it is, in words (for the report). */
  readonly what: string;
  /** The place it is held at (a venue of the city). */
  readonly place: number;
  /** Simulation times of its start and end (ms). */
  readonly start: number;
  readonly end: number;
  /** Who attends (if they are not isolating that day). */
  readonly attendees: readonly number[];
  /** The attendee infected from outside the city who brings the infection (see presymptomaticAt). */
  readonly index: number;
  /** Hazard of infection per minute in the room with a fully infectious attendee. */
  readonly hazardPerMinute: number;
}

/** Skagit County choir: attack rate 52 / 60 (86.7 %) over a 150-minute rehearsal (see Gathering). */
export const SKAGIT_ATTACK_RATE = 52 / 60;
export const SKAGIT_MINUTES = 150;
export const CHOIR_HAZARD_PER_MINUTE = -Math.log(1 - SKAGIT_ATTACK_RATE) / SKAGIT_MINUTES;
/** The Skagit rehearsal's attendance. */
export const CHOIR_SIZE = 61;

export interface ChoirOptions {
  /** Simulation day of the rehearsal. */
  readonly day: number;
  /** Singers (default: Skagit's 61, at most one adult in eight of the city). */
  readonly size?: number;
  /**
   * Held in this neighbourhood (a village, see city.ts), sung by its adults: at most one in three of them. Default:
   * wherever in the city the singers live closest together.
   */
  readonly neighbourhood?: number;
}

/**
 * A neighbourhood choir's evening rehearsal (pure): held at the venue with the most adults living near it, sung by
 * the adults who live nearest to it (they walk there), 19:00 to 21:30 like Skagit's; the index singer is the one
 * living nearest the venue.
 */
export function neighbourhoodChoir(city: City, options: ChoirOptions): Gathering {
  const where = options.neighbourhood;
  const adults = city.agents.filter(
    (a) => !a.child && (where === undefined || city.places[a.home]!.neighbourhood === where),
  );
  const cap = where === undefined ? Math.floor(adults.length / 8) : Math.floor(adults.length / 3);
  const size = Math.max(2, Math.min(options.size ?? CHOIR_SIZE, cap));
  const distance = (agent: Agent, place: number) => {
    const home = city.places[agent.home]!;
    const venue = city.places[place]!;
    return (home.lat - venue.lat) ** 2 + ((home.lng - venue.lng) * Math.cos((venue.lat * Math.PI) / 180)) ** 2;
  };
  const nearest = (place: number) =>
    [...adults].sort((a, b) => distance(a, place) - distance(b, place) || a.id - b.id).slice(0, size);
  const venues = city.places
    .filter((p) => p.kind === 'venue' && (where === undefined || p.neighbourhood === where))
    .map((p) => p.id);
  if (venues.length === 0) throw new RangeError('the city has no venue to hold a gathering');
  // The venue whose nearest singers live closest to it: a compact neighbourhood choir.
  const spread = (place: number) => nearest(place).reduce((sum, a) => sum + distance(a, place), 0);
  const place = venues.reduce((best, v) => (spread(v) < spread(best) ? v : best), venues[0]!);
  const attendees = nearest(place).map((a) => a.id);
  const dayStart = options.day * MS_PER_DAY;
  return {
    what: 'a choir rehearsal',
    place,
    start: dayStart + 19 * MS_PER_HOUR,
    end: dayStart + 19 * MS_PER_HOUR + SKAGIT_MINUTES * MS_PER_MINUTE,
    attendees,
    index: attendees[0]!,
    hazardPerMinute: CHOIR_HAZARD_PER_MINUTE,
  };
}

/**
 * A person's day with the gathering in it (pure): the gathering's stay at `spot`; whatever else they would have done
 * then is given up (the parts of an outing before and after it are spent at `home`).
 */
export function withGathering(stays: readonly Stay[], gathering: Gathering, home: number, spot: number): Stay[] {
  const { start, end } = gathering;
  const out: Stay[] = [];
  for (const stay of stays) {
    if (stay.end <= start || stay.start >= end) {
      out.push(stay);
      continue;
    }
    const place = { place: home, spot: 0 };
    if (stay.start < start) out.push({ ...stay, ...place, end: start });
    if (stay.end > end) out.push({ ...stay, ...place, start: end });
  }
  const agent = stays[0]?.agent;
  if (agent !== undefined) out.push({ agent, place: gathering.place, spot, start, end });
  return out.sort((a, b) => a.start - b.start);
}

/** Whether an exposure infects, and when (epidemic.ts's TransmissionDecision; declared here to keep imports one-way). */
type Decision = (
  exposure: { readonly infector: number; readonly infectee: number; readonly contact: Contact },
  rng: Xoshiro128,
) => number | null;

/**
 * Transmission at a gathering: a contact there between attendees, while the infector is infectious, infects with the
 * gathering's hazard over the minutes shared in the room (scaled by the infector's infectiousness); any other
 * contact is left to `otherwise`.
 */
export function gatheringDecision(
  gatherings: readonly Gathering[],
  courses: ReadonlyMap<number, Course>,
  otherwise: Decision,
): Decision {
  const attending = gatherings.map((g) => new Set(g.attendees));
  return (exposure, rng) => {
    const { infector, infectee, contact } = exposure;
    const i = gatherings.findIndex(
      (g, k) =>
        contact.a.place === g.place &&
        contact.start < g.end &&
        contact.end > g.start &&
        attending[k]!.has(infector) &&
        attending[k]!.has(infectee),
    );
    if (i < 0) return otherwise(exposure, rng);
    const g = gatherings[i]!;
    const course = courses.get(infector);
    if (course === undefined) return null;
    const from = Math.max(contact.start, g.start, course.infectiousFrom);
    const to = Math.min(contact.end, g.end, course.infectiousUntil);
    if (to <= from) return null;
    const hazard = g.hazardPerMinute * ((to - from) / MS_PER_MINUTE) * course.infectiousness;
    if (rng.nextFloat() >= 1 - Math.exp(-hazard)) return null;
    return from + Math.floor(rng.nextFloat() * (to - from));
  };
}

/**
 * The index case's course moved in time so that it is infectious, and not yet ill, when the gathering starts: like
 * many superspreaders, they feel well enough to go (the drawn course's own durations are kept).
 */
export function presymptomaticAt(course: Course, at: number): Course {
  const shift = at - 6 * MS_PER_HOUR - course.infectiousFrom;
  const move = (t: number | null) => (t === null ? null : t + shift);
  return {
    ...course,
    infectedAt: course.infectedAt + shift,
    infectiousFrom: course.infectiousFrom + shift,
    infectiousUntil: course.infectiousUntil + shift,
    onsetAt: move(course.onsetAt),
    selfReportAt: move(course.selfReportAt),
    confirmedAt: move(course.confirmedAt),
    isolatesFrom: move(course.isolatesFrom),
  };
}
